"""Attacks on the publication gate and the pack: no published file may give a hidden count away."""
import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.report.suppression import SUPPRESSED


@pytest.fixture(scope="module")
def pack():
    from earlyhelp.report.pack import PackOptions, build_pack

    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=0)
    return build_pack(ds, PackOptions(months=12))


def test_pack_twelve_month_figure_does_not_give_away_a_hidden_month(pack):
    # a locality's 12-month count is the sum of its twelve monthly counts: beside eleven published
    # months it would reveal the twelfth
    kinds = dict(zip(pack.summary["measure"], pack.summary["kind"]))
    year = pack.localities
    recoverable = []
    for (mid, loc), months in pack.monthly.groupby(["measure", "locality"]):
        if kinds.get(mid) not in ("count", "proportion"):
            continue
        total = year[(year["measure"] == mid) & (year["locality"] == loc)]
        for col in ("numerator", "denominator"):
            if total.empty or total[f"{col}_status"].iloc[0] == SUPPRESSED:
                continue
            hidden = months[f"{col}_status"] == SUPPRESSED
            if hidden.sum() == 1:
                recoverable.append((mid, loc, col, total[col].iloc[0] - months.loc[~hidden, col].sum()))
    assert recoverable == []


def test_pack_stock_twelve_month_figure_matches_last_month_suppression(pack):
    # a stock's 12-month figure is its last month's: hidden in one table -> hidden in the other
    kinds = dict(zip(pack.summary["measure"], pack.summary["kind"]))
    last = pack.monthly[pack.monthly["period_start"] == pack.monthly["period_start"].max()]
    both = last.merge(pack.localities, on=["measure", "locality"], suffixes=("_m", "_y"))
    both = both[both["measure"].map(kinds).isin(["stock", "ratio"])]
    assert len(both)
    assert (both["numerator_status_m"] == both["numerator_status_y"]).all()


def test_suppress_cells_keeps_and_audits_cells_hidden_elsewhere():
    from earlyhelp.report.suppression import suppress_cells

    # nothing small here, but the part 4 is hidden in another table: the gate must hide a partner too
    result = suppress_cells([10, 4, 6], [(0, (1, 2))], threshold=3, hidden=[False, True, False])
    assert result.hidden.tolist() == [False, True, True]
    assert result.n_primary == 0


@pytest.mark.parametrize("counts", [pd.Series([3, 10], dtype=object), pd.Series(["3", "10"]),
                                    pd.Series([3, None, 10], dtype=object).iloc[[0, 2]]])
def test_gate_hides_counts_held_as_text_or_objects(counts):
    from earlyhelp.report.publish import PublishPolicy, publish

    frame = pd.DataFrame({"locality": ["A", "B"], "families": counts.to_numpy()})
    out = publish(frame, PublishPolicy())
    assert out.text["families"].tolist() == [SUPPRESSED, "10"]
    assert out.typed["families"].isna().tolist() == [True, False]
    assert out.record["suppressed"]["families"]["primary"] == 1


def test_gate_hides_text_counts_against_declared_totals():
    from earlyhelp.report.publish import PublishPolicy, publish

    frame = pd.DataFrame({"locality": ["A", "B", "Total"], "families": ["3", "10", "13"]})
    out = publish(frame, PublishPolicy(), totals={"locality": "Total"}, dims=["locality"])
    assert out.text["families"].tolist() == [SUPPRESSED, SUPPRESSED, "13"]


def test_gate_leaves_text_columns_that_are_not_counts():
    from earlyhelp.report.publish import count_columns

    frame = pd.DataFrame({"family_type": ["3", "lone parent"], "child_age_band": ["0-4", "5-9"]})
    assert count_columns(frame) == []


def test_shown_count_hides_a_count_written_as_text():
    from earlyhelp.report.suppression import shown_count

    assert shown_count("3") == SUPPRESSED
    assert shown_count(" 1,234 ") == "1,234"
    assert shown_count("c") == SUPPRESSED and shown_count("none") == "none"


@pytest.mark.parametrize("num, den, column", [([1, np.nan], [10, 20], "numerator"),
                                              ([1, 2], [10, np.nan], "denominator"),
                                              ([30, 2], [10, 20], "numerator")])
