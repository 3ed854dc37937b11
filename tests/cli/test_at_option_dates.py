"""``--at`` of ``score`` and ``network``: a mistyped year is bad input (exit 2, naming --at), not a
crash a scheduler retries; ``score``'s hint names the earliest --at that can work; network's
warning for a date after the data says what it does (leaving dates recorded up to then apply)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from earlyhelp import ValidationError, read_dataset
from earlyhelp.cli.asof import as_of
from earlyhelp.cli.main import cli
from earlyhelp.data import write_dataset


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("at")
    write_dataset(synthetic.council(preset="coventry", years=3, scale=0.05, seed=4), folder, format="csv")
    return folder


@pytest.mark.parametrize("text", ["0224-03-31", "2924-03-31", "9999-12-31"])
def test_a_year_pandas_cannot_hold_is_refused_naming_the_option(text):
    with pytest.raises(ValidationError) as caught:
        as_of(text, pd.Timestamp("2025-03-31"), after_end="")
    (problem,) = caught.value.problems
    assert problem.column == "--at" and "year" in problem.message and "YYYY-MM-DD" in problem.message


@pytest.mark.parametrize("text", ["20240331", "2024-W10", "2024-W10-1"])
def test_only_the_written_form_the_help_gives_is_taken(text):
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        as_of(text, None, after_end="")


def test_a_date_with_a_time_or_zone_is_still_taken():
    assert as_of("2024-03-31T12:00:00+01:00", None, after_end="") == pd.Timestamp("2024-03-31 12:00:00")
    assert as_of("2024-03-31 08:00", None, after_end="") == pd.Timestamp("2024-03-31 08:00")


def test_score_with_a_mistyped_year_exits_2(council, tmp_path):
    result = CliRunner().invoke(cli, ["score", "--data", str(council), "--out", str(tmp_path / "o"),
                                      "--at", "0224-03-31"])
    assert result.exit_code == 2, result.output
    assert "--at" in result.output and "OutOfBounds" not in result.output


def test_score_names_the_earliest_at_that_can_work(council, tmp_path):
    from earlyhelp.risk.features import first_episode_start

    first = pd.Timestamp(first_episode_start(read_dataset(council)))
    early = (first + pd.Timedelta(days=500)).date().isoformat()
    result = CliRunner().invoke(cli, ["score", "--data", str(council), "--out", str(tmp_path / "o"),
                                      "--at", early, "--train-years", "1"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    earliest = (first + pd.Timedelta(days=730)).date().isoformat()
    assert f"--at {earliest} or later" in text and "give a later --at or fewer --train-years" not in text


def test_network_warning_after_the_data_says_leaving_dates_apply(council, tmp_path):
    end = read_dataset(council).data_end()
    later = (end + pd.Timedelta(days=90)).date().isoformat()
    result = CliRunner().invoke(cli, ["network", "--data", str(council), "--out", str(tmp_path / "n"),
                                      "--no-allocate", "--at", later])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stderr.split())
    assert f"--at {later} is after the end of the data ({end.date()})" in text
    assert "not what happened since" not in text
    assert "leaving dates" in text
