"""Regression tests for the privacy and robustness review: each finding, reproduced first.

Finding numbers follow the review. The whole-run checks (every command's outputs on a
hostile council) are in tests/cli/test_publication_gate_walk.py; these pin each finding
on the smallest input that showed it.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from earlyhelp import ConfigError, ValidationError

KEY = "k3y-for-tests-0123456789abcdefghijklmnop"


# -- 1. forecasts reveal suppressed counts ------------------------------------------------
def _hierarchy(small_locality: np.ndarray) -> pd.DataFrame:
    """One council of three localities, monthly, the first with small counts."""
    ds = pd.date_range("2021-01-01", periods=len(small_locality), freq="MS")
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"measure": "requests", "council": "C", "locality": loc, "ds": ds, "y": y})
              for loc, y in (("A", small_locality), ("B", 20 + rng.poisson(5, len(ds))),
                             ("D", 30 + rng.poisson(5, len(ds))))]
    return pd.concat(frames, ignore_index=True)


def test_seasonal_naive_never_republishes_a_suppressed_count():
    from earlyhelp.cli.forecastrun import hidden_series, suppressed_history, withhold
    from earlyhelp.forecast import Forecaster, SeasonalNaive, aggregate, reconcile

    small = np.array([2, 3, 1, 4, 2, 3, 1, 2, 4, 3, 2, 1] * 3, dtype=float)
    Y, S, tags = aggregate(_hierarchy(small), [["measure", "council"], ["measure", "council", "locality"]])
    history = suppressed_history(Y, 5)
    forecasts = Forecaster([SeasonalNaive()], freq="MS", season_length=12).forecast(df=Y, h=12)
    forecasts = reconcile(forecasts, S, "bottom_up", tags=tags)
    raw = forecasts[forecasts["unique_id"] == "requests/C/A"]["SeasonalNaive"].to_numpy()
    assert np.array_equal(raw, small[-12:])           # the finding: the last season repeated exactly
    published = withhold(forecasts, hidden_series(history))
    hidden = hidden_series(history)
    assert "requests/C/A" in hidden and len(hidden) >= 2  # secondary suppression hides a second locality
    assert published.loc[published["unique_id"].isin(hidden), "SeasonalNaive"].isna().all()
    # differencing the published forecasts gives the sum of two hidden localities, never one
    council = published[published["unique_id"] == "requests/C"]["SeasonalNaive"].to_numpy()
    shown = published[published["unique_id"].str.count("/") == 2].groupby("ds")["SeasonalNaive"].sum().to_numpy()
    assert (council - shown > small[-12:]).all()


# -- 2. pseudonymise covers every id of every table -----------------------------------------
def test_pseudonymise_covers_every_id_of_a_person_or_a_case():
    from earlyhelp import synthetic
    from earlyhelp.report.pseudonymise import pseudonymise

    ds = synthetic.council(preset="coventry", years=1, scale=0.02, seed=1)
    out = pseudonymise(ds, key=KEY)
    checked = 0
    for table, column in [("episodes", "episode_id"), ("requests", "request_id"),
                          ("practitioners", "practitioner_id"), ("episodes", "lead_practitioner_id"),
                          ("csc_referrals", "referral_id"), ("involvements", "referral_id"),
                          ("involvements", "practitioner_id"), ("assessments", "assessment_id"),
                          ("families", "family_id"), ("persons", "person_id")]:
        before = set(ds[table][column].dropna().astype(str))
        after = set(out[table][column].dropna().astype(str))
        assert not before & after, f"{table}.{column} keeps raw ids"
        checked += bool(before)
    assert checked >= 8
    # joins still work: every involvement's practitioner is a practitioner
    assert set(out["involvements"]["practitioner_id"].dropna()) <= set(out["practitioners"]["practitioner_id"])
    # places and organisations keep their ids
    assert out["localities"]["locality_id"].tolist() == ds["localities"]["locality_id"].tolist()


def test_ids_listed_in_a_derived_column_are_pseudonymised_with_the_persons():
    """An extract with one contact row per child gives requests.person_ids ("1001,1002"): the raw ids
    stayed after pseudonymise, and the publish gate hashed the whole list as one id."""
    from earlyhelp import Dataset
    from earlyhelp.report.publish import _pseudonymise_column
    from earlyhelp.report.pseudonymise import pseudo_key, pseudonym, pseudonymise

    persons = pd.DataFrame({"pers_person_id": ["1001", "1002"]})
    contacts = pd.DataFrame({"cont_contact_id": ["C1", "C1"], "cont_person_id": ["1001", "1002"],
                             "cont_contact_date": ["2024-01-05", "2024-01-05"],
                             "cont_contact_source_code": ["1A", "1A"]})
    ds = Dataset.from_frames(ssd_person=persons, ssd_contacts=contacts, ssd="eclipse", as_of="2025-01-01")
    assert ds.requests["person_ids"].tolist() == ["1001,1002"]
    out = pseudonymise(ds, key=KEY)
    assert out.requests["person_ids"].tolist() == [",".join(out.persons["person_id"])]
    assert "requests.person_ids" in out.meta["pseudonymised"]
    raw = pseudo_key(KEY)
    listed = _pseudonymise_column(pd.Series(["1001,1002"], name="person_ids"), "person", raw)
    assert listed.tolist() == [",".join(pseudonym(i, domain="person", key=raw) for i in ("1001", "1002"))]


def test_a_key_of_one_repeated_character_is_refused():
    from earlyhelp.report.pseudonymise import pseudo_key

    with pytest.raises(ValidationError, match="not a secret"):
        pseudo_key("a" * 32)
    assert pseudo_key(KEY)


# -- 3. a "/" inside an id ------------------------------------------------------------------
def test_a_slash_inside_an_id_keeps_the_locality_under_its_council():
    from earlyhelp.cli.forecastrun import suppressed_history
    from earlyhelp.forecast import aggregate
    from earlyhelp.report.suppression import hidden_ranges

    bottom = _hierarchy(np.array([2, 3, 1, 4, 2, 3], dtype=float))
    bottom["locality"] = bottom["locality"].replace({"A": "North/East", "B": "50%/x"})
    Y, _, _ = aggregate(bottom, [["measure", "council"], ["measure", "council", "locality"]])
    assert set(Y["unique_id"]) == {"requests/C", "requests/C/North%2FEast", "requests/C/50%25%2Fx", "requests/C/D"}
    history = suppressed_history(Y, 5)
    for _, period in history.groupby("ds"):
        ids = period["unique_id"].tolist()
        total = ids.index("requests/C")
        parts = tuple(i for i, u in enumerate(ids) if u != "requests/C")
        hidden = (period["y_status"] == "c").to_numpy()
        ranges = hidden_ranges(period["y"].astype("Float64").fillna(0).to_numpy(float), [(total, parts)], hidden)
        assert ((ranges[:, 1] - ranges[:, 0]) >= 1).all()


def test_report_labels_show_the_name_as_given():
    from earlyhelp.report.forecast_report import _label

    assert _label("requests/C/North%2FEast") == "C / North/East"


# -- 4. secrets in URL query strings ----------------------------------------------------------
@pytest.mark.parametrize("url", [
    "postgresql://user:s3cret@host/db",
    "postgresql://user@host/db?password=s3cret",
    "postgresql://user@host/db?sslpassword=s3cret&sslmode=require",
    "postgresql://user@host/db?sslkey_password=s3cret",
    "mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BODBC+Driver+18%7D%3BSERVER%3Dh%3BUID%3Du%3BPWD%3Ds3cret",
    "mssql+pyodbc:///?odbc_connect=DRIVER={ODBC};SERVER=h;UID=u;Pwd={s3cret}",
    "oracle://u@h/db?token=s3cret",
])
def test_every_credential_form_is_redacted(url):
    from earlyhelp._redact import redact_text, redact_url

    assert "s3cret" not in redact_url(url)
    assert "s3cret" not in redact_text(f"cannot connect to {url}: refused")


def test_run_json_and_log_lines_hold_no_password(tmp_path, caplog):
    import logging

    from earlyhelp._redact import RedactingFilter
    from earlyhelp.cli.config import load_config

    db = tmp_path / "e.db"
    db.write_bytes(b"")
    config = tmp_path / "c.toml"
    config.write_text(f'[run]\nname = "x"\noutput = "runs"\n[source]\nkind = "sql"\n'
                      f'url = "sqlite:///{db.as_posix()}?password=s3cret&sslpassword=s3cret"\n')
    described = json.dumps(load_config(config).describe())
    assert "s3cret" not in described and "sqlite" in described
    record = logging.LogRecord("earlyhelp", logging.ERROR, __file__, 1, "connect %s failed",
                               ("postgresql://u:s3cret@h/db?sslpassword=s3cret",), None)
    RedactingFilter().filter(record)
    assert "s3cret" not in record.getMessage()


# -- 5. score: families per locality against the published total -------------------------------
def test_score_localities_are_suppressed_against_the_total():
    from earlyhelp.cli.scorerun import TOTAL_LABEL, expected_with_total
    from earlyhelp.report.suppression import hidden_ranges, suppress

    expected = pd.DataFrame({"locality_id": ["A", "B", "C", "D"], "families": [3, 40, 52, 61],
                             "expected": [0.4, 5.0, 6.1, 7.7]})
    table = expected_with_total(expected)
    assert table["locality_id"].iloc[-1] == TOTAL_LABEL and table["families"].iloc[-1] == 156
    out = suppress(table[["locality_id", "families"]], "families", dims=["locality_id"],
                   totals={"locality_id": TOTAL_LABEL})
    hidden = (out["families_status"] == "c").to_numpy()
    assert hidden.sum() >= 2                      # primary suppression alone would hide one: A = 156 - others
    ranges = hidden_ranges(out["families"].astype("Float64").fillna(0).to_numpy(float), [(4, (0, 1, 2, 3))], hidden)
    assert ((ranges[:, 1] - ranges[:, 0]) >= 1).all()


# -- 7. quadratic wide files ----------------------------------------------------------------
def test_a_table_wider_than_the_limit_is_refused_with_a_clear_message(tmp_path):
    from earlyhelp.data import read_dataset
    from earlyhelp.data.coerce import MAX_COLUMNS

    header = ["family_id", "locality_id"] + [f"x{i}" for i in range(MAX_COLUMNS + 5)]
    (tmp_path / "families.csv").write_text(",".join(header) + "\n" + ",".join(["F1", "L1"] + ["0"] * (len(header) - 2))
                                           + "\n")
    with pytest.raises(ValidationError, match="at most 10,000"):
        read_dataset(tmp_path)


def test_a_duplicate_in_a_wide_header_is_named(tmp_path):
    from earlyhelp.data import read_dataset

    header = ["family_id", "locality_id"] + [f"x{i}" for i in range(9000)] + ["x17"]
    (tmp_path / "families.csv").write_text(",".join(header) + "\n")
    with pytest.raises(ValidationError, match="x17.*named twice|named twice"):
        read_dataset(tmp_path)


def test_extra_columns_are_kept_in_one_step():
    """Extra columns are joined at once (one at a time was quadratic: 21 s for 10,000)."""
    from earlyhelp.data.coerce import coerce_table
    from earlyhelp.data.schema import TABLES

    frame = pd.DataFrame({"family_id": ["F1", "F2"], "locality_id": ["L1", "L2"]})
    extra = pd.DataFrame(np.zeros((2, 3000), dtype=np.int8), columns=[f"x{i}" for i in range(3000)])
    out = coerce_table(TABLES["families"], pd.concat([frame, extra], axis=1), [])
    assert out.shape == (2, 3002) and list(out.columns[-2:]) == ["x2998", "x2999"]
    assert out._mgr.nblocks < 10                  # not one block per added column


# -- 8. formula injection -------------------------------------------------------------------
@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                  "\tTAB", "\rCR"])
def test_formula_leading_cells_are_neutralised_in_csv_and_excel(tmp_path, text):
    import openpyxl

    from earlyhelp.report.publish import PublishPolicy, excel_bytes, publish

    frame = pd.DataFrame({"locality_id": [text, "L1"], "name": ["ok", text], "families": [10, 12],
                          "delta": [-2.5, 1.0]})
    out = publish(frame, PublishPolicy())
    for table in (out.text, out.typed):
        shown = "'" + text.replace("\r", "\n")  # a CR inside a cell is written as a newline (quoted)
        assert table["locality_id"].iloc[0] == shown and table["name"].iloc[1] == shown
        assert table["delta"].tolist() == [-2.5, 1.0]            # numbers are numbers
    assert out.record["formulas_neutralised"] == 2
    sheet = openpyxl.load_workbook(io.BytesIO(excel_bytes({"t": out.text}))).active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'")   # (Excel stores CR as _x000D_)
    raw = openpyxl.load_workbook(io.BytesIO(excel_bytes({"t": frame}))).active
    assert raw["A2"].data_type == "s"             # even unneutralised text is never written as a formula


# -- the gate -----------------------------------------------------------------------------------
def test_the_gate_suppresses_pseudonymises_and_withholds_derived_values():
    from earlyhelp.report.publish import PublishPolicy, publish

    frame = pd.DataFrame({"practitioner_id": ["W1", "W2", "W3"], "agency_id": ["G1", "G1", "G2"],
                          "open_families": [3, 9, 0], "caseload_capacity": [8, 8, 8], "spare": [5, -1, 8],
                          "n_agencies": [3, 4, 2]})
    out = publish(frame, PublishPolicy(pseudonymise=True, key=KEY.encode()),
                  derived={"spare": ["open_families"]})
    assert out.text["open_families"].tolist() == ["c", "9", "0"]
    assert out.text["spare"].tolist() == ["c", -1, 8]                # open = capacity - spare: withheld
    assert out.typed["open_families"].isna().tolist() == [True, False, False]
    assert out.text["n_agencies"].tolist() == [3, 4, 2]             # agencies are not people
    assert not set(out.text["practitioner_id"]) & {"W1", "W2", "W3"}
    assert out.text["agency_id"].tolist() == ["G1", "G1", "G2"]
    assert out.record["pseudonymised"] == ["practitioner_id"]


def test_nothing_is_written_around_the_gate(tmp_path):
    from earlyhelp.report.runfolder import RunFolder

    with RunFolder(tmp_path, "r") as folder:
        with pytest.raises(TypeError):
            folder.write_text("raw.csv", "family_id\nF1\n")
        with pytest.raises(TypeError):
            folder.write_bytes("raw.parquet", b"")
        with pytest.raises(ValueError, match="not published"):
            folder.write_text("report.html", "<p>3 families</p>", sources=["nothing"])
        folder.write_bytes("plots/x.png", b"\x89PNG", sources=[])
        with pytest.raises(ValueError):
            folder.write_table("../escape", pd.DataFrame({"a": [1]}))
        assert not hasattr(folder, "path")
        folder.write_table("t", pd.DataFrame({"families": [3, 7]}))
        folder.write_text("report.html", "<p>ok</p>", sources=["t"])
        record = folder.record("x", inputs={"sha256": "s"}, digest="d")
    assert record["publication"]["files"]["report.html"]["built_from"] == ["t"]
    assert record["publication"]["files"]["plots/x.png"]["built_from"] == "not stated"
    assert record["pseudonymised"] is False
    assert (tmp_path / "r" / "t.csv").read_text() == "families\nc\n7\n"


# -- 9. smaller findings ----------------------------------------------------------------------
def test_tex_in_a_name_is_drawn_as_text():
    import matplotlib

    matplotlib.use("Agg")
    from earlyhelp.report.plots import plot_capacity
    from earlyhelp.report.runfolder import figure_png

    frame = pd.DataFrame({"area": ["$\\nosuchcmd{$", "x"] * 2, "ds": pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"] * 2),
                          "fte": [1.0, 2.0, 1.5, 2.5]})
    fig = plot_capacity(frame, value="fte", by="area", title="$\\nosuchcmd{$")
    assert figure_png(fig)[:4] == b"\x89PNG"


@pytest.mark.parametrize("y", [np.inf, -np.inf])
def test_infinite_y_is_a_validation_error(y):
    from earlyhelp.forecast import CountRegression, Forecaster

    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=24, freq="MS"),
                       "y": np.r_[np.ones(23), y]})
    with pytest.raises(ValidationError, match="infinite"):
        Forecaster([CountRegression()], freq="MS", season_length=12).forecast(df=df, h=2)


def test_all_missing_series_is_a_validation_error():
    from earlyhelp.forecast import Forecaster, Naive

    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=5, freq="MS"), "y": np.nan})
    with pytest.raises(ValidationError, match="no series with any non-missing"):
        Forecaster([Naive()], freq="MS").forecast(df=df, h=2)


def test_horizon_and_vertex_counts_have_limits():
    from earlyhelp.forecast import Forecaster, Naive
    from earlyhelp.forecast.forecaster import MAX_HORIZON
    from earlyhelp.network import Graph, bipartite_projection
    from earlyhelp.network.graph import MAX_VERTICES

    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=5, freq="MS"), "y": 1.0})
    with pytest.raises(ValidationError, match="longer than"):
        Forecaster([Naive()], freq="MS").forecast(df=df, h=2 ** 31)
    assert len(Forecaster([Naive()], freq="MS").forecast(df=df, h=MAX_HORIZON)) == MAX_HORIZON
    with pytest.raises(ValidationError, match="more than a graph may have"):
        Graph.from_edges([2 ** 31 - 1], [2 ** 31 - 1])
    with pytest.raises(ValidationError, match="more than a graph may have"):
        Graph.from_edges([0], [1], n=MAX_VERTICES + 1)
    with pytest.raises(ValidationError, match="whole number"):
        Graph.from_edges([0], [1], n=2.5)
    with pytest.raises(ValidationError):
        bipartite_projection([2 ** 63 - 1, 2 ** 63 - 1], [0, 1], n_right=2.5)
    assert bipartite_projection([2 ** 63 - 1, 2 ** 63 - 1], [0, 1]).m == 1


def test_england_at_scale_100_is_refused_before_generating():
    from earlyhelp import synthetic

    with pytest.raises(ValueError, match="child-years"):
        synthetic.council(preset="england", scale=100, years=1)


def test_a_killed_run_leaves_no_partial_folder_behind(tmp_path):
    from earlyhelp.report.runfolder import RunFolder

    stale = tmp_path / ".20240101-000000-abc.partial"
    stale.mkdir()
    (stale / ".owner").write_text("999999999")     # no such process
    (stale / "forecasts.csv").write_text("x\n")
    with RunFolder(tmp_path, "next") as folder:
        folder.write_table("t", pd.DataFrame({"a": [1.5]}))
    assert not stale.exists() and (tmp_path / "next").is_dir()


def test_two_identical_runs_at_once_both_finish(tmp_path):
    from earlyhelp.report.runfolder import RunFolder

    first, second = RunFolder(tmp_path, "same"), RunFolder(tmp_path, "same")
    with first:
        with second:
            second.write_table("t", pd.DataFrame({"a": [1.5]}))
        first.write_table("t", pd.DataFrame({"a": [1.5]}))
    assert first.final != second.final and first.final.is_dir() and second.final.is_dir()


def test_a_code_map_naming_an_unknown_column_is_an_error():
    from earlyhelp import synthetic
    from earlyhelp.data import Dataset

    ds = synthetic.council(preset="coventry", years=1, scale=0.02, seed=1)
    with pytest.raises(ValidationError, match="no coded column 'episode_typ'"):
        Dataset.from_frames(code_map={"episodes": {"episode_typ": {"a": "b"}}}, **ds.tables)


def test_validate_does_not_create_a_missing_sqlite_file(tmp_path):
    from earlyhelp.sources import read_sql

    missing = tmp_path / "missing.db"
    with pytest.raises(ValidationError, match="not found"):
        read_sql(f"sqlite:///{missing.as_posix()}")
    assert not missing.exists()


def test_a_partial_folder_of_another_machine_on_a_shared_drive_is_left_alone(tmp_path):
    # its process id means nothing here: removing it would break a run writing it right now
    import socket

    from earlyhelp.report.runfolder import RunFolder

    theirs = tmp_path / ".20240101-000000-other.partial"
    theirs.mkdir()
    (theirs / ".owner").write_text(f"{socket.gethostname()}-elsewhere\n999999999")
    ours = tmp_path / ".20240101-000000-ours.partial"
    ours.mkdir()
    (ours / ".owner").write_text(f"{socket.gethostname()}\n999999999")     # this machine, no such process
    with RunFolder(tmp_path, "next") as folder:
        folder.write_table("t", pd.DataFrame({"a": [1.5]}))
        assert (folder.tmp / ".owner").read_text().splitlines()[0] == socket.gethostname()
    assert theirs.is_dir() and not ours.exists()


def test_a_password_holding_an_unencoded_at_is_masked_whole(tmp_path):
    """user:p@ss@host: SQLAlchemy (and the driver) take 'ss@host' for the host, which showed the
    password's tail; the mask runs to the last '@', and the config refuses such a URL."""
    from earlyhelp.cli.config import load_config
    from earlyhelp._redact import redact_text, redact_url

    url = "postgresql://analyst:p@ss@127.0.0.1:5432/csc"
    for shown in (redact_url(url), redact_text(f"connecting to {url} failed")):
        assert "ss@" not in shown and "p@" not in shown and "***@127.0.0.1" in shown, shown
    (tmp_path / "f.toml").write_text(f'[source]\nkind = "sql"\nurl = "{url}"\n')
    with pytest.raises(ConfigError, match="write an '@' in the user name or password as %40") as err:
        load_config(str(tmp_path / "f.toml"))
    assert "ss@" not in str(err.value)
