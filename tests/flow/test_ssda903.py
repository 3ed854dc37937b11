"""read_ssda903 and the statutory tables: de-duplication across years, bad input named."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.data.statutory import care_periods, statutory_events

from _ssda903 import random_return, write_years


@pytest.fixture(scope="module")
def council_return():
    return random_return(np.random.default_rng(1), children=200)


def test_years_are_deduplicated_and_counted(tmp_path, council_return):
    folder = write_years(tmp_path / "903", council_return, [2018, 2019, 2020, 2021])
    ds = earlyhelp.read_ssda903(folder)
    report = ds.meta["ssda903_report"]
    truth = council_return["episodes"]
    truth = truth[truth["DECOM"] <= pd.Timestamp("2021-03-31")]
    truth = truth[truth["DEC"].isna() | (truth["DEC"] >= pd.Timestamp("2017-04-01"))]
    assert len(ds.cla_episodes) == len(truth)
    assert report["episodes_repeated_across_years"] > 0
    # The latest year's closure wins over an earlier year's open episode.
    merged = ds.cla_episodes.set_index(["person_id", "start_date"])["end_date"]
    expect = truth.assign(CHILD=truth["CHILD"].astype(str)).set_index(["CHILD", "DECOM"])["DEC"]
    got = merged.reindex(expect.index)
    assert ((got == expect) | (got.isna() & expect.isna())).all()
    assert set(ds.cla_episodes["placement"].astype(str)) <= {"U4", "U6", "K2", "H5", "P1"}
    assert ds.persons["sex"].isin(["M", "F"]).all()


def test_years_that_disagree_are_named(tmp_path, council_return):
    folder = write_years(tmp_path / "903", council_return, [2019, 2020])
    path = folder / "2020" / "episodes.csv"
    ep = pd.read_csv(path, dtype=str)
    first = pd.read_csv(folder / "2019" / "episodes.csv", dtype=str)
    both = ep.merge(first, on=["CHILD", "DECOM"])["CHILD"].iloc[0]
    ep.loc[ep["CHILD"] == both, "PLACE"] = "R1"
    ep.to_csv(path, index=False)
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(folder)
    problem = next(p for p in err.value.problems if p.column == "PLACE")
    assert problem.table == "episodes" and any(str(both) in str(r) for r in problem.rows)
    assert "2019" in str(problem.value) and "2020" in str(problem.value)


def _write(root, files):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


HEADER = "CHILD,SEX,DOB\n1,1,01/01/2010\n"
COLUMNS = "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n"


def test_a_reason_for_leaving_a_later_year_leaves_blank_is_kept_and_counted(tmp_path):
    root = _write(tmp_path, {"2021/header.csv": HEADER, "2022/header.csv": HEADER,
                             "2021/episodes.csv": COLUMNS + "1,01/05/2020,S,C2,U4,01/03/2021,E4A\n",
                             "2022/episodes.csv": COLUMNS + "1,01/05/2020,S,C2,U4,01/03/2021,\n"})
    ds = earlyhelp.read_ssda903(root)
    assert list(ds.cla_episodes["reason_for_leaving"].astype(str)) == ["E4A"]
    report = ds.meta["ssda903_report"]
    assert report["reason_for_leaving_from_an_earlier_year"] == 1
    assert "2022/episodes.csv line 2" in report["reason_for_leaving_from_an_earlier_year_rows"][0]


@pytest.mark.parametrize("lines", [["1,01/05/2020,S,C2,U4,01/03/2021,E4A", "1,01/05/2020,S,C2,U4,,"],
                                   ["1,01/05/2020,S,C2,U4,,", "1,01/05/2020,S,C2,U4,01/03/2021,E4A"]])
def test_one_file_listing_an_episode_closed_and_open_is_named_whatever_the_order(tmp_path, lines):
    root = _write(tmp_path, {"2021/header.csv": HEADER, "2021/episodes.csv": COLUMNS + "\n".join(lines) + "\n"})
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(root)
    problem = next(p for p in err.value.problems if p.column == "DEC")
    assert problem.table == "episodes" and "one file" in problem.message and "2021/episodes.csv" in str(problem.value)


def test_unknown_placement_code_is_named(tmp_path, council_return):
    folder = write_years(tmp_path / "903", council_return, [2021])
    path = folder / "2021" / "episodes.csv"
    ep = pd.read_csv(path, dtype=str)
    ep.loc[3, "PLACE"] = "ZZ9"
    ep.to_csv(path, index=False)
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(folder)
    # named as the return names it: the file, its line and the SSDA903 column
    problem = next(p for p in err.value.problems if p.column == "PLACE")
    assert problem.table == "episodes (2021/episodes.csv)" and problem.n_rows == 1 and "ZZ9" in str(err.value)
    assert problem.rows[0].startswith("line 5 ")
    ds = earlyhelp.read_ssda903(folder, unknown_codes="keep")
    assert (ds.cla_episodes["placement"] == "unknown").sum() == 1


def test_overlapping_episodes_raise_or_are_cut_with_a_count(tmp_path, council_return):
    folder = write_years(tmp_path / "903", council_return, [2021])
    path = folder / "2021" / "episodes.csv"
    ep = pd.read_csv(path, dtype=str)
    child = ep["CHILD"].value_counts().index[0]
    rows = ep.index[ep["CHILD"] == child]
    ep.loc[rows[0], "DEC"] = ""  # open while the next one runs
    ep.to_csv(path, index=False)
    with pytest.raises(earlyhelp.ValidationError, match="episodes.DEC"):
        earlyhelp.read_ssda903(folder, overlaps="raise")
    ds = earlyhelp.read_ssda903(folder)
    assert ds.meta["ssda903_report"]["overlapping_episodes_truncated"] == 1


def test_overlapping_care_episodes_fail_validation():
    persons = pd.DataFrame({"person_id": ["a", "b"], "birth_date": ["2010-01-01", "2012-01-01"], "sex": ["M", "F"],
                            "ethnicity": ["WBRI", "WBRI"]})
    cla = pd.DataFrame({"cla_episode_id": ["e1", "e2", "e3"], "person_id": ["a", "a", "b"],
                        "start_date": ["2020-01-01", "2020-03-01", "2020-01-01"],
                        "end_date": ["2020-06-01", None, None], "placement": ["U4", "K2", "U6"]})
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.Dataset.from_frames(persons=persons, ssd_cla_episodes=cla, as_of="2024-01-01")
    problem = next(p for p in err.value.problems if p.table == "cla_episodes")
    assert problem.rows == ["e2"] and problem.column == "start_date"


def test_ssd_aliases_and_derived_events():
    persons = pd.DataFrame({"pers_person_id": ["a", "b"], "pers_dob": ["2010-01-01", "2012-01-01"],
                            "pers_sex": ["M", "F"], "pers_ethnicity": ["WBRI", "WBRI"]})
    cin = pd.DataFrame({"cinp_cin_plan_id": ["n1"], "cinp_person_id": ["a"], "cinp_cin_plan_start_date": ["2019-01-01"],
                        "cinp_cin_plan_end_date": ["2019-06-01"]})
    cp = pd.DataFrame({"cppl_cp_plan_id": ["k1"], "cppl_person_id": ["a"], "cppl_cp_plan_start_date": ["2019-06-01"],
                       "cppl_cp_plan_end_date": ["2019-12-01"], "cppl_cp_plan_initial_category": ["NEG"]})
    cla = pd.DataFrame({"clae_cla_episode_id": ["e1", "e2", "e3"], "clae_person_id": ["a", "a", "b"],
                        "clae_cla_episode_start_date": ["2019-12-01", "2020-03-01", "2020-01-01"],
                        "clae_cla_episode_ceased_date": ["2020-03-01", None, "2020-05-01"],
                        "clap_cla_placement_type": ["U4", "K2", "U6"],
                        "clae_cla_episode_ceased_reason": ["X1", None, "E4A"]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, ssd_cin_plans=cin, ssd_cp_plans=cp, ssd_cla_episodes=cla,
                                       as_of="2024-01-01")
    periods = care_periods(ds)
    assert list(periods["episodes"]) == [2, 1]
    ev = statutory_events(ds)
    counts = ev.groupby(["event", "state"]).size().to_dict()
    assert counts == {("entry", "cin"): 1, ("exit", "cin"): 1, ("entry", "cp"): 1, ("exit", "cp"): 1,
                      ("entry", "looked_after"): 2, ("exit", "looked_after"): 1, ("move", "looked_after"): 1}
    move = ev[ev["event"] == "move"].iloc[0]
    assert (move["from_placement"], move["to_placement"]) == ("U4", "K2")


def test_dates_with_a_time_zone_read_as_the_day_written(tmp_path):
    # an ISO date with an offset was parsed time-zone aware, then compared with naive dates: TypeError
    year = tmp_path / "2024"
    year.mkdir()
    (year / "header.csv").write_text("CHILD,SEX,DOB\n1,1,01/01/2010\n")
    (year / "episodes.csv").write_text("CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n"
                                       "1,2023-05-01T23:30:00+01:00,S,C2,U1,2023-06-01T00:00:00Z,E11\n")
    ds = earlyhelp.read_ssda903(tmp_path)
    episode = ds.cla_episodes.iloc[0]
    assert episode["start_date"] == pd.Timestamp("2023-05-01") and episode["end_date"] == pd.Timestamp("2023-06-01")


def test_children_still_in_care_past_18_are_counted_by_the_fit(tmp_path):
    """An episode never closed after the child turned 18: the projection ages such children out
    at the last bracket's rate, the Monte Carlo ends their stay at once; the fit counts them."""
    from earlyhelp.flow import StockFlow

    rows = [(1, "01/06/2001", "01/05/2019"), (2, "01/09/2001", "01/05/2019"), (3, "01/01/2010", "01/05/2019"),
            (4, "01/01/2012", "01/09/2019")]
    header = "CHILD,SEX,DOB\n" + "".join(f"{c},1,{dob}\n" for c, dob, _ in rows)
    episodes = COLUMNS + "".join(f"{c},{decom},S,C2,U4,,\n" for c, _, decom in rows)
    ds = earlyhelp.read_ssda903(_write(tmp_path, {"2021/header.csv": header, "2021/episodes.csv": episodes}))
    # (cs-demand-model's last bracket runs to 30, and its max_age with it: the continuum's ends at 18)
    model = StockFlow("statutory").fit(ds, end="2019-10-01")
    assert model.report["open_at_the_end_past_max_age"] == 2
    assert StockFlow("cs-demand-model").fit(ds, end="2019-10-01").report["open_at_the_end_past_max_age"] == 0


