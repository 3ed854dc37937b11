"""Episode duration curve (Kaplan-Meier) and capacity: convolution, Little's law, scenarios, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ValidationError
from earlyhelp.data.dataset import Dataset
from earlyhelp.forecast import capacity, episode_duration_curve
from earlyhelp.forecast.capacity import period_survival


def episodes_dataset(n: int = 400, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    weeks = rng.gamma(3.0, 5.0, n)
    step_up = rng.random(n) < 0.1
    weeks[step_up] *= 0.5                      # step-ups close early
    end = start + pd.to_timedelta(np.round(weeks * 7), unit="D")
    as_of = pd.Timestamp("2024-01-01")
    open_ = end > as_of
    frame = pd.DataFrame({
        "episode_id": [f"E{i}" for i in range(n)], "family_id": [f"F{i}" for i in range(n)],
        "start_date": start, "end_date": end.where(~open_), "level": 3, "episode_type": "early_help",
        "lead_practitioner_id": None, "lead_agency_id": None, "locality_id": None, "origin": "request",
        "end_reason": np.where(open_, None, np.where(step_up, "step_up", "outcomes_met")),
    })
    return Dataset.from_frames(episodes=frame, validate=False, meta={"as_of": as_of})


def test_duration_curve_matches_statsmodels_kaplan_meier():
    from statsmodels.duration.survfunc import SurvfuncRight

    ds = episodes_dataset()
    curve = episode_duration_curve(ds)
    ep = ds.episodes
    as_of = pd.Timestamp("2024-01-01")
    closed = ep["end_date"].notna().to_numpy()
    stop = ep["end_date"].fillna(as_of)
    weeks = ((stop - ep["start_date"]).dt.days / 7).to_numpy(float)
    ref = SurvfuncRight(weeks, closed.astype(int))
    # statsmodels reports the curve at event times; ours at every distinct time
    ours = curve.set_index("weeks")["survival"]
    np.testing.assert_allclose(ours.loc[ref.surv_times].to_numpy(), ref.surv_prob, rtol=1e-12)
    assert curve.n_open == int((~closed).sum())
    assert 0.05 < curve.step_up_share < 0.15
    assert curve.median_weeks == pytest.approx(ref.quantile(0.5), abs=1e-9)


def test_duration_curve_reports_excluded_episodes():
    ds = episodes_dataset(50)
    ep = ds.episodes.copy()
    ep.loc[0, "end_date"] = ep.loc[0, "start_date"] - pd.Timedelta(days=3)
    curve = episode_duration_curve(ds.replace(episodes=ep))
    assert curve.excluded.by_reason()["end_date before start_date"] == 1


def test_convolution_hand_computed():
    # survival 1 for 4 weeks, 0.5 until 8 weeks, then 0; periods of 4 weeks:
    # s_0 = 1, s_1 = 0.5 -> caseload_t = inflow_t + 0.5 inflow_{t-1}
    curve = pd.DataFrame({"weeks": [4.0, 8.0], "survival": [0.5, 0.0]})
    np.testing.assert_allclose(period_survival(curve["weeks"].to_numpy(), curve["survival"].to_numpy(), 4.0),
                               [1.0, 0.5, 0.0])
    dates = pd.date_range("2024-01-01", periods=3, freq="28D")
    fc = pd.DataFrame({"unique_id": "L1", "ds": dates, "M": [10.0, 20.0, 30.0],
                       "M-lo-80": [5.0, 10.0, 15.0], "M-hi-80": [15.0, 30.0, 45.0]})
    hist = pd.DataFrame({"unique_id": "L1", "ds": dates - pd.Timedelta(days=28 * 3), "y": [0.0, 0.0, 8.0]})
    out = capacity(fc, caseload_per_fte=5, duration_curve=curve, history=hist)
    np.testing.assert_allclose(out["caseload"], [10 + 4, 20 + 5, 30 + 10])
    np.testing.assert_allclose(out["fte"], np.array([14, 25, 40]) / 5)
    np.testing.assert_allclose(out["caseload-lo-80"], [5 + 4, 10 + 2.5, 15 + 5])
    np.testing.assert_allclose(out["fte-hi-80"], np.array([15 + 4, 30 + 7.5, 45 + 15]) / 5)


def test_littles_law_steady_state():
    ds = episodes_dataset(2000, seed=1)
    curve = episode_duration_curve(ds)
    dates = pd.date_range("2024-01-01", periods=36, freq="MS")
    fc = pd.DataFrame({"unique_id": "L1", "ds": dates, "M": 40.0})
    out = capacity(fc, caseload_per_fte=12, duration_curve=curve)     # steady-state warm start
    mean_months = curve.mean_weeks / (365.25 / 12 / 7)
    np.testing.assert_allclose(out["caseload"], 40.0 * mean_months, rtol=1e-10)
    # default: every episode lasts episode_weeks
    flat = capacity(fc, caseload_per_fte=12, episode_weeks=16)
    np.testing.assert_allclose(flat["caseload"], 40.0 * 16 / (365.25 / 12 / 7), rtol=1e-10)


def test_scenarios():
    ds = episodes_dataset(2000, seed=2)
    curve = episode_duration_curve(ds)
    dates = pd.date_range("2024-01-01", periods=24, freq="MS")
    fc = pd.DataFrame({"unique_id": "L1", "ds": dates, "M": 40.0})
    out = capacity(fc, duration_curve=curve, scenarios={
        "requests +10%": {"requests": 1.10},
        "step-up 10% -> 8%": {"step_up_rate": (0.10, 0.08)},
        "smaller caseloads": {"caseload_per_fte": 10},
    })
    last = out.groupby("scenario")[["caseload", "fte"]].last()
    assert last.loc["requests +10%", "caseload"] == pytest.approx(1.1 * last.loc["baseline", "caseload"])
    # fewer step-ups: families stay longer in Early Help
    assert last.loc["step-up 10% -> 8%", "caseload"] > last.loc["baseline", "caseload"]
    assert last.loc["smaller caseloads", "fte"] == pytest.approx(last.loc["baseline", "caseload"] / 10)


def test_negative_inputs_are_errors():
    dates = pd.date_range("2024-01-01", periods=3, freq="MS")
    fc = pd.DataFrame({"unique_id": "L1", "ds": dates, "M": [10.0, -1.0, 5.0]})
    with pytest.raises(ValidationError, match="not negative"):
        capacity(fc)
    fc["M"] = 10.0
    with pytest.raises(ValidationError, match="caseload_per_fte"):
        capacity(fc, caseload_per_fte=-3)
    with pytest.raises(ValidationError, match="episode_weeks"):
        capacity(fc, episode_weeks=0)
    with pytest.raises(ValidationError, match="requests"):
        capacity(fc, scenarios={"bad": {"requests": -0.1}})
    with pytest.raises(ValidationError, match="unknown settings"):
        capacity(fc, scenarios={"bad": {"staff": 2}})
    with pytest.raises(ValidationError, match="survival"):
        capacity(fc, duration_curve=pd.DataFrame({"weeks": [1.0, 2.0], "survival": [0.5, 0.7]}))


# -- intervals under scenarios, per-locality caseloads, real data ----------------------------------
def _flat_forecast(n: int = 24, level: float = 40.0, half_width: float = 8.0, ids=("L1",)) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=n, freq="MS")
    return pd.concat([pd.DataFrame({"unique_id": uid, "ds": dates, "M": level, "M-lo-80": level - half_width,
                                    "M-hi-80": level + half_width}) for uid in ids], ignore_index=True)


def test_intervals_follow_scenarios():
    curve = episode_duration_curve(episodes_dataset(2000, seed=3))
    out = capacity(_flat_forecast(), duration_curve=curve, caseload_per_fte=12,
                   scenarios={"requests +10%": {"requests": 1.10},
                              "step-up 10% -> 8%": {"step_up_rate": (0.10, 0.08)}})
    base = out[out["scenario"] == "baseline"].reset_index(drop=True)
    more = out[out["scenario"] == "requests +10%"].reset_index(drop=True)
    # the scenario multiplies the episodes opened from the forecast on, not those open at its origin
    # (here the steady state): 10% more once the last of those has closed, less until then
    closed = len(period_survival(curve["weeks"].to_numpy(), curve["survival"].to_numpy(), out.period_weeks)) - 1
    assert 0 < closed < len(base)
    for col in ("caseload", "caseload-lo-80", "caseload-hi-80", "fte", "fte-lo-80", "fte-hi-80"):
        np.testing.assert_allclose(more[col][closed:], 1.10 * base[col][closed:], rtol=1e-12)
        ratio = (more[col] / base[col]).to_numpy()[:closed]
        assert (ratio > 1.0).all() and (ratio <= 1.10 + 1e-12).all() and (np.diff(ratio) >= -1e-12).all(), col
        assert ratio[0] < 1.05, col
    for frame in (base, out[out["scenario"] == "step-up 10% -> 8%"]):
        assert (frame["fte-lo-80"] < frame["fte"]).all() and (frame["fte"] < frame["fte-hi-80"]).all()
    np.testing.assert_allclose(base["fte"], base["caseload"] / 12)
    # the step-up scenario changes how long episodes last, not how many open
    shifted = out[out["scenario"] == "step-up 10% -> 8%"].reset_index(drop=True)
    np.testing.assert_allclose(shifted["episodes_opened"], base["episodes_opened"])
    assert out.mean_episode_weeks["step-up 10% -> 8%"] > out.mean_episode_weeks["baseline"]


def test_step_up_rate_defaults_to_observed_share():
    curve = episode_duration_curve(episodes_dataset(2000, seed=4))
    share = curve.step_up_share
    a = capacity(_flat_forecast(), duration_curve=curve, scenarios={"s": {"step_up_rate": 0.08}})
    b = capacity(_flat_forecast(), duration_curve=curve, scenarios={"s": {"step_up_rate": (share, 0.08)}})
    pd.testing.assert_frame_equal(a, b)
    same = capacity(_flat_forecast(), duration_curve=curve, scenarios={"s": {"step_up_rate": share}})
    np.testing.assert_allclose(same.loc[same["scenario"] == "s", "caseload"].to_numpy(),
                               same.loc[same["scenario"] == "baseline", "caseload"].to_numpy())


def test_caseload_per_fte_per_locality():
    fc = _flat_forecast(ids=("L1", "L2"))
    out = capacity(fc, caseload_per_fte={"L1": 10, "L2": 20}, episode_weeks=16)
    last = out.groupby("unique_id")[["caseload", "fte"]].last()
    assert last.loc["L1", "fte"] == pytest.approx(last.loc["L1", "caseload"] / 10)
    assert last.loc["L2", "fte"] == pytest.approx(last.loc["L2", "caseload"] / 20)
    with pytest.raises(ValidationError, match="no caseload per FTE"):
        capacity(fc, caseload_per_fte={"L1": 10})


@pytest.mark.parametrize("value", [True, np.bool_(True), "12", np.nan, np.inf, pytest.param(10 ** 400, id="10**400")])
def test_a_positive_number_is_not_a_bool_a_string_or_infinite(value):
    fc = _flat_forecast()
    with pytest.raises(ValidationError, match="caseload_per_fte"):
        capacity(fc, caseload_per_fte=value, episode_weeks=16)
    with pytest.raises(ValidationError, match="caseload_per_fte"):
        capacity(fc, caseload_per_fte={"L1": value}, episode_weeks=16)
    with pytest.raises(ValidationError, match="episode_weeks"):
        capacity(fc, episode_weeks=value)
    with pytest.raises(ValidationError, match="requests"):
        capacity(fc, episode_weeks=16, scenarios={"bad": {"requests": value}})


@pytest.mark.parametrize("rate", [True, np.bool_(False), "0.5", np.nan])
def test_a_step_up_rate_is_a_number(rate):
    with pytest.raises(ValidationError, match="step-up rates"):
        capacity(_flat_forecast(), scenarios={"bad": {"step_up_rate": rate}})


def test_scenario_bad_input():
    fc = _flat_forecast()
    with pytest.raises(ValidationError, match="step-up rates"):
        capacity(fc, scenarios={"bad": {"step_up_rate": (0.1, 1.5)}})
    with pytest.raises(ValidationError, match="survival_step_up"):
        capacity(fc, scenarios={"s": {"step_up_rate": 0.08}})          # no curve split by outcome
    with pytest.raises(ValidationError, match="interval column"):
        capacity(fc, level=[95])
    two = fc.assign(N=fc["M"])
    with pytest.raises(ValidationError, match="pass model="):
        capacity(two)


def test_convolution_reproduces_observed_open_caseload_on_a_synthetic_council():
    """Feed the observed episodes opened through the KM curve: the caseload it implies matches
    the open caseload demand_series counts directly (per locality, over the last year)."""
    from earlyhelp.forecast import demand_series
    from earlyhelp.synthetic import council

    ds = council("coventry", years=4, scale=0.1, seed=5)
    s = demand_series(ds, measures=["episodes_opened", "open_caseload"], by="council")
    opened = s[s["measure"] == "episodes_opened"].assign(unique_id="C")
    observed = s[s["measure"] == "open_caseload"].set_index("ds")["y"]
    cut = opened["ds"].max() - pd.DateOffset(months=11)
    future = opened[opened["ds"] >= cut].rename(columns={"y": "M"})[["unique_id", "ds", "M"]]
    out = capacity(future, duration_curve=episode_duration_curve(ds), history=opened[opened["ds"] < cut])
    implied = out.set_index("ds")["caseload"]
    ratio = implied / observed.loc[implied.index]
    assert abs(ratio.mean() - 1.0) < 0.1, ratio.describe()
    assert (ratio - 1.0).abs().mean() < 0.15                  # month by month too (August dip included)


@pytest.mark.parametrize("freq, months", [("MS", 1), ("ME", 1), ("QS", 3), ("YS", 12)])
def test_quarterly_and_yearly_forecasts_are_read_as_such(freq, months):
    # quarter starts are month starts too: a quarterly forecast was costed as monthly (caseload 3x)
    fc = pd.DataFrame({"unique_id": "L1", "ds": pd.date_range("2024-01-01", periods=4, freq=freq), "M": 10.0})
    plan = capacity(fc, episode_weeks=16)
    weeks = months * 365.25 / 12 / 7
    assert plan.period_weeks == pytest.approx(weeks)
    assert plan.caseload.iloc[-1] == pytest.approx(10 * 16 / weeks)   # Little's law in steady state
