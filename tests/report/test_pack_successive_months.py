"""Packs of successive months read together: two 12-month figures a month apart differ by a month
less the same month a year before, and cells hidden beside small ones move with the months shown.
Packs written to one folder are protected together; packs kept apart are not (the test's check
finds counts they hid)."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.report.pack import PackOptions, write_pack

from _ledger_attack import pack_tables, worked_out

ENDS = ("2025-01-31", "2025-02-28", "2025-03-31")
MEASURES = ["requests", "episodes_opened", "children_referred", "service_referrals", "episodes_open",
            "closed_within_16_weeks"]


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=3, scale=0.1, seed=4)


def _packs(ds, folder_of):
    return [write_pack(ds, folder_of(end), options=PackOptions(months=12, end=end, measures=MEASURES))
            for end in ENDS]


def _worked_out(runs) -> list:
    kinds = pd.read_csv(runs[0] / "catalogue.csv").set_index("id")["kind"]
    return worked_out([t for run in runs for t in pack_tables(run)], kinds)


def test_packs_in_one_folder_give_no_hidden_count_back_together(council, tmp_path):
    runs = _packs(council, lambda end: tmp_path / "runs")
    assert len({r.parent for r in runs}) == 1 and not _worked_out(runs)
    for run in runs[1:]:    # each pack read the ones before it in the folder
        record = pd.read_json(run / "run.json", typ="series")
        assert record["council"] == "Coventry"


def test_packs_kept_apart_are_not_protected_together(council, tmp_path):
    """The check above can fail: packs written to separate folders know nothing of each other,
    and read together they give hidden counts back (the README says so)."""
    runs = _packs(council, lambda end: tmp_path / end)
    assert all(not _worked_out([run]) for run in runs)
    assert _worked_out(runs)


def test_packs_across_a_renamed_locality_give_no_hidden_count_back(council, tmp_path):
    """A council that renames a locality between packs: each pack's council is the sum of its own
    localities (the sum over every name any pack used is no relation), and read together the
    packs still give no hidden count back."""
    loc = council.localities.copy()
    old_name = loc["name"].iloc[0]
    loc.loc[loc.index[0], "name"] = old_name + " (renamed)"
    renamed = council.replace(localities=loc)
    runs = [write_pack(ds, tmp_path / "runs", options=PackOptions(months=12, end=end, measures=MEASURES))
            for ds, end in zip((council, council, renamed), ENDS)]
    # a cell of the renamed locality that the packs before showed under the old name was public
    # already: hidden beside a small one, it is worked out, and gives away nothing
    shown = set()
    for run in runs[:2]:
        table = pd.read_csv(run / "measures_monthly.csv", dtype=str, keep_default_na=False)
        mine = table[(table["locality"] == old_name) & ~table["numerator"].isin(["c", ""])]
        shown |= {("m", m, p) for m, p in zip(mine["measure"], mine["period"])}
    given_back = [k for k in _worked_out(runs) if not (k[3] == old_name + " (renamed)" and k[:3] in shown)]
    assert not given_back


def test_a_raised_threshold_gives_no_hidden_count_back(council, tmp_path):
    """January's pack hid 1..3 and showed a 5; February's hides 1..5. The 5 January showed is
    known: hidden in February as well, it cannot protect another cell (it did, and a 1 came back
    as February's 12 months less January's plus that 5)."""
    runs = [write_pack(council, tmp_path / "runs", options=PackOptions(months=12, end=end, measures=MEASURES,
                                                                        threshold=threshold))
            for end, threshold in zip(ENDS[:2], (3, 5))]
    assert not _worked_out(runs)


def test_a_stock_a_year_on_is_not_given_back_by_its_flows(council, tmp_path):
    """A stock's month an earlier pack showed, with a later pack's 12-month inflow and outflow,
    gives the stock a year on: open[E] = open[E - 12] + opened in the 12 months - closed in them.
    The later pack audits its own cells across measures with what the earlier one showed known."""
    stock = ["episodes_open", "episodes_opened", "episodes_closed"]
    first, later = (write_pack(council, tmp_path / "runs", options=PackOptions(months=12, end=end, measures=stock))
                    for end in ("2024-10-31", "2024-12-31"))
    read = {run: {name: pd.read_csv(run / f"{name}.csv", dtype=str, keep_default_na=False).set_index(
        ["measure", "period", "locality"])["numerator"] for name in ("measures_monthly", "measures_localities_12m")}
        for run in (first, later)}
    year = read[later]["measures_localities_12m"]
    end = pd.Period(year.index.get_level_values("period")[0].rsplit(" ", 1)[-1], freq="M")
    given_back, tried = [], 0
    for loc in year.index.get_level_values("locality").unique():
        hidden = read[later]["measures_monthly"].get(("episodes_open", str(end), loc))
        flows = [year.get((m, f"12 months to {end}", loc)) for m in ("episodes_opened", "episodes_closed")]
        before = read[first]["measures_monthly"].get(("episodes_open", str(end - 12), loc))
        if hidden == "c":
            tried += 1
            if "c" not in flows and None not in flows and before not in (None, "", "c"):
                given_back.append(loc)
    assert tried and not given_back
