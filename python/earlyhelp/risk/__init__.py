"""earlyhelp.risk"""

# --- risk models and calibration (branch risk) ---
from .calibration import IsotonicCalibrator, PlattCalibrator, reliability_diagram, reliability_table
from .models import LogisticRiskModel, PoissonRiskModel
# --- end risk models ---
