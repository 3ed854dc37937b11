# Stubs for the compiled module earlyhelp._core (cpp/bindings/module.cpp), one
# file per submodule; scripts/check-stubs.sh checks them against the module.
from earlyhelp._errors import CoreInputError as CoreInputError

from . import flow as flow
from . import forecast as forecast
from . import network as network
from . import risk as risk
from . import synthetic as synthetic

__version__: str
