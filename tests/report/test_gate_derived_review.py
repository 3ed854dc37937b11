"""Nothing derived from a hidden count may reveal it: undeclared rates, shares and totals at the
gate, and parts of one total published as different measures of the pack."""
import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.report.publish import PublishPolicy, count_columns, publish
from earlyhelp.report.suppression import SUPPRESSED


def _rates() -> pd.DataFrame:
    return pd.DataFrame({"locality": ["North", "South", "East"], "requests": [3, 40, 120],
                         "population": [3000, 4000, 5000], "rate_per_10k": [10.0, 100.0, 240.0]})


def test_undeclared_rate_is_withheld_where_its_count_is_hidden():
    # rate * population / 10,000 = the hidden count
    # population's whole numbers would be read as a count (counts are found by value): declared not one
    out = publish(_rates(), PublishPolicy(), not_counts=["population"])
    assert out.text["requests"].tolist()[0] == SUPPRESSED
    assert out.text["rate_per_10k"].iloc[0] == SUPPRESSED
    assert pd.isna(out.typed["rate_per_10k"].iloc[0])
    assert out.typed["rate_per_10k"].iloc[1] == 100.0
    # every number of the row that is not a count, a key or a place in time: the gate does not
    # guess which are safe; the population is shown when declared independent
    assert out.record["withheld_derived"] == {"population": 1, "rate_per_10k": 1}
    shown = publish(_rates(), PublishPolicy(), not_counts=["population"], independent=["population"])
    assert shown.record["withheld_derived"] == {"rate_per_10k": 1}


@pytest.mark.parametrize("name", ["change", "difference", "delta", "ci_low", "ci_high", "ratePer10k",
                                  "percentOfAll", "fraction", "yoy"])
def test_numbers_of_any_name_beside_a_hidden_count_are_withheld(name):
    # a year-on-year change, an interval, a camelCase rate: each gives the hidden 3 away
    frame = pd.DataFrame({"locality": ["North", "South"], "year": [2024, 2024], "families": [3, 20],
                          name: [-7.0, 2.0]})
    out = publish(frame, PublishPolicy())
    assert out.text["families"].iloc[0] == SUPPRESSED
    assert out.text[name].iloc[0] == SUPPRESSED and float(out.text[name].iloc[1]) == 2.0
    assert out.text["year"].tolist() == [2024, 2024]   # a place in time, not derived from the count


@pytest.mark.parametrize("name", ["percent", "pct", "mean_days", "ratio", "avg_age", "% of requests", "utilization"])
def test_any_name_that_says_derived_is_withheld(name):
    frame = pd.DataFrame({"locality": ["North", "South", "East"], "episodes": [2, 50, 60],
                          name: [1.5, 37.0, 44.5]})
    out = publish(frame, PublishPolicy(), totals=None)
    assert out.text[name].iloc[0] == SUPPRESSED
    assert pd.isna(out.typed[name].iloc[0])


def test_value_beside_numerator_and_denominator_is_withheld():
    frame = pd.DataFrame({"measure": ["outcomes_met"] * 2, "locality": ["North", "South"],
                          "numerator": [4, 30], "denominator": [40, 60], "value": [0.1, 0.5],
                          "lo": [0.04, 0.37], "hi": [0.23, 0.63]})
    out = publish(frame, PublishPolicy())
    assert out.text.loc[0, "numerator"] == SUPPRESSED
    assert out.text.loc[0, ["value", "lo", "hi"]].tolist() == [SUPPRESSED] * 3
    assert out.text.loc[1, "value"] != SUPPRESSED


def test_independent_column_is_kept_and_recorded():
    frame = _rates().assign(national_rate=[55.0, 55.0, 55.0])
    out = publish(frame, PublishPolicy(), independent=["national_rate"])
    assert out.text["national_rate"].tolist()[0] != SUPPRESSED
    assert out.record["independent"] == ["national_rate"]
    with pytest.raises(ValidationError, match="independent"):
        publish(frame, PublishPolicy(), independent=["national_rte"])


def test_a_run_folder_passes_independent_columns_to_the_gate(tmp_path):
    from earlyhelp.report.runfolder import RunFolder

    frame = _rates().assign(national_rate=[55.0, 55.0, 55.0])
    with RunFolder(tmp_path, "run") as folder:
        folder.write_table("rates", frame, independent=["national_rate"])
    written = pd.read_csv(tmp_path / "run" / "rates.csv", dtype=str)
    assert float(written.loc[0, "national_rate"]) == 55.0 and written.loc[0, "rate_per_10k"] == SUPPRESSED


