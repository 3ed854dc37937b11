"""A ragged row (more or fewer fields than the header) is named by the line it is on in the
file, as an editor shows it, after quoted line breaks and blank lines too."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError, read_dataset

HEADER = "episode_id,family_id,start_date,end_date,reason\n"


def ragged_problem(tmp_path, text: str, newline: str = "\n"):
    (tmp_path / "episodes.csv").write_bytes(text.replace("\n", newline).encode())
    with pytest.raises(ValidationError) as caught:
        read_dataset(tmp_path, as_of="2025-01-01")
    found = [p for p in caught.value.problems if "different number of fields" in p.message]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_after_a_quoted_line_break_and_a_blank_line(tmp_path, newline):
    # before: "line 3": Arrow's count of records, which skips the blank line and the line break
    text = (HEADER
            + 'E1,F1,03/04/2023,01/06/2023,"first line\nsecond line"\n'   # lines 2-3
            + "\n"                                                           # line 4
            + "E2,F1,2023-02-01,,x,EXTRA\n"                                  # line 5
            + "E3,F1,2023-02-01,,y\n")
    found = ragged_problem(tmp_path, text, newline)
    assert list(found.rows) == ["line 5"] and found.n_rows == 1
    assert "e.g. line 5 has 6" in found.message


def test_several_ragged_rows_each_on_its_line(tmp_path):
    text = (HEADER + "\n\n"                                   # lines 2-3 blank
            + "E1,F1,2023-01-01,,a,b\n"                       # line 4: 6 fields
            + 'E2,F1,2023-01-01,,"a\n\nb"\n'                  # lines 5-7
            + "E3,F1,2023-01-01\n"                            # line 8: 3 fields
            + "E4,F1,2023-01-01,,d\n")
    found = ragged_problem(tmp_path, text)
    assert list(found.rows) == ["line 4", "line 8"] and found.n_rows == 2
    assert "e.g. line 4 has 6" in found.message


def test_a_plain_file_names_the_same_line_as_before(tmp_path):
    found = ragged_problem(tmp_path, HEADER + "E1,F1,2023-01-01,,a\nE2,F1,2023-01-01,,b,c\n")
    assert list(found.rows) == ["line 3"]
