# Stubs for earlyhelp._core.risk (hand-kept; see the risk bindings in cpp/bindings/risk.cpp).
