"""read_ssda903: an episode whose DEC is before its DECOM is named by file, line, CHILD and the
SSDA903 column, as every other problem of the return (it came from the Dataset's validation,
naming cla_episodes.end_date and a made-up episode id)."""
from __future__ import annotations

import pytest

import earlyhelp
from earlyhelp import ValidationError

HEADER = "CHILD,SEX,DOB\n1,1,01/01/2010\n2,2,01/01/2011\n"
COLUMNS = "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n"


@pytest.mark.parametrize("overlaps", ["truncate", "raise"])
def test_an_episode_ceasing_before_it_starts_is_named_by_file_and_line(tmp_path, overlaps):
    (tmp_path / "2023").mkdir()
    (tmp_path / "2023" / "header.csv").write_text(HEADER)
    (tmp_path / "2023" / "episodes.csv").write_text(COLUMNS + "1,01/05/2023,S,C2,U1,01/04/2023,E4A\n"
                                                    "2,01/05/2023,S,C2,U1,,\n")
    with pytest.raises(ValidationError) as info:
        earlyhelp.read_ssda903(tmp_path, overlaps=overlaps)
    [problem] = info.value.problems
    assert (problem.table, problem.column) == ("episodes", "DEC")
    assert list(problem.rows) == ["2023/episodes.csv line 2 (CHILD 1)"]
    assert problem.value == "DECOM 01/05/2023, DEC 01/04/2023"


def test_the_fault_is_listed_under_raises():
    assert "DEC is before its DECOM" in earlyhelp.read_ssda903.__doc__
