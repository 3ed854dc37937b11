"""An attack on the pack across measures: the same count is published in several measures, and some
measures are sums of others (episodes opened = the episodes at each level; the positive voice
answers = the answers to each question). No hidden count may be read off another measure, or
worked out from the published counts with these relations, the council = the sum of its
localities and a 12-month figure = the sum (of a stock: the last) of its months.

The attacker here knows only what the pack publishes (the monthly and 12-month tables, with the
lead-in year's figures as ``previous``) and the relations; it finds the relations itself from the
unsuppressed measure tables, on whole series, and checks them on every cell.
"""
from __future__ import annotations

import copy
import functools
import warnings
from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from typing import Dict, List, Tuple

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import measures as M
from earlyhelp.report.pack import ALL, PackOptions, build_pack, last_month_end
from earlyhelp.report.suppression import SUPPRESSED

Series = Tuple[str, str]          # (measure, "numerator" or "denominator")


# -- what the pack computes before suppression -----------------------------------------------------
def _raw_tables(ds, pack, months: int = 24):
    """The unsuppressed monthly (with the lead-in year) and 12-month tables the pack was built from."""
    ids = list(pack.catalogue["id"])
    month_end = last_month_end(ds, None)
    first_shown = (month_end - pd.offsets.MonthBegin(1)).normalize() - pd.DateOffset(months=months - 1)
    first = first_shown - pd.DateOffset(months=12)
    since = month_end - pd.DateOffset(months=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        council = M.compute(ds, ids, period="month", start=first, end=month_end)
        by_loc = M.compute(ds, ids, period="month", by="locality", start=first, end=month_end)
        year = M.compute(ds, ids, period="rolling_12m", by="locality", start=since, end=month_end)
        year_all = M.compute(ds, ids, period="rolling_12m", start=since, end=month_end)
    monthly = pd.concat([council.assign(locality=ALL), by_loc], ignore_index=True)
    label = f"12 months to {month_end.strftime('%Y-%m')}"
    loc12 = pd.concat([year_all.assign(locality=ALL), year], ignore_index=True)
    loc12 = loc12[loc12["period"] == label]
    for frame in (monthly, loc12):
        frame["locality"] = frame["locality"].astype(str)
        frame["measure"] = frame["measure"].astype(str)
    return monthly, loc12, first_shown


@dataclass
class Grid:
    """Every cell of every count series: monthly slots (period x locality) then 12-month slots."""

    periods: List[pd.Timestamp]
    localities: List[str]
    series: List[Series]
    truth: np.ndarray                       # series x slots, unsuppressed
    known: np.ndarray                       # what the pack publishes (NaN: not published)
    shown_hidden: np.ndarray                # published as "c"
    ratios: List[Tuple[int, int, int, float]] = field(default_factory=list)   # (num, den, slot, value)

    @property
    def n_month_slots(self) -> int:
        return len(self.periods) * len(self.localities)

    def slot(self, period_start, locality: str) -> int:
        return self.periods.index(pd.Timestamp(period_start)) * len(self.localities) + self.localities.index(locality)

    def year_slot(self, locality: str) -> int:
        return self.n_month_slots + self.localities.index(locality)


def _slots(frame: pd.DataFrame, grid_periods, localities, n_month_slots: int, year: bool) -> np.ndarray:
    loc = pd.Index(localities).get_indexer(frame["locality"])
    if year:
        return n_month_slots + loc
    per = pd.Index(grid_periods).get_indexer(pd.to_datetime(frame["period_start"]))
    return per * len(localities) + loc


def _grid(pack, monthly_raw: pd.DataFrame, loc12_raw: pd.DataFrame, first_shown, complements: bool = False) -> Grid:
    kinds = dict(zip(pack.catalogue["id"], pack.catalogue["kind"]))
    periods = sorted(pd.to_datetime(monthly_raw["period_start"]).unique())
    localities = [ALL] + sorted(set(monthly_raw["locality"]) - {ALL})
    n_m = len(periods) * len(localities)
    series = [(m, c) for m in kinds for c in ("numerator", "denominator")
              if c == "numerator" or kinds[m] == "proportion"]
    if complements:
        # a proportion's denominator less its numerator is a count too (the families who said no):
        # never negative, so a numerator is at most its denominator
        series += [(m, "complement") for m in kinds if kinds[m] == "proportion"]
    index = {s: i for i, s in enumerate(series)}
    shape = (len(series), n_m + len(localities))
    truth, known = np.full(shape, np.nan), np.full(shape, np.nan)
    shown_hidden = np.zeros(shape, dtype=bool)
    tables = [(monthly_raw, pack.monthly, False), (loc12_raw, pack.localities, True)]
    for raw, published, year in tables:
        for frame, target in ((raw, "truth"), (published, "known")):
            slots = _slots(frame, periods, localities, n_m, year)
            for (m, c), i in index.items():
                rows = (frame["measure"] == m).to_numpy()
                values = _column(frame.loc[rows], c)
                (truth if target == "truth" else known)[i, slots[rows]] = values
                if target == "known":
                    shown_hidden[i, slots[rows]] = _hidden_in(frame.loc[rows], c)
    grid = Grid(periods, localities, series, np.round(truth), known, shown_hidden)
    _lead_in_year(grid, pack, kinds, first_shown, index)
    return grid


def _column(frame: pd.DataFrame, c: str) -> np.ndarray:
    """A count column as published (NaN where hidden); the complement is known where both are."""
    if c == "complement":
        return _column(frame, "denominator") - _column(frame, "numerator")
    return pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _hidden_in(frame: pd.DataFrame, c: str) -> np.ndarray:
    if c == "complement":
        return _hidden_in(frame, "numerator") | _hidden_in(frame, "denominator")
    return (frame[f"{c}_status"] == SUPPRESSED).to_numpy()


def _lead_in_year(grid: Grid, pack, kinds, first_shown, index) -> None:
    """The year before the first month shown is published as the ``previous`` figures of the year after."""
    shown = pack.monthly[pd.to_datetime(pack.monthly["period_start"]) < first_shown + pd.DateOffset(months=12)]
    shown = shown[pd.to_numeric(shown["previous"], errors="coerce").notna()]
    for row in shown.itertuples(index=False):
        slot = grid.slot(pd.Timestamp(row.period_start) - pd.DateOffset(months=12), row.locality)
        num = index[(row.measure, "numerator")]
        if kinds[row.measure] in ("count", "stock"):        # the value is the count
            grid.known[num, slot] = float(row.previous)
        elif kinds[row.measure] == "proportion":            # numerator = value x denominator
            grid.ratios.append((num, index[(row.measure, "denominator")], slot, float(row.previous)))


# -- the relations, found on whole series ------------------------------------------------------------
@dataclass
class Relations:
    classes: List[List[int]]                              # identical series (indices into grid.series)
    sums: List[Tuple[int, Tuple[int, ...]]]               # class total = sum of part classes, every cell
    council: List[int]                                    # classes whose council is the sum of localities
    flow: List[int]                                       # 12-month figure = sum of the last 12 months
    stock: List[int]                                      # 12-month figure = the last month


def find_relations(grid: Grid) -> Relations:
    """Identities and sums of 2-4 series that hold in every cell (series with a gap or all zero left out;
    months before the data, where no series has a figure, are no gap)."""
    x = np.where(np.isnan(grid.truth).all(axis=0), 0.0, grid.truth)
    usable = [i for i in range(len(grid.series)) if not np.isnan(x[i]).any() and x[i].any()]
    by_values: Dict[bytes, List[int]] = {}
    for i in usable:
        by_values.setdefault(x[i].astype(np.int64).tobytes(), []).append(i)
    classes = list(by_values.values())
    rep = np.array([x[c[0]] for c in classes], dtype=np.int64)
    sums = _sums(rep)
    n_m, n_l = grid.n_month_slots, len(grid.localities)
    months = rep[:, :n_m].reshape(len(classes), len(grid.periods), n_l)
    year = rep[:, n_m:]
    council = [k for k in range(len(classes)) if np.array_equal(months[k, :, 0], months[k, :, 1:].sum(axis=1))
               and year[k, 0] == year[k, 1:].sum()]
    flow = [k for k in range(len(classes)) if np.array_equal(year[k], months[k, -12:].sum(axis=0))]
    stock = [k for k in range(len(classes)) if np.array_equal(year[k], months[k, -1])]
    return Relations(classes, sums, council, flow, stock)


def _sums(rep: np.ndarray) -> List[Tuple[int, Tuple[int, ...]]]:
    """``(total, parts)``: a series that is the sum of 2-4 others (a series may count more than once:
    the answers to three questions asked of the same families have one denominator)."""
    k = len(rep)
    pairs: Dict[bytes, List[Tuple[int, int]]] = {}
    for a, b in combinations_with_replacement(range(k), 2):
        pairs.setdefault((rep[a] + rep[b]).tobytes(), []).append((a, b))
    found = set()
    for t in range(k):
        for pair in pairs.get(rep[t].tobytes(), []):
            found.add((t, pair))
        for a in range(k):
            rest = rep[t] - rep[a]
            if rest.min() < 0:
                continue
            for pair in pairs.get(rest.tobytes(), []):
                found.add((t, tuple(sorted((a, *pair)))))
            for b in range(a, k):
                rest2 = rest - rep[b]
                if rest2.min() < 0:
                    continue
                for pair in pairs.get(rest2.tobytes(), []):
                    found.add((t, tuple(sorted((a, b, *pair)))))
    return sorted((t, p) for t, p in found if t not in p)


# -- the attack ------------------------------------------------------------------------------------------
@dataclass
class Leaks:
    identity: List[tuple] = field(default_factory=list)      # hidden in one measure, published in another
    one_part: List[tuple] = field(default_factory=list)      # a sum with only one hidden cell
    joint: List[tuple] = field(default_factory=list)         # pinned by all relations together

    def __len__(self) -> int:
        return len(self.identity) + len(self.one_part) + len(self.joint)


def attack(grid: Grid, rel: Relations, threshold: int) -> Leaks:
    """Every hidden count (shown as "c", or small in the lead-in year) that the published pack gives away."""
    leaks = Leaks()
    n_s = grid.truth.shape[1]
    truth = np.array([grid.truth[c[0]] for c in rel.classes])
    known = np.array([np.nanmax(np.where(np.isnan(grid.known[c]), -1, grid.known[c]), axis=0) for c in rel.classes])
    known = np.where(known < 0, np.nan, known)
    hidden = np.array([_class_hidden(grid, c) for c in rel.classes])
    lead_in = np.zeros(n_s, dtype=bool)
    lead_in[:12 * len(grid.localities)] = True
    small = (truth >= 1) & (truth <= threshold)
    target = hidden | (lead_in & small)
    # a complement is never published: worked out, it gives something away only when small
    # (3 families said no); a numerator it pins is a target of its own
    derived = np.array([all(grid.series[i][1] == "complement" for i in c) for c in rel.classes])
    target[derived] &= small[derived]
    for k, s in zip(*np.nonzero(hidden & ~np.isnan(known))):
        leaks.identity.append((_name(grid, rel, k), _where(grid, s), truth[k, s]))
    for t, parts in rel.sums:
        cells = np.unique([t, *parts])
        unknown = np.isnan(known[cells])
        for s in np.flatnonzero(unknown.sum(axis=0) == 1):
            k = cells[unknown[:, s]][0]
            if target[k, s]:
                leaks.one_part.append((_name(grid, rel, k), _where(grid, s), truth[k, s],
                                       "sum of " + _name(grid, rel, t)))
    already = {(a, b) for a, b, *_ in leaks.identity + leaks.one_part}
    for k, s in _pinned(grid, rel, truth, known, target):
        if (_name(grid, rel, k), _where(grid, s)) not in already:
            leaks.joint.append((_name(grid, rel, k), _where(grid, s), truth[k, s]))
    return leaks


def _class_hidden(grid: Grid, members: List[int]) -> np.ndarray:
    """Per slot, whether a class's count is hidden: where a measure publishing it hides it; a
    complement no measure publishes, where no proportion's two counts give it."""
    published = [i for i in members if grid.series[i][1] != "complement"]
    if published:
        return grid.shown_hidden[published].any(axis=0)
    return grid.shown_hidden[members].all(axis=0)


def _name(grid: Grid, rel: Relations, k: int) -> str:
    return "=".join(f"{m}.{c[:3]}" for m, c in (grid.series[i] for i in rel.classes[k]))


def _where(grid: Grid, s: int) -> str:
    n_l = len(grid.localities)
    if s >= grid.n_month_slots:
        return f"12 months, {grid.localities[s - grid.n_month_slots]}"
    return f"{grid.periods[s // n_l].strftime('%Y-%m')}, {grid.localities[s % n_l]}"


def _equations(grid: Grid, rel: Relations) -> List[Dict[Tuple[int, int], float]]:
    """Every linear relation between cells (class, slot) as {cell: coefficient} = 0."""
    n_l, n_p = len(grid.localities), len(grid.periods)
    n_m = grid.n_month_slots
    eqs: List[Dict[Tuple[int, int], float]] = []
    n_s = grid.truth.shape[1]
    for t, parts in rel.sums:
        for s in range(n_s):
            eq = {(t, s): -1.0}
            for p in parts:
                eq[(p, s)] = eq.get((p, s), 0.0) + 1.0
            eqs.append(eq)
    for k in rel.council:
        for base in [p * n_l for p in range(n_p)] + [n_m]:
            eqs.append({(k, base): -1.0, **{(k, base + j): 1.0 for j in range(1, n_l)}})
    for k in set(rel.flow) | set(rel.stock):
        last = range(n_p - 12, n_p) if k in rel.flow else range(n_p - 1, n_p)
        for j in range(n_l):
            eqs.append({(k, n_m + j): -1.0, **{(k, p * n_l + j): 1.0 for p in last}})
    class_of = {i: k for k, c in enumerate(rel.classes) for i in c}
    for num, den, s, value in grid.ratios:
        if num in class_of and den in class_of:
            eq = {(class_of[num], s): 1.0}
            eq[(class_of[den], s)] = eq.get((class_of[den], s), 0.0) - value     # num and den may be one series
            eqs.append({c: a for c, a in eq.items() if abs(a) > 1e-12})
    return eqs


def _pinned(grid: Grid, rel: Relations, truth, known, target) -> List[Tuple[int, int]]:
    """Target cells the published cells pin to one whole number (linear algebra, then bounds >= 0)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    unknown = np.isnan(known)
    col = -np.ones(truth.shape, dtype=np.int64)
    col[unknown] = np.arange(unknown.sum())
    n = int(unknown.sum())
    rows, cols, coef, rhs = [], [], [], []
    for eq in _equations(grid, rel):
        b, members = 0.0, []
        for (k, s), a in eq.items():
            if unknown[k, s]:
                members.append((col[k, s], a))
            else:
                b -= a * known[k, s]
        if not members:
            continue
        for j, a in members:
            rows.append(len(rhs))
            cols.append(j)
            coef.append(a)
        rhs.append(b)
    if not rhs:
        return []
    a_all = coo_matrix((coef, (rows, cols)), shape=(len(rhs), n)).tocsr()
    rhs = np.asarray(rhs)
    link = (a_all.T @ a_all) != 0
    _, label = connected_components(link, directed=False)
    cells = np.argwhere(unknown)          # the cell of each unknown, in column order
    true_x = truth[unknown]
    is_target = target[unknown]
    out = []
    for comp in np.unique(label[is_target]):
        mine = np.flatnonzero(label == comp)
        eq_rows = np.unique(a_all[:, mine].nonzero()[0])
        if not len(eq_rows):
            continue
        a = a_all[eq_rows][:, mine].toarray()
        _, sv, vt = np.linalg.svd(a, full_matrices=True)
        rank = int((sv > 1e-9 * max(1.0, sv.max())).sum())
        null = vt[rank:]
        fixed = np.ones(len(mine), dtype=bool) if null.shape[0] == 0 else np.abs(null).max(axis=0) < 1e-9
        pinned = fixed & is_target[mine]
        # with every unknown above zero, only the algebra pins a cell; otherwise ask the bounds
        if (true_x[mine] == 0).any():
            for j in np.flatnonzero(is_target[mine] & ~fixed):
                c = np.zeros(len(mine))
                c[j] = 1.0
                lo = linprog(c, A_eq=a, b_eq=rhs[eq_rows], bounds=(0, None), method="highs")
                if lo.status != 0 or np.ceil(lo.fun - 1e-6) < true_x[mine[j]]:
                    continue          # a smaller whole number fits too
                hi = linprog(-c, A_eq=a, b_eq=rhs[eq_rows], bounds=(0, None), method="highs")
                if hi.status == 0 and np.floor(-hi.fun + 1e-6) <= true_x[mine[j]]:
                    pinned[j] = True
        out.extend(tuple(cells[mine[j]]) for j in np.flatnonzero(pinned))
    return out


# -- the councils ----------------------------------------------------------------------------------------
COUNCILS = [   # (seed, scale, threshold)
    (1, 0.3, 5),
    (2, 0.1, 5),
    (3, 1.0, 5),
    (4, 0.5, 10),
    (5, 0.2, 10),
]


@functools.lru_cache(maxsize=None)
def _council_pack(seed: int, scale: float, threshold: int):
    ds = earlyhelp.synthetic.council(preset="coventry", years=3, seed=seed, scale=scale)
    pack = build_pack(ds, PackOptions(threshold=threshold))
    return (pack, *_raw_tables(ds, pack))


@functools.lru_cache(maxsize=None)
def _attack_council(seed: int, scale: float, threshold: int, complements: bool = False):
    pack, monthly_raw, loc12_raw, first_shown = _council_pack(seed, scale, threshold)
    grid = _grid(pack, monthly_raw, loc12_raw, first_shown, complements)
    rel = find_relations(grid)
    return grid, rel, attack(grid, rel, threshold)


@pytest.mark.slow
@pytest.mark.exhaustive
@pytest.mark.parametrize("seed,scale,threshold", COUNCILS)
def test_no_hidden_count_is_given_away_by_another_measure(seed, scale, threshold):
    grid, rel, leaks = _attack_council(seed, scale, threshold)
    assert any(len(c) > 1 for c in rel.classes) and rel.sums     # the attack has relations to use
    shown = {kind: getattr(leaks, kind)[:5] for kind in ("identity", "one_part", "joint")}
    assert not len(leaks), (f"{len(leaks.identity)} hidden in one measure and published in another, "
                            f"{len(leaks.one_part)} the one hidden part of a sum, {len(leaks.joint)} pinned by "
                            f"the relations together; e.g. {shown}")


@pytest.mark.slow
@pytest.mark.exhaustive
@pytest.mark.parametrize("seed,scale,threshold", COUNCILS)
def test_no_hidden_count_is_given_away_by_a_proportions_complement(seed, scale, threshold):
    # the denominator less the numerator (the families who said no) is a count no pack publishes but
    # every reader can work out; an attacker who adds it, at 0 or above, to the relations
    grid, rel, leaks = _attack_council(seed, scale, threshold, complements=True)
    assert not len(leaks), (f"{len(leaks.identity)} read as another measure's complement, "
                            f"{len(leaks.one_part)} the one hidden part of a sum, {len(leaks.joint)} pinned; "
                            f"e.g. {leaks.identity[:3]} {leaks.joint[:3]}")


@pytest.mark.slow
def test_the_attack_finds_a_complement_equal_to_another_count():
    # no episode is at level 4 on this council: those not at level 3 are those at level 2
    grid, rel, _ = _attack_council(1, 0.3, 5, complements=True)
    class_of = {grid.series[i]: k for k, c in enumerate(rel.classes) for i in c}
    assert class_of[("level_3_share", "complement")] == class_of[("level_2_share", "numerator")]


@pytest.mark.slow
def test_the_attack_finds_the_relations_the_measures_are_built_on():
    grid, rel, _ = _attack_council(1, 0.3, 5)
    names = {grid.series[i] for c in rel.classes for i in c}
    opened = next(c for c in rel.classes if grid.series.index(("episodes_opened", "numerator")) in c)
    members = {grid.series[i] for i in opened}
    assert {("level_2_share", "denominator"), ("episodes_partner_led", "denominator"),
            ("families_three_plus_needs", "denominator")} <= members
    class_of = {grid.series[i]: k for k, c in enumerate(rel.classes) for i in c}
    voice = {class_of[(m, "numerator")] for m in ("voice_felt_welcomed", "voice_got_help_needed",
                                                  "voice_experience_good")}
    assert (class_of[("family_voice_positive", "numerator")], tuple(sorted(voice))) in rel.sums
    assert ("step_up_rate", "numerator") in names


@pytest.mark.slow
def test_the_attack_sees_a_count_hidden_in_one_measure_and_shown_in_another():
    # the attack itself: a pack with one cell hidden in only one of two identical series
    grid, rel, _ = _attack_council(1, 0.3, 5)
    grid = copy.deepcopy(grid)
    k = next(k for k, c in enumerate(rel.classes) if len(c) > 1)
    a, b = rel.classes[k][:2]
    s = int(np.flatnonzero(~np.isnan(grid.known[a]) & ~np.isnan(grid.known[b]))[0])
    grid.shown_hidden[a, s] = True
    grid.known[a, s] = np.nan
    leaks = attack(grid, rel, 5)
    assert any(w == _where(grid, s) for _, w, _ in leaks.identity)


# -- the pack's own relation search and joint audit, on a council's own measures ----------------------
def _tiny_monthly(counts: Dict[str, np.ndarray]) -> pd.DataFrame:
    """A monthly measures table (council and two localities, four months) of count measures."""
    periods = pd.date_range("2024-01-01", periods=4, freq="MS")
    rows = []
    for mid, values in counts.items():          # values: months x (locality A, locality B)
        for p, start in enumerate(periods):
            for loc, v in ((ALL, values[p].sum()), ("A", values[p, 0]), ("B", values[p, 1])):
                rows.append(dict(measure=mid, period=start.strftime("%Y-%m"), period_start=start,
                                 locality=loc, numerator=float(v), denominator=np.nan, value=float(v),
                                 lo=np.nan, hi=np.nan, previous=np.nan, change=np.nan, change_p=np.nan,
                                 change_significant=pd.NA, rate_per_10k=np.nan))
    return pd.DataFrame(rows)


def _own_measures() -> Dict[str, np.ndarray]:
    """Made-up measures (not in the catalogue): visits twice under two names, home + hub = all, and
    three questions put to every family asked."""
    visits = np.array([[3, 20], [14, 9], [30, 12], [11, 16]])
    home = np.array([[2, 11], [9, 12], [15, 7], [10, 13]])
    hub = np.array([[8, 13], [11, 10], [12, 9], [14, 8]])
    asked = np.array([[4, 9], [7, 0], [12, 6], [0, 8]])
    return {"visits": visits, "visits_again": visits, "home": home, "hub": hub, "all_contacts": home + hub,
            "families_asked": asked, "answers": 3 * asked}


def test_the_pack_finds_identities_and_sums_of_any_measures():
    from earlyhelp.report.pack import _linked_series

    raw = _tiny_monthly(_own_measures())
    links = _linked_series(raw, None, {m: "count" for m in _own_measures()})
    assert [("visits", "numerator"), ("visits_again", "numerator")] in links.classes
    name = {k: c[0][0] for k, c in enumerate(links.classes)}
    assert sorted((name[t], sorted(name[p] for p in parts)) for t, parts in links.sums) == [
        ("all_contacts", ["home", "hub"]), ("answers", ["families_asked"] * 3)]


def test_a_count_hidden_in_one_measure_is_hidden_in_all_and_no_part_is_left_alone():
    from earlyhelp.report.pack import _across_measures, _linked_series, _suppress_long

    kinds = {m: "count" for m in _own_measures()}
    raw = _tiny_monthly(_own_measures())
    links = _linked_series(raw, None, kinds)
    monthly, counts = _suppress_long(raw.copy(), kinds, 5, keys=("measure", "period"))
    # another audit hid one more visits cell (as the 12-month audit may): visits_again still shows it
    at = (monthly["measure"] == "visits") & (monthly["period"] == "2024-02") & (monthly["locality"] == "A")
    status = {c: (monthly[f"{c}_status"] == SUPPRESSED).to_numpy(copy=True) for c in ("numerator", "denominator")}
    status["numerator"] |= at.to_numpy()
    from earlyhelp.report.pack import _hide

    _hide(monthly, status)
    _across_measures(monthly, None, raw, None, links, 5, counts)
    cell = monthly.set_index(["measure", "period", "locality"])["numerator_status"]
    assert cell[("visits_again", "2024-02", "A")] == SUPPRESSED
    for m in ("visits", "visits_again"):
        assert (cell.loc[m] == SUPPRESSED).to_numpy().tolist() == (cell.loc["visits"] == SUPPRESSED).to_numpy().tolist()
    # home's 2 in January is hidden: all_contacts and hub must not give it away
    hidden = cell.unstack("measure") == SUPPRESSED
    assert hidden.loc[("2024-01", "A"), "home"]
    assert (hidden[["home", "hub", "all_contacts"]].sum(axis=1) != 1).all()
    # a hidden number asked is hidden in the answers too (three times it)
    assert (hidden["families_asked"] == hidden["answers"]).all() and hidden["families_asked"].any()
