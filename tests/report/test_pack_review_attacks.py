"""A hostile tester's attacks on the monthly pack and the publication gate that found holes.

Each attack reads only what the pack publishes (and, to know which cells were small, the
unsuppressed measures): a stock beside its own flows, a pack whose first months lie before the
data, formulas behind leading whitespace, a locality named like the council total.
"""
from __future__ import annotations

import io
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import measures as M
from earlyhelp.report.pack import ALL, PackOptions, build_pack
from earlyhelp.report.suppression import SUPPRESSED

STOCK, INFLOW, OUTFLOW = "episodes_open", "episodes_opened", "episodes_closed"


@pytest.fixture(scope="module")
def council():
    # two years of data: a 24-month pack's lead-in year lies wholly before the data
    return earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=1)


@pytest.fixture(scope="module")
def pack12(council):
    return build_pack(council, PackOptions(months=12))


@pytest.fixture(scope="module")
def pack24(council):
    return build_pack(council, PackOptions(months=24))


def _raw_by_month(ds, ids):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = pd.concat([M.compute(ds, ids, period="month").assign(locality=ALL),
                         M.compute(ds, ids, period="month", by="locality")], ignore_index=True)
    raw["locality"] = raw["locality"].astype(str)
    raw["measure"] = raw["measure"].astype(str)
    return {m: raw[raw["measure"] == m].set_index(["period_start", "locality"])["numerator"] for m in ids}


def _published(pack, mid):
    """(month start, locality) -> the count as published (shown months, and the year before them
    as ``previous``), None where it is hidden."""
    rows = pack.monthly[pack.monthly["measure"] == mid]
    out = {}
    for r in rows.itertuples(index=False):
        out[(pd.Timestamp(r.period_start), r.locality)] = None if r.numerator_status == SUPPRESSED else r.numerator
    for r in rows.itertuples(index=False):
        key = (pd.Timestamp(r.period_start) - pd.DateOffset(months=12), r.locality)
        out.setdefault(key, None if pd.isna(r.previous) else r.previous)
    return out


@pytest.mark.parametrize("which", ["pack12", "pack24"])
def test_a_stock_beside_its_flows_gives_no_hidden_month_away(council, which, request):
    # episodes open at a month's end = those open a month before + those opened - those closed:
    # with three of the four published the fourth follows, hidden or not
    pack = request.getfixturevalue(which)
    raw = _raw_by_month(council, [STOCK, INFLOW, OUTFLOW])
    change = raw[STOCK] - raw[STOCK].groupby(level="locality").shift(1)
    assert (change - raw[INFLOW] + raw[OUTFLOW]).dropna().eq(0).all()     # the identity the attack uses
    stock, inflow, outflow = (_published(pack, m) for m in (STOCK, INFLOW, OUTFLOW))
    leaks = []
    for (start, loc), s in stock.items():
        before = (start - pd.DateOffset(months=1), loc)
        if before not in stock or pd.isna(raw[STOCK].get(before, np.nan)):
            continue
        cells = [s, stock[before], inflow.get((start, loc), None), outflow.get((start, loc), None)]
        if sum(c is None for c in cells) == 1:
            leaks.append((start.strftime("%Y-%m"), loc, ["open", "open a month before", "opened", "closed"]
                          [[c is None for c in cells].index(True)]))
    assert leaks == []


def test_a_pack_reaching_before_the_data_still_protects_the_sums_between_measures(council, pack24):
    # the lead-in year of a 24-month pack on two years of data has no figures: every series had a
    # gap there, so no identity or sum was found and the level shares' hidden numerators were
    # episodes opened less the other levels
    sys.path.insert(0, str(Path(__file__).parent))
    import test_pack_linked_measures as linked

    monthly_raw, loc12_raw, first_shown = linked._raw_tables(council, pack24, months=24)
    grid = linked._grid(pack24, monthly_raw, loc12_raw, first_shown)
    before_data = np.isnan(grid.truth).all(axis=0)
    assert before_data.any()
    grid.truth[:, before_data] = 0.0                       # nothing there to find or to give away
    rel = linked.find_relations(grid)
    assert rel.sums                                         # the attacker has the sums
    leaks = linked.attack(grid, rel, 5)
    assert not len(leaks), (leaks.identity[:3], leaks.one_part[:3], leaks.joint[:3])


