"""The tables and charts of an ``earlyhelp flow`` run fitted by locality (``[model] by = "locality"``).

Every table has a ``locality`` column and the council total as locality ``"all"``; stocks and
the fan also have the all-states total as state ``"all"``. Small numbers are protected in one
place, the publication gate:

1. ``start_stock`` (children in each locality and state when the projection starts, with the
   ``"all"`` rows of both) is published with its totals declared to the gate
   (``totals={"locality": "all", "state": "all"}``). The gate hides starting stocks of 1 to
   the threshold and, secondarily, enough other cells that no hidden cell follows from the
   totals: not as the council total minus the other localities, nor as a locality's total
   minus its other states.
2. Every projection, band and scenario of a hidden (locality, state) cell is withheld (``"c"``
   in CSV, empty in Parquet): at the start date a projection *is* the starting stock, and the
   stock tables have the same sums (council = localities, all states = states) at every date,
   so the gate's pattern protects them too. (A later projection is a function of the starting
   stock through the locality's fitted rates, which the run does not publish.)
3. A cost adds states with different weights (their unit costs), so beside the stock totals it
   would solve for two hidden states of one locality. A locality's cost totals (``cost``,
   ``cost_avoided``, the simulated costs, the all-states ``cost_per_day``) are therefore withheld
   when any of its cells is hidden, and the council's too when that would leave only one
   locality's cost to be worked out by subtraction.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Set, Tuple

import numpy as np
import pandas as pd

from ..flow.localities import TOTAL
from ..report.plots import plain_text as plain
from ..report.runfolder import DECIMALS
from ..report.suppression import SUPPRESSED

Cell = Tuple[str, str]
#: the start_stock table as declared to the publication gate
START_GATE = {"counts": ["children"], "totals": {"locality": TOTAL, "state": TOTAL},
              "dims": ["locality", "state"]}


def start_stock(model) -> pd.DataFrame:
    """Children in each (locality, state) when the projection starts, with the ``"all"`` rows."""
    rows = []
    for name, part in model.localities.items():
        stock = part._bin_frame().assign(children=part._fit.initial).groupby("state", sort=False)["children"].sum()
        rows += [(name, s, float(v)) for s, v in stock.items()]
    frame = pd.DataFrame(rows, columns=["locality", "state", "children"])
    return with_totals(frame, ["state"], ["children"])


def with_totals(frame: pd.DataFrame, keys: List[str], values: List[str]) -> pd.DataFrame:
    """``frame`` (one row per locality and ``keys`` incl. ``state``) with the council rows
    (locality ``"all"``, where absent) and the all-states rows (state ``"all"``, where absent)."""
    if TOTAL not in set(frame["locality"]):
        council = frame.groupby(keys, sort=False, as_index=False)[values].sum().assign(locality=TOTAL)
        frame = pd.concat([frame, council[frame.columns]], ignore_index=True)
    if TOTAL not in set(frame["state"]):
        rest = [k for k in ["locality"] + keys if k != "state"]
        states = frame.groupby(rest, sort=False, as_index=False)[values].sum().assign(state=TOTAL)
        frame = pd.concat([frame, states[frame.columns]], ignore_index=True)
    return frame


def hidden_cells(frame: pd.DataFrame, published: pd.DataFrame) -> Set[Cell]:
    """The (locality, state) cells of ``frame`` (:func:`start_stock`) that the gate hid in
    ``published`` (the same rows as published)."""
    gone = published["children"].isna().to_numpy()
    return set(zip(frame.loc[gone, "locality"], frame.loc[gone, "state"]))


def cost_withheld(hidden: Set[Cell], localities: List[str]) -> Set[str]:
    """Localities (and ``"all"``) whose cost totals are withheld (module docstring, point 3)."""
    out = {loc for loc, _ in hidden}
    parts = [loc for loc in localities if loc != TOTAL]
    if TOTAL not in out and sum(loc in out for loc in parts) == 1:
        out.add(TOTAL)
    return out


def withheld(frame: pd.DataFrame, mask: Dict[str, np.ndarray]) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """The typed table (withheld cells empty) and its CSV layout (withheld cells ``"c"``)."""
    typed = frame.copy()
    text = frame.copy()
    for col, hide in mask.items():
        if not hide.any():
            continue
        typed[col] = typed[col].astype(float).where(~hide)
        shown = text[col].astype(float).round(DECIMALS).astype(object)
        shown[hide] = SUPPRESSED
        text[col] = shown
    return typed, text


def _cells(frame: pd.DataFrame, hidden: Set[Cell]) -> np.ndarray:
    pairs = zip(frame["locality"].to_numpy(), frame["state"].to_numpy())
    return np.fromiter((p in hidden for p in pairs), dtype=bool, count=len(frame))


def stocks(det: pd.DataFrame, hidden: Set[Cell], costs_hidden: Set[str]):
    """The projected stocks by locality, date and state (summed over ages), with totals."""
    values = [c for c in ("stock", "cost_per_day") if c in det.columns]
    det = det.groupby(["locality", "date", "state"], sort=False, as_index=False)[values].sum()
    det = with_totals(det, ["date", "state"], values)
    order = {name: i for i, name in enumerate(pd.unique(det["locality"]))}
    det = det.iloc[np.lexsort((det["date"].to_numpy(), det["locality"].map(order).to_numpy()))]
    cells = _cells(det, hidden)
    mask = {"stock": cells}
    if "cost_per_day" in det.columns:
        weighted = (det["state"] == TOTAL).to_numpy() & det["locality"].isin(costs_hidden).to_numpy()
        mask["cost_per_day"] = cells | weighted
    return withheld(det.reset_index(drop=True), mask)


def fan(frame: pd.DataFrame, hidden: Set[Cell]):
    """The simulated bands (all ages) by locality, date and state; hidden cells withheld."""
    frame = frame[frame["age"] == "all"].drop(columns="age").reset_index(drop=True)
    cells = _cells(frame, hidden)
    return withheld(frame, {c: cells for c in frame.columns if c not in ("locality", "date", "state")})


def scenarios(table: pd.DataFrame, hidden: Set[Cell], costs_hidden: Set[str], states: List[str]):
    """The scenario comparison: per-state columns, ``stock`` (all states) and costs withheld as above."""
    loc = table["locality"].to_numpy()
    mask = {s: np.isin(loc, [l for l, st in hidden if st == s]) for s in states if s in table.columns}
    mask["stock"] = np.isin(loc, [l for l, st in hidden if st == TOTAL])
    for col in ("cost", "cost_avoided"):
        if col in table.columns:
            mask[col] = np.isin(loc, sorted(costs_hidden))
    return withheld(table, mask)


def costs(frame: pd.DataFrame, costs_hidden: Set[str]):
    """The simulated costs by locality and date; a withheld locality's rows shown as ``"c"``."""
    hide = frame["locality"].isin(costs_hidden).to_numpy()
    return withheld(frame, {c: hide for c in frame.columns if c not in ("locality", "date")})


