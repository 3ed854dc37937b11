"""earlyhelp.risk: need profiles, risk features, evaluation, fairness and model cards."""

# riskeval: need profile, features, evaluation, fairness, model card, aggregation
from .needs import DEFAULT_THRESHOLDS, NeedThresholds, need_profile
from .features import TARGETS, FeatureSet, build_features
from .evaluate import backtest, evaluate, oracle_metrics, oracle_probabilities, predict_risk, score_metrics
from .fairness import fairness_audit
from .evaluate import observable_oracle
from .aggregate import expected_step_ups
from .model_card import model_card
