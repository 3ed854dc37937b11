"""Bad custom measures and bad SPC input are refused with a ValidationError saying what and where;
a measure's conditions are data (a small grammar), never code that runs."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import measures
from earlyhelp._errors import ValidationError
from earlyhelp.measures import spc
from earlyhelp.measures.sources import BUILDERS, DATE_COLUMNS, SOURCE_COLUMNS, Builder
from measures_council import tiny_council


@pytest.fixture(scope="module")
def ds():
    return tiny_council()


def spec(**kw) -> dict:
    out = dict(id="custom_check", title="t", source="episodes", date="start_date")
    out.update(kw)
    return out


@pytest.mark.parametrize("expr, part", [
    ("closed.to_csv('{path}') == 0", "closed.to_csv"),
    ("@src.frame.shape[0] > 0", "'@'"),
    ("__import__('os').system('true') == 0", "function or method call"),
    ("closed.__class__ is None", "attribute"),
    ("(lambda: closed)()", "function or method call"),
    ("duration_days[0] > 1", "indexing"),
    ("[c for c in closed] == 1", "comprehension"),
    ("closed = level_3", "not a valid expression"),
    ("(x := closed)", "assignment"),
    ("level ** 2 > 4", "operator Pow"),
    ("'a' * 1000 == closed", "text in arithmetic"),
    ("level in level_2", "'in' with something other than a list"),
])
def test_expressions_outside_the_grammar_are_refused_and_never_run(tmp_path, ds, expr, part):
    path = tmp_path / "written.csv"
    expr = expr.format(path=path)
    with pytest.raises(ValidationError, match=part) as err:
        measures.compute(ds, [spec(numerator=expr)])
    assert "measure custom_check.numerator" in str(err.value) and expr[:10] in str(err.value)
    with pytest.raises(ValidationError, match="custom_check"):
        measures.register(spec(numerator=expr))
    toml = tmp_path / "m.toml"
    toml.write_text('[[measures]]\nid = "custom_check"\ntitle = "t"\nsource = "episodes"\ndate = "start_date"\n'
                    f"numerator = '''{expr}'''\n")
    with pytest.raises(ValidationError, match="measures\\[0\\]"):
        measures.load_measures_toml(toml)
    assert not path.exists()
    assert "custom_check" not in measures.ids()


def test_allowed_grammar_gives_the_same_counts_as_pandas(ds):
    builder = Builder(ds)
    frame = builder.source("episodes").frame
    cases = {
        "closed and duration_days <= 84": frame["closed"] & (frame["duration_days"] <= 84),
        "not closed or level == 3": ~frame["closed"] | (frame["level"] == 3),
        "~closed | (level >= 3)": ~frame["closed"] | (frame["level"] >= 3),
        "level in [2, 4]": frame["level"].isin([2, 4]),
        # a missing level is missing, not "not 2": the condition has no value there, which counts as false
        "level not in (2,)": frame["level"].notna() & ~frame["level"].isin([2]),
        "end_reason == 'outcomes_met'": frame["end_reason"] == "outcomes_met",
        "0 < duration_days / 7 < 12": (frame["duration_days"] / 7 > 0) & (frame["duration_days"] / 7 < 12),
        "-duration_days + 1 < 0": (-frame["duration_days"] + 1) < 0,
    }
    r = measures.compute(ds, [spec(id=f"g{i}", numerator=e) for i, e in enumerate(cases)])
    for i, expected in enumerate(cases.values()):
        assert r.loc[r["measure"] == f"g{i}", "numerator"].sum() == int(expected.fillna(False).sum())


@pytest.mark.parametrize("expr", ["duration_days + 0", "'abc'", "1 > 0", "True", "   ", ""])
def test_a_condition_must_be_true_false_row_by_row(ds, expr):
    with pytest.raises(ValidationError, match="custom_check.numerator"):
        measures.compute(ds, [spec(numerator=expr)])


def test_a_column_that_is_not_true_false_blocks_only_its_measure(ds):
    with pytest.warns(measures.MeasuresBlockedWarning, match="not true/false"):
        r = measures.compute(ds, [spec(numerator="duration_days"), "episodes_opened"])
    assert "not true/false" in r.attrs["blocked"]["custom_check"]
    assert set(r["measure"]) == {"episodes_opened"}


def test_a_weight_with_missing_values_blocks_only_its_measure(ds):
    """Open episodes have no duration: summing it would give the month (for a stock, every
    later month) no value without a word; the measure is blocked, saying how many rows."""
    with pytest.warns(measures.MeasuresBlockedWarning, match="missing or not finite"):
        r = measures.compute(ds, [spec(numerator="all", weight="duration_days"), "episodes_opened"])
    assert "'duration_days' of source episodes is missing or not finite on" in r.attrs["blocked"]["custom_check"]
    assert set(r["measure"]) == {"episodes_opened"}


@pytest.mark.parametrize("field, value, said", [
    ("date", "start_dte", "'start_dte' is not a column of source episodes; its dates"),
    ("date", "duration_days", "'duration_days' is not a date of source episodes"),
    ("weight", "fte_typo", "'fte_typo' is not a column of source episodes"),
    ("numerator", "nope > 1", "'nope > 1' names 'nope'"),
])
def test_a_misspelt_column_is_refused_at_register_not_at_compute(ds, field, value, said):
    with pytest.raises(ValidationError, match=f"measure custom_check.{field}") as err:
        measures.register(spec(**{field: value}))
    assert said in str(err.value)
    assert "custom_check" not in measures.ids()
    assert len(measures.compute(ds, ["requests"]))   # the catalogue still computes
    with pytest.raises(ValidationError, match=said.split(" ")[0]):
        measures.compute(ds, [spec(**{field: value})])


def test_misspelt_end_denominator_weight_and_source(ds):
    with pytest.raises(ValidationError, match="custom_check.end: 'nope'"):
        measures.compute(ds, [spec(kind="stock", end="nope")])
    with pytest.raises(ValidationError, match="denominator_weight: 'nope' is not a column of source practitioners"):
        measures.compute(ds, [spec(kind="ratio", end="end_date", denominator_source="practitioners",
                                   denominator_weight="nope")])
    with pytest.raises(ValidationError, match="custom_check.source: unknown source 'nope'"):
        measures.compute(ds, [spec(source="nope")])


@pytest.mark.parametrize("field, value", [("lookback_days", "abc"), ("lookback_days", -1), ("targets", 5),
                                          ("targets", {"target": "high"})])
def test_spec_fields_of_the_wrong_kind(field, value):
    with pytest.raises(ValidationError, match=f"custom_check.{field}"):
        measures.measure_from_spec(spec(**{field: value}))


def test_compute_arguments(ds):
    with pytest.raises(ValidationError, match="'requests' more than once"):
        measures.compute(ds, ["requests", "requests"])
    with pytest.raises(ValidationError, match="compute.start: is missing"):
        measures.compute(ds, ["requests"], start=pd.NaT)
    with pytest.raises(ValidationError, match="compute.end: is not a date"):
        measures.compute(ds, ["requests"], end="garbage")
    for alpha in (0, 1, 5, float("nan"), "0.05"):
        with pytest.raises(ValidationError, match="compute.alpha"):
            measures.compute(ds, ["requests"], alpha=alpha)


def test_errors_do_not_list_the_engines_own_columns(ds):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        measures.compute(ds, [spec(id="share", kind="proportion", numerator="closed", denominator="all")])
    with pytest.raises(ValidationError) as err:
        measures.compute(ds, [spec(kind="proportion", numerator="nope", denominator="all")])
    assert "__" not in str(err.value)


def test_source_columns_are_those_the_sources_build(ds):
    """The static lists that check a spec are the columns each source really has."""
    import earlyhelp

    council = earlyhelp.synthetic.council("coventry", years=1, scale=0.1, seed=0)
    builder = Builder(council)
    for name in BUILDERS:
        frame = builder.source(name).frame
        assert tuple(frame.columns) == SOURCE_COLUMNS[name], name
        assert all(frame[c].dtype == np.int64 for c in DATE_COLUMNS[name]), name


# -- SPC -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.7, 0.1, 1 / 3, 2.675, 12.1])
def test_a_series_that_never_varies_has_no_special_cause(value):
    chart = measures.xmr(pd.Series([value] * 24))
    assert not chart[list(spc.RULES)].any().any()
    assert spc.variation(chart, "higher_is_better") == "common_cause"


def test_a_real_step_after_a_flat_baseline_is_still_flagged():
    chart = measures.xmr(pd.Series([0.7] * 12 + [0.8] * 12), baseline=12)
    assert chart["beyond_limits"].iloc[12:].all() and not chart["beyond_limits"].iloc[:12].any()


def test_xmr_puts_a_date_index_in_time_order():
    idx = pd.date_range("2022-01-01", periods=24, freq="MS")
    v = np.r_[np.full(12, 10.0), np.full(12, 20.0)] + np.random.default_rng(0).normal(0, 1, 24)
    s = pd.Series(v, index=idx)
    shuffled = measures.xmr(s.sample(frac=1, random_state=1))
    pd.testing.assert_frame_equal(shuffled, measures.xmr(s), check_freq=False)
    with pytest.raises(ValidationError, match="more than once"):
        measures.xmr(pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-01"])))


def test_variation_summary_does_not_depend_on_row_order(ds):
    r = measures.compute(ds, ["requests", "episodes_open"], period="month",
                         start="2024-01-01", end="2024-12-31")
    cols = ["measure", "latest_period", "latest", "centre", "variation"]
    a = measures.variation_summary(r)[cols].sort_values("measure").reset_index(drop=True)
    b = measures.variation_summary(r.sort_values("value"))[cols].sort_values("measure").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # the icons read the latest complete period (the data end on 13 August: August is a part month)
    last = r[r["value"].notna() & r["complete"]].sort_values("period_start")["period"].iloc[-1]
    assert (a["latest_period"].astype(str) == str(last)).all()
    by_locality = measures.compute(ds, ["requests"], by="locality", start="2024-01-01", end="2024-06-30")
    with pytest.raises(ValidationError, match="by="):
        measures.variation_summary(by_locality)


@pytest.mark.parametrize("kw, field", [(dict(overall=1.5), "overall"), (dict(overall=float("nan")), "overall"),
                                       (dict(overall=-0.1), "overall"), (dict(levels=(95,)), "levels"),
                                       (dict(levels=(0.0,)), "levels"), (dict(points=0), "points")])
def test_funnel_parameters(kw, field):
    with pytest.raises(ValidationError, match=f"funnel.{field}"):
        measures.funnel([5, 40], [100, 200], **kw)


def test_funnel_needs_one_label_and_denominator_per_unit():
    with pytest.raises(ValidationError, match="funnel.labels: 2 numerators, 2 denominators and 3 labels"):
        measures.funnel([5, 40], [100, 200], labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="same length"):
        measures.funnel([5, 40], [100, 200, 300])


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_funnel_refuses_counts_too_large_to_compute_rather_than_hang_or_give_nan(kind):
    # a 1e300 denominator ran for minutes; a rate's 1e11 expected events gave NaN lower limits
    with pytest.raises(ValidationError, match="funnel.denominator: is above 1e\\+15"):
        measures.funnel([1, 5e299], [10, 1e300], kind=kind)
    if kind == "rate":
        with pytest.raises(ValidationError, match="funnel.overall: a rate of 0.4 expects"):
            measures.funnel([1, 4e10], [10, 1e11], kind=kind)
    limits = measures.funnel([1, 4e9], [10, 1e10], kind=kind)
    assert limits["units"].notna().all().all() and limits["curve"].notna().all().all()


@pytest.mark.parametrize("values, kw, field", [
    (["12", "n/a", "15", "x"], {}, "value: is not a number"),
    ([1.0, 2.0, np.inf, 3.0], {}, "value: is infinite"),
    ([1.0, 2, 3, 100], dict(baseline=-1), "baseline"),
    ([1.0, 2, 3, 100], dict(baseline=0), "baseline"),
    ([1.0, 2, 3, 100], dict(baseline=5), "baseline"),
    ([1.0, 2, 3, 100], dict(shift_run=2.5), "shift_run"),
    ([1.0, 2, 3, 100], dict(shift_run=float("nan")), "shift_run"),
    ([1.0, 2, 3, 100], dict(shift_run="7"), "shift_run"),
    ([1.0, 2, 3, 100], dict(trend_run=1), "trend_run"),
])
def test_xmr_bad_input(values, kw, field):
    with pytest.raises(ValidationError, match=f"xmr.{field}"):
        measures.xmr(pd.Series(values), **kw)


def test_xmr_numeric_text_and_missing_values_are_fine():
    chart = measures.xmr(pd.Series(["12", None, "15", 14.0]))
    assert chart["value"].isna().sum() == 1 and chart["centre"].iloc[0] == pytest.approx(41 / 3)


def test_practitioners_without_fte_are_said_to_count_as_zero():
    import earlyhelp

    council = earlyhelp.synthetic.council("coventry", years=1, scale=0.05, seed=1)
    prac = council.practitioners.copy()
    prac.loc[prac.index[:3], "fte"] = float("nan")
    r = measures.compute(council.replace(practitioners=prac), ["caseload_per_practitioner"])
    assert r.attrs["assumed"]["practitioners.fte"].startswith("3 practitioners with no FTE recorded count as 0 FTE")
    assert measures.compute(council, ["caseload_per_practitioner"]).attrs["assumed"] == {}


def test_requests_without_a_number_of_children_are_said_to_count_as_one(ds):
    rq = ds.requests.copy()
    rq.loc[rq.index[:2], "children"] = pd.NA
    r = measures.compute(ds.replace(requests=rq), ["children_referred"])
    assert r.attrs["assumed"]["requests.children"].startswith("2 requests with no number of children recorded")
    assert measures.compute(ds, ["children_referred"]).attrs["assumed"] == {}


def _bad_rows(ds, kind):
    e, rq = ds.episodes.copy(), ds.requests.copy()
    if kind == "no start":
        e.loc[e.index[:2], "start_date"] = pd.NaT
        return ds.replace(episodes=e), ("episodes", "start_date")
    if kind == "repeated":
        return ds.replace(episodes=pd.concat([e, e.iloc[:1]], ignore_index=True)), ("episodes", "episode_id")
    if kind == "dates as text":  # day first, which pandas would read month first where it could
        return ds.replace(episodes=e.assign(start_date=e["start_date"].dt.strftime("%d/%m/%Y"))), \
            ("episodes", "start_date")
    if kind == "end before start":
        e.loc[e.index[0], "end_date"] = e.loc[e.index[0], "start_date"] - pd.Timedelta(days=3)
        return ds.replace(episodes=e), ("episodes", "end_date")
    rq.loc[rq.index[0], "children"] = -3
    return ds.replace(requests=rq), ("requests", "children")


@pytest.mark.parametrize("kind", ["no start", "repeated", "dates as text", "end before start", "negative children"])
def test_rows_a_measure_would_miscount_are_refused_by_name(ds, kind):
    """A Dataset built with replace() is not validated: compute checks the tables it counts from,
    rather than dropping an episode without a start, counting a repeated one twice, calling one
    that ended before it began closed late, or adding -3 children."""
    bad, (table, column) = _bad_rows(ds, kind)
    with pytest.raises(ValidationError) as err:
        measures.compute(bad, ["episodes_opened", "closed_within_16_weeks", "children_referred"])
    problem = err.value.problems[0]
    assert (problem.table, problem.column.split("+")[0]) == (table, column), str(err.value)
    assert problem.rows or "wrong type" in problem.message, str(err.value)  # a column's type has no rows


def test_tables_are_checked_once_and_again_after_a_replace(ds, monkeypatch):
    from earlyhelp.data import validate

    calls = []
    real = validate.find_problems
    monkeypatch.setattr(validate, "find_problems", lambda *a, **k: calls.append(k.get("tables")) or real(*a, **k))
    fresh = ds.replace(requests=ds.requests.copy())
    measures.compute(fresh, ["requests"])
    measures.compute(fresh, ["requests"])
    assert len(calls) == 1 and "requests" in calls[0]
    measures.compute(fresh.replace(families=ds.families.copy()), ["requests"])  # requests refer to families
    assert len(calls) == 2
    with pytest.raises(ValidationError, match="compute.ds: must be an earlyhelp Dataset"):
        measures.compute(None, ["requests"])


@pytest.mark.parametrize("name", ["South", "not recorded"])
def test_localities_of_one_name_are_kept_apart_by_their_ids(ds, name):
    """Two localities named alike (or one named like the label of no locality) are two rows, not
    one row adding both."""
    loc = ds.localities.copy()
    loc.loc[loc["locality_id"] == "L1", "name"] = name
    by_locality = measures.compute(ds.replace(localities=loc), ["requests"], by="locality")
    alone = measures.compute(ds, ["requests"], by="locality")
    got = by_locality.groupby("locality", observed=True)["numerator"].sum()
    want = alone.groupby("locality", observed=True)["numerator"].sum()
    assert sorted(got.to_numpy()) == sorted(want.to_numpy()) and len(got) == len(want)
    assert any(label.endswith(f"{name} (L1)") for label in got.index), list(got.index)


def test_a_stray_date_that_stretches_the_window_is_warned_of():
    import earlyhelp

    council = earlyhelp.synthetic.council("coventry", years=1, scale=0.05, seed=1)
    requests = council.requests.copy()
    requests.loc[requests.index[0], "received_date"] = pd.Timestamp("1901-04-01")
    typo = earlyhelp.Dataset({**council.tables, "requests": requests})
    with pytest.warns(measures.StrayDatesWarning, match="requests.received_date: 1 row"):
        measures.compute(typo, ["requests"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", measures.StrayDatesWarning)
        measures.compute(earlyhelp.Dataset(dict(council.tables)), ["requests", "episodes_opened"])
