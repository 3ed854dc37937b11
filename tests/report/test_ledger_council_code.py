"""A council's earlier packs are found by its council code, not by the name it goes by.

January's pack written for "Coventry" and February's for "Coventry City Council" (the same
council_code E08000026, the same folder) were matched by name only: February ignored January
without a word, and read together the two packs gave 13 hidden counts back. Packs of one code are
one council's, whatever their names (run.json says so); packs written before run.json recorded a
code are matched by name, and a folder holding runs of other names is warned of, naming them."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.report.ledger import OtherCouncilRunsWarning, earlier_runs
from earlyhelp.report.pack import PackOptions, write_pack

from _ledger_attack import pack_tables, worked_out

MEASURES = ["requests", "episodes_opened", "children_referred"]


@pytest.fixture(scope="module")
def council():
    return synthetic.council("coventry", years=3, scale=0.1, seed=4)


def _renamed(ds, name, code=None):
    loc = ds.localities.copy()
    loc["council_name"] = name
    if code is not None:
        loc["council_code"] = code
    return ds.replace(localities=loc)


@pytest.fixture(scope="module")
def renamed_folder(council, tmp_path_factory):
    out = tmp_path_factory.mktemp("renamed")
    first = write_pack(council, out, options=PackOptions(months=12, end="2025-01-31", measures=MEASURES))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        second = write_pack(_renamed(council, "Coventry City Council"), out,
                            options=PackOptions(months=12, end="2025-02-28", measures=MEASURES))
    return first, second, caught


def test_run_json_records_the_council_code(renamed_folder, council):
    first, _, _ = renamed_folder
    record = json.loads((first / "run.json").read_text())
    assert record["council_code"] == str(council.localities["council_code"].iloc[0])


def test_a_renamed_council_of_the_same_code_reads_its_earlier_pack(renamed_folder, council):
    first, second, caught = renamed_folder
    record = json.loads((second / "run.json").read_text())
    code = str(council.localities["council_code"].iloc[0])
    assert record["council"] == "Coventry City Council"
    read = record["earlier_runs"]
    assert [r["run_id"] for r in read] == [first.name]
    assert read[0]["matched_by"] == "council_code" and read[0]["council"] != "Coventry City Council"
    assert read[0]["council_code"] == code
    assert record["council_renamed_from"] == [read[0]["council"]]
    # the same code under another name is this council: no warning of another council's runs
    assert not [w for w in caught if issubclass(w.category, OtherCouncilRunsWarning)]
    found = earlier_runs(first.parent, "Coventry City Council", code=code)
    assert len(found) == 2


def test_two_packs_of_a_renamed_council_give_no_hidden_count_back(renamed_folder):
    first, second, _ = renamed_folder
    kinds = pd.read_csv(first / "catalogue.csv").set_index("id")["kind"].to_dict()
    assert worked_out([t for run in (first, second) for t in pack_tables(run)], kinds) == []


def test_another_code_is_another_council_and_is_warned_of(council, tmp_path):
    first = write_pack(council, tmp_path, options=PackOptions(months=12, end="2025-01-31", measures=MEASURES))
    with pytest.warns(OtherCouncilRunsWarning, match=first.name):
        found = earlier_runs(tmp_path, "Coventry", code="E08000099")
    assert found == []


def test_a_run_without_a_code_is_matched_by_name_and_other_names_are_warned_of(council, tmp_path):
    first = write_pack(council, tmp_path, options=PackOptions(months=12, end="2025-01-31", measures=MEASURES))
    record = json.loads((first / "run.json").read_text())
    record.pop("council_code")                    # as packs wrote it before the code was recorded
    text = json.dumps(record, indent=2, sort_keys=True) + "\n"
    (first / "run.json").write_text(text)
    code = str(council.localities["council_code"].iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", OtherCouncilRunsWarning)
        assert len(earlier_runs(tmp_path, record["council"], code=code)) == 1
    with pytest.warns(OtherCouncilRunsWarning, match="matched by name"):
        assert earlier_runs(tmp_path, "Coventry City Council", code=code) == []
