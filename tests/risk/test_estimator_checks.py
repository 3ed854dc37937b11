"""Both risk models pass scikit-learn's estimator checks."""
from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from earlyhelp.risk import LogisticRiskModel, PoissonRiskModel


@parametrize_with_checks([LogisticRiskModel(), LogisticRiskModel(l1_ratio=0.5), PoissonRiskModel()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
