# Stubs for earlyhelp._core.forecast (hand-kept; see the forecast bindings in cpp/bindings/forecast.cpp).
