"""A bad argument to a model's constructor raises earlyhelp.ValidationError naming the model and the
argument (as Forecaster's own arguments do), not a bare ValueError without a table or column.
ValidationError is a ValueError, so ``except ValueError`` still catches it."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError
from earlyhelp.forecast import AutoETS, CountRegression, CrostonOptimized, Naive, SeasonalNaive, TSB, Theta

CASES = [
    (lambda: AutoETS(model="XYZ"), "AutoETS", "model"),
    (lambda: AutoETS(season_length=0), "AutoETS", "season_length"),
    (lambda: AutoETS(damped="no"), "AutoETS", "damped"),
    (lambda: AutoETS(seed=-1), "AutoETS", "seed"),
    (lambda: AutoETS(n_sim=10), "AutoETS", "n_sim"),
    (lambda: TSB(alpha_d=2), "TSB", "alpha_d"),
    (lambda: TSB(alpha_p=float("nan")), "TSB", "alpha_p"),
    (lambda: CountRegression(n_sim=10), "CountRegression", "n_sim"),
    (lambda: CountRegression(exog=["a", "a"]), "CountRegression", "exog"),
    (lambda: CountRegression(season_length=2.5), "CountRegression", "season_length"),
    (lambda: Theta(optimized="no"), "Theta", "optimized"),
    (lambda: Theta(seed=1.5), "Theta", "seed"),
    (lambda: SeasonalNaive(alias=3), "SeasonalNaive", "alias"),
    (lambda: Naive(alias=""), "Naive", "alias"),
    (lambda: CrostonOptimized(alias=" "), "CrostonOptimized", "alias"),
]


@pytest.mark.parametrize("make, model, argument", CASES, ids=[f"{m}.{a}" for _, m, a in CASES])
def test_names_the_model_and_the_argument(make, model, argument):
    with pytest.raises(ValidationError) as err:
        make()
    assert [(p.table, p.column) for p in err.value.problems] == [(model, argument)]
    assert str(err.value).splitlines()[1].startswith(f"  - {model}.{argument}: ")
    assert isinstance(err.value, ValueError)