def test_cells_of_a_total_of_several_cells_are_covered():
    from earlyhelp.report.suppression import hidden_ranges, suppress_cells

    # stock 10 + closed 3 = stock before 8 + opened 5: the small 3 alone would follow
    values = [10, 3, 8, 5]
    result = suppress_cells(values, [((0, 1), (2, 3))], threshold=3)
    assert result.hidden[1] and result.hidden.sum() == 2
    ranges = hidden_ranges(values, [((0, 1), (2, 3))], result.hidden)
    assert (ranges[:, 1] - ranges[:, 0] > 0).all()


def test_the_pack_audits_bounds_when_every_hidden_count_is_above_zero(monkeypatch):
    """With every hidden count above zero the linear ranges hold the true counts inside, but a range
    may still hold one whole number only where the relations are not a two-way table's (a count in
    two measures, stocks with flows): the pack runs the bounds audit then too."""
    from earlyhelp.report import pack, suppression

    audited = []
    real = suppression._pinned_by_bounds

    def spy(eq, v, hidden, **kw):
        audited.append(v[hidden].min())
        return real(eq, v, hidden, **kw)

    monkeypatch.setattr(suppression, "_pinned_by_bounds", spy)
    values = np.array([10.0, 3.0, 8.0, 5.0, 30.0, 12.0, 18.0])   # no zero anywhere
    relations = [((0, 1), (2, 3)), (4, (5, 6))]
    hidden, _ = pack._suppress_related(values, relations, 5, np.zeros(len(values), dtype=bool))
    assert hidden[1] and (values[hidden] > 0).all()
    assert audited and min(audited) > 0


@pytest.mark.parametrize("text", [" =1+1", "  @SUM(A1)", "\n=cmd|' /C calc'!A0", "\u3000=1", "\u200b+1",
                                  " -2+3", "\ufeff=1"])
def test_a_formula_behind_leading_whitespace_is_neutralised(tmp_path, text):
    from earlyhelp.report.publish import PublishPolicy, neutralise_text, publish
    from earlyhelp.report.runfolder import RunFolder

    assert neutralise_text(text) == "'" + text
    out = publish(pd.DataFrame({"name": [text], text: ["x"]}), PublishPolicy())
    assert out.text["name"].iloc[0] == "'" + text and out.typed["name"].iloc[0] == "'" + text
    assert "'" + text in out.text.columns
    assert neutralise_text("a =1") == "a =1" and neutralise_text("  ") == "  "
    # a workbook written around the neutralising is refused at the door
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    wb.add_worksheet("s").write_string(0, 0, text)
    wb.close()
    with RunFolder(tmp_path, "r") as folder:
        folder.write_table("t", pd.DataFrame({"name": ["a"]}))
        with pytest.raises(ValueError, match="start like a formula"):
            folder.write_bytes("book.xlsx", buffer.getvalue(), sources=["t"])
        folder.record("test", inputs={"sha256": "0"}, digest="0")


