# Hand-kept stubs for the C++ extension module earlyhelp._core.
from . import _core_flow as flow
from . import _core_forecast as forecast
from . import _core_network as network
from . import _core_risk as risk
from . import _core_synthetic as synthetic

__version__: str

class CoreInputError(ValueError): ...
