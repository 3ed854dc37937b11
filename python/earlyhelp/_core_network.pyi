# Stubs for earlyhelp._core.network (hand-kept; see the network bindings in cpp/bindings/network.cpp).