def test_funnel_names_the_bad_unit_instead_of_blanking_every_limit(num, den, column):
    from earlyhelp.measures import spc

    with pytest.raises(earlyhelp.ValidationError) as err:
        spc.funnel(num, den, labels=["North", "South"])
    problem = err.value.problems[0]
    assert problem.column == column and problem.table == "funnel"
    assert list(problem.rows) in (["North"], ["South"])


def test_funnel_with_no_units_says_so():
    from earlyhelp.measures import spc

    with pytest.raises(earlyhelp.ValidationError, match="no units"):
        spc.funnel([], [])


@pytest.mark.parametrize("derived, column", [({"rate": ["famlies"]}, "famlies"), ({"rte": ["families"]}, "rte"),
                                             ({"rate": ["locality"]}, "locality")])
def test_gate_rejects_derived_columns_it_cannot_withhold(derived, column):
    from earlyhelp.report.publish import PublishPolicy, publish

    frame = pd.DataFrame({"locality": ["A", "B"], "families": [3, 10], "rate": [0.1, 0.2]})
    with pytest.raises(earlyhelp.ValidationError) as err:
        publish(frame, PublishPolicy(), derived=derived)
    assert [p.column for p in err.value.problems] == [column]


def test_gate_withholds_a_rate_built_on_a_hidden_count():
    from earlyhelp.report.publish import PublishPolicy, publish

    frame = pd.DataFrame({"locality": ["A", "B"], "families": [3, 10], "rate": [0.1, 0.2]})
    out = publish(frame, PublishPolicy(), derived={"rate": ["families"]})
    assert out.text["rate"].tolist() == [SUPPRESSED, 0.2]


def test_full_width_formula_characters_are_neutralised_in_the_pack_and_the_gate():
    from earlyhelp.report import pack, publish as gate

    frame = pd.DataFrame({"name": ["\uff1dHYPERLINK(\"x\")", "\uff0b1", "\uff20a", "=1", "ok"]})
    for out in (pack.neutralise_formulas(frame), gate.neutralise_formulas(frame)[0]):
        assert out["name"].tolist()[:4] == ["'" + v for v in frame["name"][:4]]
        assert out["name"].iloc[4] == "ok"


def test_months_that_are_not_whole_stay_out_of_the_charts():
    """Two years of data and a 24-month pack: re-referrals in the first year cannot see a full
    12 months back. They are shown in the tables but do not count in the chart and its limits."""
    from earlyhelp.report.dashboard import render_dashboard
    from earlyhelp.report.pack import ALL, PackOptions, build_pack

    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2, seed=0)
    pack = build_pack(ds, PackOptions(months=24, measures=["rereferrals_12m", "requests"]))
    rows = pack.monthly[(pack.monthly["measure"] == "rereferrals_12m") & (pack.monthly["locality"] == ALL)]
    part = ~rows["complete"].to_numpy(dtype=bool)
    assert 0 < part.sum() < len(rows)
    chart = pack.charts["rereferrals_12m"]
    assert np.isnan(chart["value"].to_numpy(dtype=float)[part]).all()
    summary = pack.summary.set_index("measure")
    assert summary.loc["rereferrals_12m", "incomplete"] == part.sum()
    assert summary.loc["requests", "incomplete"] == 0 and summary.loc["requests", "points"] == 24
    assert "left out of the charts" in render_dashboard(pack, PackOptions(months=24))


def test_a_yearly_survey_shows_its_latest_answers(pack):
    """Family-voice answers come each November: the tile shows November's figure and says so,
    not an empty March."""
    row = pack.summary.set_index("measure").loc["family_voice_positive"]
    assert row["latest_period"].endswith("-11") and 0 < row["latest"] <= 1
    requests = pack.summary.set_index("measure").loc["requests"]
    assert requests["latest_period"] == pack.window["last_month"]


def test_chart_month_labels_stay_inside_the_chart(pack):
    """The last month's label ended past the chart's right edge ('2025-0')."""
    import re

    from earlyhelp.report.dashboard import xmr_svg

    chart = pack.charts["requests"]
    svg = xmr_svg(chart, "Requests", "count", "neither")
    labels = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="(\w+)"[^>]*>(\d{4}-\d\d)</text>', svg)
    assert [a for _, a, _ in labels] == ["start", "middle", "end"]
    assert labels[-1][2] == str(chart.index[-1])
