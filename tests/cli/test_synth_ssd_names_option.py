"""``earlyhelp synth --ssd-names`` names a database's tables; asked of a folder alone, where it
would be ignored, it is refused before anything is generated."""
from __future__ import annotations

from click.testing import CliRunner

from earlyhelp.cli.main import cli


def test_ssd_names_without_sql_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["synth", "--years", "1", "--scale", "0.02", "--out", str(tmp_path / "c"),
                                      "--ssd-names"])
    assert result.exit_code == 2, result.output
    assert "--ssd-names" in result.output and "--sql" in result.output
    assert not (tmp_path / "c").exists()


def test_ssd_names_with_sql_names_the_tables(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'c.db'}"
    result = CliRunner().invoke(cli, ["synth", "--years", "1", "--scale", "0.02", "--sql", url, "--ssd-names"])
    assert result.exit_code == 0, result.output
    assert "ssd_person" in sa.inspect(sa.create_engine(url)).get_table_names()
