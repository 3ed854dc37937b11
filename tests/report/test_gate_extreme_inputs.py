"""The gate and the pack on extreme inputs: counts too large for a whole number, ids read as
floats, a dataset with nothing to report."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp import ValidationError
from earlyhelp.report.pack import PackOptions, build_pack
from earlyhelp.report.publish import PublishPolicy, publish
from earlyhelp.report.suppression import suppress

KEY = b"0123456789abcdefghijklmnopqrstuvwxyz"


def test_a_count_too_large_to_keep_is_refused_not_published_as_another_number():
    """Cast to int64, 2**63 + 13 was published as -9223372036854775808."""
    frame = pd.DataFrame({"k": ["a", "b", "Total"], "count": [2**63 + 10, 3, 2**63 + 13]})
    with pytest.raises(ValidationError, match="cannot be kept exactly") as err:
        suppress(frame, totals={"k": "Total"})
    assert err.value.problems[0].rows == [0, 2]
    gate = pd.DataFrame({"locality": ["a", "b", "Total"], "families": [1e19, 3, 1e19 + 3]})
    with pytest.raises(ValidationError, match="cannot be kept exactly"):
        publish(gate, PublishPolicy(), totals={"locality": "Total"})


def test_an_id_read_as_a_float_gets_the_pseudonym_of_the_same_id_written_whole():
    """A family id column with a gap is read as floats: 5.0 got another pseudonym than 5, so one
    family had two pseudonyms across tables (pseudonymise() already treats them as one id)."""
    policy = PublishPolicy(pseudonymise=True, key=KEY)
    with_gap = publish(pd.DataFrame({"family_id": [5.0, np.nan]}), policy).text["family_id"]
    whole = publish(pd.DataFrame({"family_id": ["5"]}), policy).text["family_id"]
    assert with_gap.iloc[0] == whole.iloc[0] and pd.isna(with_gap.iloc[1])


def test_a_dataset_with_no_requests_or_episodes_is_refused():
    ds = earlyhelp.synthetic.council("coventry", years=1, scale=0.1, seed=4)
    tables = {k: v.iloc[:0] for k, v in ds.tables.items()}
    tables["localities"] = ds.localities
    for meta in (ds.meta, {}):
        with pytest.raises(ValidationError) as err:
            build_pack(earlyhelp.Dataset(tables, meta=meta), PackOptions(months=3))
        assert [p.table for p in err.value.problems] == ["requests", "episodes"]


@pytest.mark.parametrize("values", [[10, -3, 12], [10, np.inf, 12], ["10", "-inf", "4"]])
def test_negative_or_infinite_count_is_refused_by_row(values):
    frame = pd.DataFrame({"locality": ["A", "B", "C"], "count": values})
    with pytest.raises(ValidationError) as err:
        publish(frame, PublishPolicy())
    problem = err.value.problems[0]
    assert (problem.table, problem.column, list(problem.rows)) == ("publish", "count", [1])


def test_negative_count_refused_with_totals_too():
    frame = pd.DataFrame({"locality": ["A", "B", "All"], "count": [10, -3, 7]})
    with pytest.raises(ValidationError, match="0 or more"):
        publish(frame, PublishPolicy(), totals={"locality": "All"}, dims=["locality"])
