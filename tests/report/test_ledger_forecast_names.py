"""A forecast's demand measures count a pack's measures' cells, some under other names: a
forecast's ``assessments`` are a pack's ``assessments_started``, its ``open_caseload`` a pack's
``episodes_open``. Matched by name alone, a pack and a forecast of these in one folder knew
nothing of each other, and read together gave 144 of the pack's hidden locality counts back (36
of them 1 to 5). Each demand measure names the pack measure whose cells it counts
(``PACK_MEASURE_OF_DEMAND``), and each run reads the other's cells under both names: what one
showed is known, what it hid stays hidden, never the other's value (some pairs count a few cells
by other rules)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlyhelp import measures as M
from earlyhelp import synthetic
from earlyhelp.cli.config import load_config
from earlyhelp.cli.forecastrun import run_forecast
from earlyhelp.forecast import demand_series
from earlyhelp.forecast.demand import CHILD_MEASURES, MEASURES
from earlyhelp.report.ledger import PACK_MEASURE_OF_DEMAND, published_cells, same_cells
from earlyhelp.report.pack import PackOptions, write_pack

from _ledger_attack import ALL, forecast_tables, pack_tables

SOURCE = dict(preset="coventry", years=3, scale=0.2, seed=3)
END = "2025-03-31"
PACK = ["assessments_started", "episodes_open", "episodes_opened", "episodes_closed"]
FORECAST = ["assessments", "open_caseload"]
#: what the attacker knows: these forecast series are those pack measures
SAME = {"assessments": "assessments_started", "open_caseload": "episodes_open"}
#: pairs that count every locality's cell by the same rule (the others count families where the
#: pack counts rows, or other step-ups)
SAME_RULE = {"children_referred", "assessments", "child_requests", "child_episodes_opened", "child_open_caseload"}


@pytest.fixture(scope="module")
def council():
    return synthetic.council(**SOURCE)


def _series_and_pack_cells(ds, demand=MEASURES + CHILD_MEASURES, pack=None):
    """Each demand measure's locality-months, and the catalogue's count measures' (``pack``, else
    every count and stock measure) over the same months, both indexed by period and locality name."""
    catalogue = M.catalogue()
    pack = pack or list(catalogue.loc[catalogue["kind"].isin(["count", "stock"]), "id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = pd.DataFrame(demand_series(ds, measures=list(demand)))
        first, last = series["ds"].min(), series["ds"].max() + pd.offsets.MonthEnd(0)
        cells = M.compute(ds, pack, period="month", by="locality", start=first, end=last)
    names = ds.localities.set_index("locality_id")["name"]
    series = series.assign(locality=series["locality_id"].map(names).astype(str),
                           period=series["ds"].dt.strftime("%Y-%m"))
    cells = cells.assign(locality=cells["locality"].astype(str), period=cells["period"].astype(str))
    return ({m: g.set_index(["period", "locality"])["y"] for m, g in series.groupby("measure")},
            {m: g.set_index(["period", "locality"])["numerator"] for m, g in cells.groupby("measure", observed=True)})


def test_every_demand_measure_has_a_pack_measure_or_none():
    """A new demand measure fails here until it says which pack measure's cells it counts (None:
    none), and each names a count or stock measure of the catalogue."""
    assert set(PACK_MEASURE_OF_DEMAND) == set(MEASURES) | set(CHILD_MEASURES)
    catalogue = M.catalogue().set_index("id")["kind"]
    for demand, pack in PACK_MEASURE_OF_DEMAND.items():
        assert pack is None or catalogue.get(pack) in ("count", "stock"), (demand, pack)
    assert SAME_RULE <= {d for d, p in PACK_MEASURE_OF_DEMAND.items() if p is not None}
    assert same_cells("assessments") == ("assessments", "assessments_started")
    assert set(same_cells("episodes_open")) == {"episodes_open", "open_caseload", "child_open_caseload"}
    assert same_cells("outcomes_met") == ("outcomes_met",)


def test_each_demand_measure_counts_the_cells_of_its_pack_measure_and_of_no_other(council):
    """On a synthetic council each demand measure agrees with its pack measure in nearly every
    locality-month (in every one where they count by the same rule), and no other count or stock
    measure of the catalogue comes near: a demand measure named with no pack measure, or with the
    wrong one, fails here."""
    series, cells = _series_and_pack_cells(council)
    for demand in MEASURES + CHILD_MEASURES:
        agree = {pack: float((series[demand] == cells[pack].reindex(series[demand].index)).mean())
                 for pack in cells}
        best, runner_up = sorted(agree, key=agree.get, reverse=True)[:2]
        twin = PACK_MEASURE_OF_DEMAND[demand]
        if twin is None:
            assert agree[best] < 0.95, (demand, best, agree[best])
            continue
        assert best == twin and agree[twin] >= 0.95 and agree[runner_up] < 0.6, (demand, best, agree[best])
        assert agree[twin] == 1.0 or demand not in SAME_RULE, (demand, agree[twin])


def test_the_family_measures_count_a_family_once_where_the_pack_counts_its_rows(council):
    """Two rows of one family (siblings' same-day requests, or their episodes open together, as an
    SSD extract records them): the pack counts both, the per-row demand measures too, the family
    measures one. So the ledger links a pair by what each run showed or hid, never by value."""
    req = council.requests.sort_values("received_date").iloc[[len(council.requests) // 2]]
    sibling_request = req.assign(request_id="R-sibling", children=pd.array([1], dtype="Int64"))
    ep = council.episodes
    first, last = pd.Timestamp("2023-01-01"), pd.Timestamp("2024-06-30")
    one = ep[(ep["start_date"] >= first) & (ep["end_date"] <= last) & ep["locality_id"].notna()].iloc[[0]]
    sibling_episode = one.assign(episode_id="E-sibling")
    ds = council.replace(requests=pd.concat([council.requests, sibling_request], ignore_index=True),
                         episodes=pd.concat([ep, sibling_episode], ignore_index=True))
    pairs = ("requests", "child_requests", "episodes_opened", "child_episodes_opened", "open_caseload",
             "child_open_caseload", "assessments", "children_referred")
    before, before_pack = _series_and_pack_cells(council, pairs, sorted({PACK_MEASURE_OF_DEMAND[d] for d in pairs}))
    after, after_pack = _series_and_pack_cells(ds, pairs, sorted({PACK_MEASURE_OF_DEMAND[d] for d in pairs}))
    def month(day):
        return pd.Timestamp(day).strftime("%Y-%m")

    locality = council.localities.set_index("locality_id")["name"]
    request_cell = (month(req["received_date"].iloc[0]),
                    locality[council.families.set_index("family_id").loc[req["family_id"].iloc[0], "locality_id"]])
    episode_cell = (month(one["start_date"].iloc[0]), locality[one["locality_id"].iloc[0]])
    open_cell = (month(one["start_date"].iloc[0] + pd.offsets.MonthEnd(0)), episode_cell[1])
    assert one["end_date"].iloc[0] > one["start_date"].iloc[0] + pd.offsets.MonthEnd(0)  # open at that month's end
    for demand, cell, family in (("requests", request_cell, True), ("child_requests", request_cell, False),
                                 ("episodes_opened", episode_cell, True),
                                 ("child_episodes_opened", episode_cell, False),
                                 ("open_caseload", open_cell, True), ("child_open_caseload", open_cell, False)):
        pack = PACK_MEASURE_OF_DEMAND[demand]
        assert after_pack[pack][cell] == before_pack[pack][cell] + 1, (demand, cell)
        assert after[demand][cell] == before[demand][cell] + (0 if family else 1), (demand, cell)
    for demand in SAME_RULE & set(pairs):        # by the same rule, still in every locality-month
        twin = after_pack[PACK_MEASURE_OF_DEMAND[demand]]
        assert (after[demand] == twin.reindex(after[demand].index)).all(), demand


def _pack_frame(rows):
    return pd.DataFrame(rows, columns=["measure", "period", "locality", "numerator", "denominator", "previous"])


def _forecast_frame(rows):
    frame = pd.DataFrame(rows, columns=["measure", "period", "locality", "numerator"])
    return frame.assign(denominator="", span=1)


def test_a_cell_is_read_under_every_name_that_counts_it():
    """A forecast's hidden ``assessments`` are the pack's ``assessments_started`` hidden, a pack's
    shown ``episodes_open`` the forecast's ``open_caseload`` known; a forecast's ``step_ups``
    (other step-ups than the pack's in a few cells) says shown or hidden, never its value."""
    pack = _pack_frame([("episodes_open", "2024-05", "North", "12", "", ""),
                        ("step_ups", "2024-05", "North", "c", "", "c")])
    forecast = _forecast_frame([("assessments", "2024-05", "North", "c"), ("step_ups", "2024-06", "North", "7"),
                                ("open_caseload", "2024-06", "North", "9")])
    empty = pack.iloc[:0]
    cells = published_cells([(pack, empty), (forecast, empty)], counts=["episodes_open", "step_ups"])
    cells = cells[cells["column"] == "numerator"].set_index(["measure", "period"])
    assert cells.loc[("assessments_started", "2024-05"), "hidden"]
    assert cells.loc[("open_caseload", "2024-05"), "shown"]
    assert np.isnan(cells.loc[("open_caseload", "2024-05"), "value"])
    assert cells.loc[("episodes_open", "2024-05"), "value"] == 12
    assert cells.loc[("episodes_open", "2024-06"), "shown"]                    # the forecast's open_caseload
    assert cells.loc[("child_step_ups", "2024-05"), "hidden"]
    up = cells.loc[("step_ups", "2024-06")]
    assert up["shown"] and np.isnan(up["value"])
    assert cells.loc[("assessments", "2024-05"), "hidden"]                      # and under its own name


def test_a_forecast_reads_a_packs_lead_in_year_as_hidden_where_the_pack_did_not_show_it():
    """A pack audits the year before its months with its own and shows it only as ``previous``
    beside a shown count: withheld there, or beside a hidden count, it may have been hidden. A
    reader that shows those months as they are (``lead_in``: a forecast) takes them as hidden;
    the pack's own months say what they say."""
    pack = _pack_frame([("episodes_opened", "2024-04", "North", "9", "", "8"),     # 2023-04 shown
                        ("episodes_opened", "2024-05", "North", "9", "", ""),      # 2023-05 withheld
                        ("episodes_opened", "2024-06", "North", "c", "", "c"),     # 2023-06 unknown
                        ("episodes_opened", "2025-04", "North", "c", "", "c")])    # 2024-04: a month of the pack
    empty = pack.iloc[:0]
    for lead_in in (False, True):
        cells = published_cells([(pack, empty)], counts=["episodes_opened"], lead_in=lead_in)
        cells = cells[(cells["column"] == "numerator") & (cells["measure"] == "episodes_opened")]
        status = cells.groupby("period").agg(shown=("shown", "any"), hidden=("hidden", "any"))
        assert status.loc["2023-04", "shown"] and not status.loc["2023-04", "hidden"]
        assert status.loc["2024-04", "shown"] and not status.loc["2024-04", "hidden"]   # its own cell shows it
        hidden = set(status.index[status["hidden"]])
        assert hidden == ({"2023-05", "2023-06", "2024-06", "2025-04"} if lead_in else {"2024-06", "2025-04"})


# -- the review's attack: a pack and a forecast of these measures in one folder ---------------------
def _forecast(tmp_path, output):
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "forecast.toml"
    source = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in SOURCE.items())
    config.write_text(f"""
[run]
name = "forecast"
output = "{output.as_posix()}"
[source]
kind = "synthetic"
{source}
[forecast]
measures = {FORECAST!r}
freq = "MS"
horizon = 3
season_length = 12
models = ["SeasonalNaive"]
levels = [80]
hierarchy = ["locality", "council"]
reconcile = "bottom_up"
backtest_windows = 1
backtest_step = 3
[publish]
suppression_threshold = 5
""".replace("'", '"'), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_forecast(load_config(str(config))).folder


def _pack(ds, output):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_pack(ds, output, options=PackOptions(months=24, end=END, measures=PACK))


@pytest.fixture(scope="module")
def runs(council, tmp_path_factory):
    """``(pack, forecast)`` written to one folder in each order, the first of each alone."""
    tmp = tmp_path_factory.mktemp("forecast_names")
    pack_first = _pack(council, tmp / "pack-first")
    # a forecast shows the year before a pack's months as they are: it reads them as hidden where
    # the pack did not show them (``published_cells(lead_in=True)`` in the forecast command)
    after_pack = _forecast(tmp / "a", tmp / "pack-first")
    forecast_first = _forecast(tmp / "b", tmp / "forecast-first")
    return {"pack-then-forecast": (pack_first, after_pack),
            "forecast-then-pack": (_pack(council, tmp / "forecast-first"), forecast_first),
            "apart": (pack_first, forecast_first)}


def _given_back(runs, previous: bool, unread=()) -> set:
    """Hidden counts of ``runs`` (pack and forecast run folders) that their published tables work
    out together by linear algebra, read as the attacker reads them: the forecast's
    ``assessments`` and ``open_caseload`` are the pack's ``assessments_started`` and
    ``episodes_open``; per month and 12-month period the council is the sum of its localities, a
    12-month count the sum of its months (a stock: its last month), and the episodes open at a
    month's end those open a month before plus those opened less those closed. With
    ``previous``, a pack's ``previous`` is its count a year before (a year it shows only so:
    withheld, it is an unknown). The runs ``unread`` add their cells as unknowns: what ``runs``
    give back of them, they give without them."""
    kinds = M.catalogue().set_index("id")["kind"].to_dict()
    tables = []
    for run in [*runs, *unread]:
        if (run / "observed.csv").exists():
            read = [(tag, t.assign(measure=t["measure"].replace(SAME))) for tag, t in forecast_tables(run)]
        else:
            read = pack_tables(run)
            if previous:
                m = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
                year = pd.DataFrame({"measure": m["measure"], "locality": m["locality"], "numerator": m["previous"],
                                     "period": (pd.PeriodIndex(m["period"], freq="M") - 12).astype(str)})
                read.append(("m", year[~year["period"].isin(set(m["period"]))].replace({"numerator": {"": "c"}})))
        tables += read if run in runs else [(tag, t.assign(numerator="c")) for tag, t in read]
    known, hidden = {}, set()
    for tag, table in tables:
        for row in table[table["measure"].map(kinds).isin(["count", "stock"])].itertuples():
            key = (tag, row.measure, row.period, row.locality)
            if row.numerator == "c":
                hidden.add(key)
            elif row.numerator != "":
                known[key] = float(row.numerator)
    cells, relations = set(known) | hidden, []       # each relation: {cell: coefficient}, summing to 0
    for tag, table in tables:
        for (measure, period), group in table.groupby(["measure", "period"]):
            parts = [p for p in group["locality"] if p != ALL]
            relations.append({(tag, measure, period, ALL): 1.0, **{(tag, measure, period, p): -1.0 for p in parts}})
            if tag == "y":
                end = pd.Period(period.rsplit(" ", 1)[-1], freq="M")
                months = range(12) if kinds.get(measure) == "count" else range(1)
                relations += [{(tag, measure, period, p): 1.0,
                               **{("m", measure, str(end - k), p): -1.0 for k in months}} for p in group["locality"]]
    months = sorted({c[2] for c in cells if c[0] == "m"})
    for before, month in zip(months, months[1:]):
        for p in {c[3] for c in cells if c[0] == "m"}:
            relations.append({("m", "episodes_open", month, p): 1.0, ("m", "episodes_open", before, p): -1.0,
                              ("m", "episodes_opened", month, p): -1.0, ("m", "episodes_closed", month, p): 1.0})
    unknown = sorted(hidden - set(known))
    at = {c: i for i, c in enumerate(unknown)}
    rows = []
    for relation in relations:
        if any(c not in cells for c in relation) or not any(c in at for c in relation):
            continue
        row = np.zeros(len(unknown))
        for c, coefficient in relation.items():
            if c in at:
                row[at[c]] += coefficient
        rows.append(row)
    if not rows:
        return set()
    _, sv, vt = np.linalg.svd(np.array(rows), full_matrices=True)
    null = vt[(sv > 1e-9).sum():]
    got = {unknown[i] for i in np.flatnonzero(np.abs(null).max(axis=0) < 1e-9)} if len(null) else set(unknown)
    # a stock's 12-month figure is its last month: hidden beside that month shown, it hid nothing
    return {c for c in got if not (c[0] == "y" and kinds.get(c[1]) == "stock")}


@pytest.mark.parametrize("order", ["pack-then-forecast", "forecast-then-pack"])
@pytest.mark.parametrize("previous", [False, True], ids=["months", "with-previous"])
def test_a_pack_and_a_forecast_of_other_names_give_no_hidden_count_back(runs, order, previous):
    """Before the names were paired, either order gave 84 hidden counts back by linear algebra
    beside those one run showed and the other hid (94 with the previous figures, which show the
    pack's lead-in year)."""
    pack, forecast = runs[order]
    alone = _given_back([pack], previous, [forecast]) | _given_back([forecast], previous, [pack])
    assert not _given_back([pack, forecast], previous) - alone


def test_kept_apart_they_give_hidden_counts_back(runs):
    """The check above can fail: each written without the other, they give counts back."""
    pack, forecast = runs["apart"]
    assert len(_given_back([pack, forecast], previous=False)) > 10


@pytest.mark.parametrize("order", ["pack-then-forecast", "forecast-then-pack"])
def test_the_later_run_hides_what_the_earlier_hid_under_the_other_name(runs, order):
    """Before, the forecast showed 407 cells the pack hid (of ``episodes_open`` mostly, which
    protect the episodes opened and closed beside them)."""
    pack, forecast = runs[order]
    shown = pd.read_csv(pack / "measures_monthly.csv", dtype=str, keep_default_na=False)
    observed = pd.read_csv(forecast / "observed.csv", dtype=str, keep_default_na=False)
    observed = observed[observed["council"] != ""].assign(
        measure=lambda o: o["unique_id"].str.split("/").str[0].map(SAME), period=lambda o: o["ds"].str.slice(0, 7),
        locality=lambda o: o["locality"].replace("", ALL))
    both = shown.merge(observed, on=["measure", "period", "locality"])
    assert len(both) and set(both["measure"]) == set(SAME.values())
    earlier, later = ("numerator", "y") if order == "pack-then-forecast" else ("y", "numerator")
    assert (both.loc[both[earlier] == "c", later] == "c").all()