def test_locality_names_with_a_formula_behind_whitespace_leave_the_pack_neutralised(council, tmp_path):
    from earlyhelp.report.pack import write_pack

    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=1)
    names = [" =1+1", "\n@SUM(1)", "\u3000=cmd"]
    localities = ds.localities.copy()
    localities.loc[: len(names) - 1, "name"] = names
    ds.localities = localities
    out = write_pack(ds, tmp_path, options=PackOptions(months=12, measures=["requests", "episodes_opened"]))
    csv = pd.read_csv(out / "measures_monthly.csv", keep_default_na=False)
    shown = set(csv["locality"])
    assert {"'" + n for n in names} <= shown and not set(names) & shown
    with zipfile.ZipFile(out / "measures.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode("utf-8")
    assert " =1+1" not in strings.replace("' =1+1", "")


def test_a_locality_named_like_the_council_total_is_a_validation_error():
    # it was a second council total: "requests: more than one council total in a period"
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=1)
    localities = ds.localities.copy()
    localities.loc[2, "name"] = ALL
    ds.localities = localities
    with pytest.raises(earlyhelp.ValidationError) as info:
        build_pack(ds, PackOptions(months=12, measures=["requests"]))
    text = str(info.value)
    assert "localities.name" in text and str(localities["locality_id"].iloc[2]) in text


@pytest.mark.parametrize("options,field", [(dict(months=0), "months"), (dict(months=-3), "months"),
                                           (dict(months=2.5), "months"), (dict(threshold=-1), "threshold"),
                                           (dict(threshold=True), "threshold"), (dict(end="notadate"), "end"),
                                           (dict(targets={"requests": "abc"}), "targets.requests"),
                                           (dict(title=None), "title")])
def test_pack_options_that_make_no_sense_are_validation_errors(options, field):
    # a negative threshold hid nothing and months=0 gave an empty pack, both silently
    with pytest.raises(earlyhelp.ValidationError, match=f"report.{field}"):
        PackOptions(**options)


def test_a_numpy_string_in_a_workbook_cell_is_neutralised_too():
    from earlyhelp.report.excel import _cell

    # it was unwrapped with .item() and returned before the neutralising
    assert _cell(np.str_("=1+1")) == "'=1+1" and _cell(np.str_(" @SUM(1)")) == "' @SUM(1)"
    assert _cell(np.int64(3)) == 3 and _cell("ok") == "ok"


def test_a_measure_called_history_gets_another_sheet_name():
    from earlyhelp.report.excel import sheet_name

    # Excel reserves "History": a custom measure of that id made a workbook Excel repairs
    used: set = set()
    assert sheet_name("history", used).lower() != "history"
    assert sheet_name("History", used).lower() != "history"


def test_a_number_withheld_by_the_gate_says_so_in_its_status(tmp_path):
    """A denominator beside a hidden numerator is withheld by the gate: "c" in the CSV, and in the
    Parquet missing with its status "c" too (a blank status read as missing data, not as hidden)."""
    from earlyhelp.report.pack import write_pack

    council = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    run = write_pack(council, tmp_path, options=PackOptions(months=12, end="2025-03-31"))
    withheld = 0
    for name in ("measures_monthly", "measures_localities_12m"):
        text = pd.read_csv(run / f"{name}.csv", dtype=str, keep_default_na=False)
        typed = pd.read_parquet(run / f"{name}.parquet")
        for col in ("numerator", "denominator"):
            hidden = (text[col] == "c").to_numpy()
            withheld += int((hidden & (typed[f"{col}_status"] == "c").to_numpy()).sum())
            assert typed.loc[hidden, col].isna().all(), (name, col)
            assert (typed.loc[hidden, f"{col}_status"] == "c").all(), (name, col)
    assert withheld > 0


def test_an_unaudited_12_month_cell_is_placed_in_the_12_month_table():
    """Both tables have period_start: the 12-month cells were listed under measures_monthly."""
    from earlyhelp.report.pack import _unaudited_place

    frame = pd.DataFrame({"measure": ["requests", "requests"], "period": ["2025-02", "12 months to 2025-02"],
                          "period_start": pd.to_datetime(["2025-02-01", "2024-03-01"]), "locality": ["A", "A"]})
    assert [_unaudited_place(frame, k, "numerator", "why")["table"] for k in (0, 1)] == \
        ["measures_monthly", "measures_localities_12m"]