def test_share_of_the_column_total_needs_a_second_hidden_count():
    # share = count / total: any shown row gives the total (40 / share), less the shown counts
    frame = pd.DataFrame({"locality": ["North", "South", "East"], "requests": [3, 40, 120]})
    frame["share"] = frame["requests"] / frame["requests"].sum()
    out = publish(frame, PublishPolicy())
    hidden = (out.text["requests"] == SUPPRESSED).to_numpy()
    assert hidden.sum() == 2
    shown = frame[~hidden]
    total = float(shown["requests"].iloc[0] / shown["share"].iloc[0])
    assert total - shown["requests"].sum() == 43          # only the sum of the two hidden counts
    assert (out.text.loc[hidden, "share"] == SUPPRESSED).all()
    assert out.record["suppressed"]["requests"] == {"primary": 1, "secondary": 1}


def test_total_column_beside_a_hidden_part_is_withheld():
    frame = pd.DataFrame({"locality": ["North", "South"], "families_level_2": [3, 20],
                          "families_level_3": [40, 25], "total_families": [43, 45]})
    out = publish(frame, PublishPolicy())
    assert out.text.loc[0, "families_level_2"] == SUPPRESSED
    assert out.text.loc[0, "total_families"] == SUPPRESSED
    assert str(out.text.loc[1, "total_families"]) == "45"


def test_a_rate_of_people_is_not_a_count_even_when_whole():
    from earlyhelp.report.publish import derived_columns

    frame = pd.DataFrame({"practitioner_id": ["a", "b"], "open_families": [3, 12], "families_per_fte": [3.0, 12.0]})
    assert count_columns(frame) == ["open_families"]
    assert derived_columns(frame, ["open_families"]) == ["families_per_fte"]
    out = publish(frame, PublishPolicy())
    assert out.text.loc[0, "families_per_fte"] == SUPPRESSED
    assert float(out.text.loc[1, "families_per_fte"]) == 12.0


def test_rows_without_a_hidden_count_and_empty_cells_are_untouched():
    frame = pd.DataFrame({"locality": ["North", "South"], "families": [3, 20], "rate": [np.nan, 4.0]})
    out = publish(frame, PublishPolicy())
    assert "withheld_derived" not in out.record
    assert out.text.loc[1, "rate"] == 4.0


# -- the pack: parts of one denominator published as different measures --------------------------
@pytest.fixture(scope="module")
def pack():
    from earlyhelp.report.pack import PackOptions, build_pack

    ds = earlyhelp.synthetic.council("coventry", years=3, scale=0.3, seed=1)
    return build_pack(ds, PackOptions(months=12, measures=["level_2_share", "level_3_share", "level_4_share",
                                                           "episodes_opened"]))


LEVELS = ["level_2_share", "level_3_share", "level_4_share"]


def test_level_shares_hide_the_same_denominator(pack):
    for frame in (pack.monthly, pack.localities):
        part = frame[frame["measure"].isin(LEVELS)]
        keys = ["period", "locality"]
        status = part.pivot_table(index=keys, columns="measure", values="denominator_status", aggfunc="first",
                                  observed=True)
        assert (status.nunique(axis=1) == 1).all()


def test_no_hidden_level_is_the_denominator_less_the_other_levels(pack):
    # levels 2, 3 and 4 are every episode with a level: two shown levels and the shown
    # denominator would give the third away, in a month or over the 12 months
    from earlyhelp.report.suppression import _algebraically_determined

    found = 0
    for frame in (pack.monthly, pack.localities):
        part = frame[frame["measure"].isin(LEVELS)]
        slots = part.groupby(["period", "locality"], observed=True)
        for _, rows in slots:
            hidden = np.r_[(rows["numerator_status"] == SUPPRESSED).to_numpy(),
                           rows["denominator_status"].iloc[:1].eq(SUPPRESSED).to_numpy()]
            if hidden.any():
                found += 1
                values = np.zeros(len(hidden))
                determined = _algebraically_determined([(len(rows), tuple(range(len(rows))))], values, hidden)
                assert determined.size == 0, rows[["measure", "period", "locality", "numerator", "denominator"]]
    assert found
    assert pack.suppression["level_2_share"]["secondary"] + pack.suppression["level_3_share"]["secondary"] \
        + pack.suppression["level_4_share"]["secondary"] > 0
