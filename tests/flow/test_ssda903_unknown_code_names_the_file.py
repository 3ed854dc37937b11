"""read_ssda903: a code not in its list is named as the return names it, by file, line and
SSDA903 column (PLACE, not the Dataset's placement), with the value and the code map that fixes
it, like every other read_ssda903 problem."""
from __future__ import annotations

import pytest

import earlyhelp
from earlyhelp._errors import CodeMapFix


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


HEADER = "CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2015,WBRI\n2,2,01/01/2016,WBRI\n3,1,01/01/2014,WBRI\n"


def _return(tmp_path, place="U7", ls="C2", ethnic="WBRI"):
    episodes = ("CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n1,01/05/2023,S,C2,U1,,\n"
                f"2,01/06/2023,S,{ls},{place},,\n3,01/07/2023,S,C2,{place},,\n")
    return _write(tmp_path, {"2024/header.csv": HEADER.replace("3,1,01/01/2014,WBRI", f"3,1,01/01/2014,{ethnic}"),
                             "2024/episodes.csv": episodes})


def test_an_unknown_placement_names_the_file_lines_and_column(tmp_path):
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(_return(tmp_path))
    [problem] = err.value.problems
    assert problem.table == "episodes (2024/episodes.csv)" and problem.column == "PLACE"
    assert list(problem.rows) == ["line 3 (CHILD 2)", "line 4 (CHILD 3)"] and problem.n_rows == 2
    assert problem.value == "U7" and "'U7' x2" in problem.message
    assert problem.fix == CodeMapFix("cla_episodes", "placement", ["U7"], problem.fix.allowed)
    assert "episodes (2024/episodes.csv).PLACE" in str(err.value)
    assert "[source.code_map.cla_episodes.placement]" in err.value.format("toml")


def test_each_code_column_of_each_file_is_named(tmp_path):
    with pytest.raises(earlyhelp.ValidationError) as err:
        earlyhelp.read_ssda903(_return(tmp_path, place="U1", ls="Q9", ethnic="ZZZZ"))
    named = {(p.table, p.column, tuple(p.rows)) for p in err.value.problems}
    assert named == {("episodes (2024/episodes.csv)", "LS", ("line 3 (CHILD 2)",)),
                     ("header (2024/header.csv)", "ETHNIC", ("line 4 (CHILD 3)",))}


def test_a_code_map_or_keep_reads_them(tmp_path):
    folder = _return(tmp_path)
    ds = earlyhelp.read_ssda903(folder, code_map={"cla_episodes": {"placement": {"U7": "U3"}}})
    assert list(ds.cla_episodes["placement"].astype(str)) == ["U1", "U3", "U3"]
    ds = earlyhelp.read_ssda903(folder, unknown_codes="keep")
    assert (ds.cla_episodes["placement"] == "unknown").sum() == 2
    # a code the code list reads whatever its case is no unknown code
    ds = earlyhelp.read_ssda903(_return(tmp_path / "lower", place="u1"))
    assert (ds.cla_episodes["placement"] == "U1").all()