def test_a_councils_own_placement_code_is_mapped_with_a_code_map(tmp_path):
    root = _write(tmp_path, {"2021/header.csv": HEADER, "2021/episodes.csv": COLUMNS + "1,01/05/2020,S,C2,ZZ,,\n"})
    with pytest.raises(earlyhelp.ValidationError, match="code_map"):
        earlyhelp.read_ssda903(root)
    ds = earlyhelp.read_ssda903(root, code_map={"cla_episodes": {"placement": {"ZZ": "K2"}}})
    assert list(ds.cla_episodes["placement"].astype(str)) == ["K2"]


def test_sex_written_1_one_year_and_m_the_next_is_no_disagreement(tmp_path):
    episodes = COLUMNS + "1,01/05/2020,S,C2,U4,,\n"
    root = _write(tmp_path, {"2021/header.csv": HEADER, "2021/episodes.csv": episodes,
                             "2022/header.csv": HEADER.replace("1,1,", "1,M,"), "2022/episodes.csv": episodes})
    assert list(earlyhelp.read_ssda903(root).persons["sex"].astype(str)) == ["M"]
    root = _write(tmp_path / "f", {"2021/header.csv": HEADER, "2021/episodes.csv": episodes,
                                   "2022/header.csv": HEADER.replace("1,1,", "1,F,"), "2022/episodes.csv": episodes})
    with pytest.raises(earlyhelp.ValidationError, match="header.SEX: differs between years"):
        earlyhelp.read_ssda903(root)
