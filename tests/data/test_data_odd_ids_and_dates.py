"""Reviewed cases of the data layer: ids held as huge floats, Arrow dates, date objects in several
time zones, and a snapshot before the birth of a child referred before birth."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from earlyhelp import Dataset, ValidationError, synthetic


def test_an_id_held_as_a_float_too_large_to_be_exact_is_named():
    with pytest.raises(ValidationError, match="persons.person_id.*too large"):
        Dataset.from_frames(persons=pd.DataFrame({"person_id": [1e20, 2.0]}), as_of="2025-01-01")
    ok = Dataset.from_frames(persons=pd.DataFrame({"person_id": [1001.0, 2.0]}), as_of="2025-01-01")
    assert ok.persons["person_id"].tolist() == ["1001", "2"]


@pytest.mark.parametrize("dtype", ["date32[pyarrow]", "timestamp[us, tz=Europe/London][pyarrow]"])
def test_arrow_dates_load_as_their_days(dtype):
    values = [dt.date(2015, 3, 1), None] if dtype.startswith("date") else \
        [pd.Timestamp("2015-03-01 23:30", tz="Europe/London"), None]
    persons = pd.DataFrame({"person_id": ["P1", "P2"], "birth_date": pd.array(values, dtype=dtype)})
    ds = Dataset.from_frames(persons=persons, as_of="2025-01-01")
    assert ds.persons["birth_date"].iloc[0] == pd.Timestamp("2015-03-01")
    assert ds.persons["birth_date"].isna().iloc[1]


def test_date_objects_in_several_time_zones_keep_their_own_days():
    given = [pd.Timestamp("2020-01-03 00:30", tz="Europe/Paris"), pd.Timestamp("2020-01-02 23:30", tz="UTC")]
    ds = Dataset.from_frames(persons=pd.DataFrame({"person_id": ["P1", "P2"], "birth_date": given}),
                             as_of="2025-01-01")
    assert ds.persons["birth_date"].dt.date.astype(str).tolist() == ["2020-01-03", "2020-01-02"]


def test_a_snapshot_keeps_a_child_referred_before_birth_as_an_expected_birth():
    ds = synthetic.council("coventry", years=2, scale=0.2, seed=1)
    cut = pd.Timestamp("2023-06-30")
    born_later = ds.persons.loc[ds.persons["birth_date"] > cut, "person_id"]
    named = ds.requests.loc[(ds.requests["received_date"] <= cut) & ds.requests["person_id"].isin(born_later),
                            "person_id"]
    assert len(named), "the synthetic council has pre-birth requests"
    snap = ds.snapshot(cut)
    snap.validate(as_of=cut)   # every remaining row's person is there
    kept = snap.persons.set_index("person_id").loc[named.unique()]
    assert kept["expected_birth"].all()
    others = set(born_later) - set(snap.persons["person_id"])
    assert others, "children born later whom no row names are not known yet"


def _return_folder(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


HEADER = "CHILD,SEX,DOB\n001,1,01/02/2010\n"
EPISODES = "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n"


@pytest.mark.parametrize("first, second", [("open", "closed"), ("closed", "open")])
def test_two_files_of_one_year_disagreeing_on_an_end_are_a_problem_whatever_their_names(tmp_path, first, second):
    from earlyhelp import read_ssda903

    rows = {"open": "001,01/05/2023,S,C2,U1,,\n", "closed": "001,01/05/2023,S,C2,U1,01/06/2023,E11\n"}
    folder = _return_folder(tmp_path / "r", {"2023/header.csv": HEADER, "2023/episodes.csv": EPISODES + rows[first],
                                             "2023/episodes_b.csv": EPISODES + rows[second]})
    with pytest.raises(ValidationError, match="episodes.DEC: blank in one row and filled in another of one return"):
        read_ssda903(folder, as_of="2025-01-01")


def test_child_ids_differing_by_leading_zeros_are_named(tmp_path):
    from earlyhelp import read_ssda903

    episode = "{child},01/05/2021,S,C2,U1,,\n"
    folder = _return_folder(tmp_path / "r", {
        "2022/header.csv": HEADER, "2022/episodes.csv": EPISODES + episode.format(child="001"),
        "2023/header.csv": HEADER.replace("001,", "1,"), "2023/episodes.csv": EPISODES + episode.format(child="1")})
    with pytest.raises(ValidationError, match=r"header.CHILD: ids that differ only by leading zeros.*001 / 1"):
        read_ssda903(folder, as_of="2025-01-01")


def test_a_synthetic_council_generated_past_today_passes_its_own_validation():
    ds = synthetic.council("coventry", years=1, scale=0.02, seed=0, end_date="2030-03-31")
    ds.validate()                          # its world runs to its end date
    ds.check_tables(["requests", "episodes"])
    with pytest.raises(ValidationError, match="future"):
        ds.validate(as_of=pd.Timestamp.today())   # asked about today, its later dates are problems
