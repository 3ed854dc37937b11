"""Maturity windows: measures that count records made after the period (an assessment started
weeks after the episode opened, needs identified during the episode, a screening decision) read
low in the latest periods. A period ending fewer than ``Measure.maturity_days`` before the data's
last day is provisional: ``complete`` False and no change test, so the pack leaves it out of its
charts and flags no "more than noise" change from records still to come."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError, measures
from earlyhelp.measures import _catalogue as cat

MATURING = {"episodes_with_assessment": 21, "families_three_plus_needs": 21, "request_conversion": 7}


def compute(ds, *args, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measures.compute(ds, *args, **kwargs)


def flags(r: pd.DataFrame, measure: str, column: str = "complete") -> pd.Series:
    out = r[r["measure"] == measure]
    return out.set_index(out["period"].astype(str))[column]


@pytest.fixture(scope="module")
def council():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=3)   # 2023-04 .. 2025-03


def test_catalogue_windows():
    for mid, days in MATURING.items():
        m = measures.get(mid)
        assert m.maturity_days == days
        assert "provisional until" in m.period_rule
    # every other built-in measure is final once its period ends; the look-backs are as before
    assert {m for m in measures.ids() if measures.get(m).maturity_days} == set(MATURING)
    assert {m: measures.get(m).lookback_days for m in measures.ids() if measures.get(m).lookback_days} == {
        "families_two_plus_requests_12m": 365, "rereferrals_12m": 365, "cp_plans_repeat_2y": 730}


def test_latest_month_not_complete_when_data_end_within_window(council):
    r = compute(council, ["episodes_with_assessment"])   # from April 2023: a year before to compare with
    complete = flags(r, "episodes_with_assessment")
    # the data end 31 March 2025: March's episodes have had 0 days to gain an assessment (of up to 21)
    assert not complete["2025-03"]
    assert complete[["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]].all()
    # and March's low reading is not tested against a year before as if final
    assert pd.isna(flags(r, "episodes_with_assessment", "change_p")["2025-03"])
    assert pd.isna(flags(r, "episodes_with_assessment", "change_significant")["2025-03"])
    assert not pd.isna(flags(r, "episodes_with_assessment", "change_p")["2025-02"])


def test_window_reaches_back_into_the_month_before(council):
    # an extract taken on 10 March 2024: February ended 10 days before it (< 21), January 40 days
    snap = council.snapshot("2024-03-10")
    r = compute(snap, ["episodes_with_assessment", "families_three_plus_needs", "request_conversion"],
                start="2023-11-01")
    for mid in ("episodes_with_assessment", "families_three_plus_needs"):
        complete = flags(r, mid)
        assert complete[["2023-11", "2023-12", "2024-01"]].all(), mid
        assert not complete["2024-02"] and not complete["2024-03"], mid
    conversion = flags(r, "request_conversion")   # 7 days: February ended 10 days before the data's end
    assert conversion[["2023-11", "2023-12", "2024-01", "2024-02"]].all()
    assert not conversion["2024-03"]


def test_quarter_and_end_before_the_data(council):
    r = compute(council, ["episodes_with_assessment"], period="quarter", start="2024-04-01")
    assert flags(r, "episodes_with_assessment").to_dict() == {"2024Q2": True, "2024Q3": True, "2024Q4": True,
                                                              "2025Q1": False}
    # end= short of the data: the later records exist, so the months are final
    r = compute(council, ["episodes_with_assessment"], start="2024-10-01", end="2025-01-31")
    assert flags(r, "episodes_with_assessment").all()


def test_complete_periods_are_final(council):
    """A period marked complete as the data stood at a cut reads as it does once later data exist."""
    ids = list(MATURING)
    for cut in ("2024-01-31", "2024-06-15"):
        early = compute(council.snapshot(cut), ids, start="2023-09-01")
        late = compute(council, ids, start="2023-09-01", end=cut)
        key = ["measure", "period"]
        both = early.merge(late, on=key, suffixes=("", "_later"))
        done = both[both["complete"]]
        assert len(done) >= 3 * 4
        np.testing.assert_array_equal(done["numerator"], done["numerator_later"])
        np.testing.assert_array_equal(done["denominator"], done["denominator_later"])
        # and the provisional months did read low or differently: the window is not idle
        young = both[~both["complete"] & (both["measure"] == "episodes_with_assessment")]
        assert (young["numerator"] < young["numerator_later"]).any()


def test_lookback_unchanged(council):
    # rereferrals_12m looks back 365 days from the data's start (1 April 2023); it has no maturity window
    r = compute(council, ["rereferrals_12m"])
    complete = flags(r, "rereferrals_12m")
    assert not complete["2024-03"] and complete["2024-04"] and complete["2025-03"]
    assert not complete[:"2024-03"].any() and complete["2024-04":].all()


def test_custom_measure_window_and_validation(council):
    spec = dict(id="assessed_slow", title="Episodes assessed (slow)", source="episodes", date="start_date",
                kind="proportion", numerator="has_assessment", denominator="all", maturity_days=45)
    m = measures.measure_from_spec(spec)
    r = compute(council, [m], start="2024-12-01")
    assert flags(r, "assessed_slow").to_dict() == {"2024-12": True, "2025-01": True, "2025-02": False,
                                                   "2025-03": False}
    for bad in (-1, 2.5, True, "21"):
        with pytest.raises(ValidationError, match="maturity_days"):
            measures.measure_from_spec({**spec, "maturity_days": bad})
    assert cat.ASSESSMENT_MATURITY_DAYS == 21
