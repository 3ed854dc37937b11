"""earlyhelp.risk: need profiles, risk features, models, calibration, evaluation, fairness and model cards."""

# --- risk models and calibration (branch risk) ---
from .calibration import IsotonicCalibrator, PlattCalibrator, reliability_diagram, reliability_table
from .models import LogisticRiskModel, PoissonRiskModel
# --- end risk models ---

# --- need profile, features, evaluation, fairness, model card, aggregation (branch riskeval) ---
from .needs import DEFAULT_THRESHOLDS, NeedThresholds, need_profile
from .features import TARGETS, FeatureSet, build_features
from .evaluate import (auc_difference, backtest, evaluate, observable_oracle, oracle_metrics, oracle_probabilities,
                       predict_risk, score_metrics)
from .fairness import fairness_audit
from .aggregate import expected_step_ups
from .model_card import model_card
# --- end riskeval ---
