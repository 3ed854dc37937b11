"""Every generated figure of the councils here is within 10% of the published figure it is
calibrated to, or the calibration table says why it cannot be compared. (Not every seed: over
seeds 1-25 of five-year councils at scale 1, 5 of 700 figures were 10.8-12.2% off, as the
synthetic module's docstring says.)"""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import Dataset, synthetic


def _check_table(table: pd.DataFrame) -> None:
    compared = table["generated"].notna() & table["target"].notna()
    assert compared.sum() >= 4, table
    # figures the generator is not tuned to (Wolverhampton's looked-after children) are compared but may be off
    tuned = ~table["note"].astype(str).str.startswith("not tuned to")
    off = table[compared & tuned & ~table["within_10pct"].fillna(False)]
    assert off.empty, off[["figure", "generated", "target", "relative_error"]].to_string()
    # Figures that are not compared must say why.
    for _, row in table[~compared].iterrows():
        assert row["note"], f"{row['figure']} is not compared and gives no reason"
    # within_10pct agrees with the error it reports.
    rel = (table.loc[compared, "generated"] - table.loc[compared, "target"]) / table.loc[compared, "target"]
    assert ((rel.abs() <= 0.1 + 1e-3) == table.loc[compared, "within_10pct"].astype(bool)).all()


def test_coventry_within_10pct(coventry):
    table = synthetic.calibration_table(coventry)
    _check_table(table)
    figures = set(table["figure"])
    for needed in ("requests for support a year", "episodes opened a year", "Early Help Assessments a year",
                   "closed within 16 weeks", "closed with outcomes met", "closures stepped up to social care",
                   "episodes held by partners"):
        assert needed in figures


def test_wolverhampton_within_10pct(wolverhampton):
    table = synthetic.calibration_table(wolverhampton)
    _check_table(table)
    assert "assessments initiated by health" in set(table["figure"])


def test_england_within_10pct(small_england):
    _check_table(synthetic.calibration_table(small_england))


@pytest.mark.parametrize("preset", ["coventry", "wolverhampton"])
@pytest.mark.parametrize("seed", [1, 7])
def test_other_seeds_within_10pct(preset, seed):
    _check_table(synthetic.calibration_table(synthetic.council(preset, years=3, seed=seed)))


def test_half_scale_is_annualised_per_scale():
    table = synthetic.calibration_table(synthetic.council("coventry", years=3, scale=0.5, seed=3))
    _check_table(table)


def test_calibration_table_needs_synthetic_data(coventry):
    with pytest.raises(ValueError, match="earlyhelp.synthetic"):
        synthetic.calibration_table(Dataset.from_frames(**coventry.tables))


def test_a_window_shorter_than_16_months_is_not_compared_with_the_16_month_figure():
    table = synthetic.calibration_table(synthetic.council("wolverhampton", years=1, scale=0.2, seed=2))
    row = table.set_index("figure").loc["children supported in 16 months"]
    assert pd.isna(row["target"]) and pd.isna(row["within_10pct"]) and "shorter than 16 months" in row["note"]