# ---------------------------------------------------------------------------------
# charts (drawn from the published fan table)
# ---------------------------------------------------------------------------------
def file_stem(name: str, taken: Set[str]) -> str:
    """A file name for a locality: lower case letters, digits and ``-``; unique in ``taken``."""
    stem = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "locality"
    out, i = stem, 2
    while out in taken:
        out, i = f"{stem}-{i}", i + 1
    taken.add(out)
    return out


def quantile_columns(frame: pd.DataFrame) -> List[str]:
    """The quantile columns of a band table (``q05``, ``q2.5``, ...), lowest quantile first: a
    band is drawn from the first to the last, the widest, whatever order the table has them in."""
    return sorted((c for c in frame.columns if c.startswith("q")), key=lambda c: float(c[1:]))


def _band(ax, part: pd.DataFrame, title: str) -> None:
    cols = quantile_columns(part)
    part = part.dropna(subset=["mean"])
    ax.set_title(plain(title), fontsize=9)
    if not len(part):
        ax.text(0.5, 0.5, "suppressed\n(small numbers)", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    if cols:
        ax.fill_between(part["date"], part[cols[0]].astype(float), part[cols[-1]].astype(float), alpha=0.3,
                        label=f"{cols[0]}-{cols[-1]}")
    ax.plot(part["date"], part["mean"].astype(float), label="mean")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)


def locality_chart(published: pd.DataFrame, locality: str, title: str, columns: int = 4):
    """One panel per state (not the all-states total): the bands of one locality or the council."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    part = published[published["locality"] == locality]
    states = [s for s in part["state"].unique() if s != TOTAL]
    rows = -(-len(states) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.6 * rows), squeeze=False, sharex=True)
    for i, ax in enumerate(axes.flat):
        if i < len(states):
            _band(ax, part[part["state"] == states[i]], states[i])
        else:
            ax.set_visible(False)
    drawn = [ax for ax in axes.flat if ax.get_legend_handles_labels()[0]]
    if drawn:
        drawn[0].legend(fontsize=7)
    fig.suptitle(plain(title))
    fig.tight_layout()
    return fig


def small_multiples(published: pd.DataFrame, columns: int = 4):
    """One panel per locality: the band of its children in all states (a locality's overview)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in published["locality"].unique() if n != TOTAL]
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.6 * rows), squeeze=False, sharex=True)
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            ax.set_visible(False)
            continue
        part = published[(published["locality"] == names[i]) & (published["state"] == TOTAL)]
        _band(ax, part, str(names[i]))
    fig.suptitle("Children in all states, by locality")
    fig.tight_layout()
    return fig


def write_charts(folder, published_fan: pd.DataFrame) -> Dict[str, Any]:
    """``fan_chart.png`` (the council), ``fan_localities.png`` (small multiples) and
    ``fan_charts/<locality>.png``; returns the chart file of each locality."""
    import matplotlib.pyplot as plt

    from ..report.runfolder import figure_png

    def put(name: str, fig) -> None:
        folder.write_bytes(name, figure_png(fig), sources=["fan"])
        plt.close(fig)

    put("fan_chart.png", locality_chart(published_fan, TOTAL, "Council total"))
    put("fan_localities.png", small_multiples(published_fan))
    taken: Set[str] = set()
    files = {}
    for name in published_fan["locality"].unique():
        if name == TOTAL:
            continue
        files[str(name)] = f"fan_charts/{file_stem(name, taken)}.png"
        put(files[str(name)], locality_chart(published_fan, name, str(name)))
    return files
