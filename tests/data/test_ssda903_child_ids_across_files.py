"""read_ssda903 compares CHILD ids across the header and episodes files of every year alike: an id
that differs only by leading zeros or case between a header and an episodes file is refused, naming
both files and lines, never dropped as an episode 'without a header'."""
from __future__ import annotations

import pytest

from earlyhelp import ValidationError, read_ssda903

from _ssda903_files import folder  # noqa: E402

HEADER = "CHILD,SEX,DOB,ETHNIC\n{child},1,01/01/2015,WBRI\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n"


def test_a_later_episodes_file_that_lost_the_zeros_is_refused_naming_both_files(tmp_path):
    root = folder(tmp_path, {
        "2023/header.csv": HEADER.format(child="001"),
        "2023/episodes.csv": EPISODES + "001,01/05/2023,S,C2,N1,U1,PR1,,\n",
        "2024/header.csv": HEADER.format(child="001"),
        "2024/episodes.csv": EPISODES + "1,01/05/2023,S,C2,N1,U1,PR1,01/09/2024,E13\n"})
    with pytest.raises(ValidationError) as err:
        read_ssda903(root, as_of="2025-06-01")
    text = str(err.value)
    assert "episodes.CHILD: ids that differ only by leading zeros or case" in text
    assert "001 (header 2023/header.csv line 2)" in text
    assert "1 (episodes 2024/episodes.csv line 2)" in text


@pytest.mark.parametrize("in_header, in_episodes", [("001", "1"), ("AB12", "ab12"), ("0ab12", "AB12")])
def test_one_years_header_and_episodes_writing_an_id_two_ways_is_refused(tmp_path, in_header, in_episodes):
    root = folder(tmp_path, {
        "2023/header.csv": HEADER.format(child=in_header),
        "2023/episodes.csv": EPISODES + f"{in_episodes},01/05/2023,S,C2,N1,U1,PR1,,\n"})
    with pytest.raises(ValidationError, match=rf"episodes.CHILD: ids that differ only by leading zeros or case.*"
                                              rf"{in_header} / {in_episodes}.*2023/episodes.csv line 2"):
        read_ssda903(root, as_of="2025-06-01")


def test_header_ids_differing_by_case_between_years_are_refused(tmp_path):
    root = folder(tmp_path, {
        "2023/header.csv": HEADER.format(child="AB12"),
        "2023/episodes.csv": EPISODES + "AB12,01/05/2023,S,C2,N1,U1,PR1,,\n",
        "2024/header.csv": HEADER.format(child="ab12"),
        "2024/episodes.csv": EPISODES + "ab12,01/05/2023,S,C2,N1,U1,PR1,01/09/2024,E13\n"})
    with pytest.raises(ValidationError, match=r"header.CHILD: ids that differ only by leading zeros or case.*"
                                              r"AB12 \(header 2023/header.csv line 2\) and ab12 \(header 2024"):
        read_ssda903(root, as_of="2025-06-01")


def test_an_episode_of_a_child_no_header_lists_is_still_dropped_and_counted(tmp_path):
    root = folder(tmp_path, {
        "2023/header.csv": HEADER.format(child="001"),
        "2023/episodes.csv": EPISODES + "001,01/05/2023,S,C2,N1,U1,PR1,,\n2,01/05/2023,S,C2,N1,U1,PR1,,\n"})
    report = read_ssda903(root, as_of="2025-06-01").meta["ssda903_report"]
    assert report["episodes_without_header_dropped"] == 1
    assert report["episodes_without_header_children"] == ["2"]
