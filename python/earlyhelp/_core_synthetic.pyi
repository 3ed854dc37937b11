# Stubs for earlyhelp._core.synthetic (hand-kept; see the synthetic bindings in cpp/bindings/synthetic.cpp).
