"""`earlyhelp demo`, `synth`, `validate` and `network` (the multi-agency picture at a date, as a run folder)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from click.testing import CliRunner

from earlyhelp import write_dataset
from earlyhelp.cli.main import cli

from cli_helpers import run_cli


def test_demo_and_synth(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--years", "2", "--scale", "0.05"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "requests for support a year" in result.output
    # the synthetic council's monthly pack, in a run folder of its own folder (never the council's ./runs)
    assert not (tmp_path / "runs").exists()
    (folder,) = (tmp_path / "earlyhelp-demo").iterdir()
    assert str(folder.relative_to(tmp_path)) in result.output
    # headline figures of the last month, as the pack publishes them (small numbers as "c")
    summary = pd.read_csv(folder / "summary.csv", dtype={"latest": str}).set_index("measure")
    requests = summary.loc["requests"]
    shown = requests["latest"] if requests["latest"] == "c" else f"{float(requests['latest']):,.0f}"
    assert f"Requests for support, {requests['latest_period']}: {shown} (" in result.output
    for name in ("dashboard.html", "measures.xlsx", "measures_monthly.csv", "run.json"):
        assert (folder / name).stat().st_size > 0, name
    monthly = pd.read_csv(folder / "measures_monthly.csv")
    assert monthly["period"].nunique() == 24 and monthly["measure"].nunique() > 30
    assert json.loads((folder / "run.json").read_text())["config"]["command"] == "earlyhelp demo"
    result = run_cli("synth", "--years", "2", "--scale", "0.05", "--out", str(tmp_path / "council"),
                     "--format", "csv", "--sql", f"sqlite:///{tmp_path / 'council.db'}", "--ssd-names")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "council" / "episodes.csv").exists()
    checked = run_cli("validate", "--sql", f"sqlite:///{tmp_path / 'council.db'}")
    assert checked.returncode == 0 and "data: valid" in checked.stdout, checked.stderr
    folder = run_cli("validate", "--data", str(tmp_path / "council"))
    assert folder.stdout.splitlines()[-1] == checked.stdout.splitlines()[-1]     # same content hash
    assert run_cli("synth", "--years", "2").returncode == 2                        # nowhere to write


def test_demo_without_the_pack_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--years", "1", "--scale", "0.05", "--no-pack"])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []


def test_demo_runs_inside_a_file_stops_before_generating(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    result = CliRunner().invoke(cli, ["demo", "--years", "1", "--scale", "0.05", "--runs", str(tmp_path / "afile" / "x")])
    assert result.exit_code == 2 and "--runs" in result.output, result.output
    assert "valid" not in result.output


# -- network ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory) -> Path:
    from earlyhelp import synthetic

    folder = tmp_path_factory.mktemp("council")
    write_dataset(synthetic.council(preset="coventry", years=3, scale=0.1, seed=2), folder, format="parquet")
    return folder


def test_network_command(tmp_path, synthetic_folder):
    from earlyhelp import read_dataset
    from earlyhelp.network import FamilyNetwork

    result = run_cli("network", "--data", str(synthetic_folder), "--out", str(tmp_path / "net"))
    assert result.returncode == 0, result.stderr
    run = Path(result.stdout.strip())
    assert run.parent == tmp_path / "net" and run.name.startswith("network-")
    for name in ("caseloads", "coordination_gaps", "linked_households", "agencies", "agency_links",
                 "lead_allocation", "lead_unallocated"):
        assert (run / f"{name}.csv").exists() and (run / f"{name}.parquet").exists(), name
    record = json.loads((run / "run.json").read_text())
    assert record["command"] == "network" and record["parameters"]["allocate"] is True
    # the tables are the library's own answers
    data = read_dataset(synthetic_folder)
    net = FamilyNetwork.from_dataset(data, data.data_end())   # without --at: the end of the data
    assert record["parameters"]["at"] == data.data_end().date().isoformat()
    # (rows in the order of their labels: sorted by utilisation, they would place the hidden ones)
    published = pd.read_parquet(run / "caseloads.parquet").set_index("practitioner_id")["open_families"]
    expected = net.caseloads().set_index("practitioner_id")["open_families"]
    assert sorted(published.index) == sorted(expected.index)
    shown = published.notna()          # 1..5 suppressed by the publication gate
    assert (published[shown].to_numpy() == expected[published.index[shown]].to_numpy()).all()
    assert expected[published.index[~shown]].between(1, 5).all()
    gaps = len(net.coordination_gaps())
    assert record["rows_written"]["coordination_gaps"] == (gaps if not 1 <= gaps <= 5 else "c")
    assert "proposed a lead for" in result.stderr
    # agencies and localities by name beside their ids
    ds = read_dataset(synthetic_folder)
    agency = ds.agencies.set_index("agency_id")["name"].astype(str)
    locality = ds.localities.set_index("locality_id")["name"].astype(str)
    pairs = {"caseloads": [("agency_id", "agency"), ("locality_id", "locality")],
             "coordination_gaps": [("locality_id", "locality")],
             "agency_links": [("agency_id_a", "agency_a"), ("agency_id_b", "agency_b")],
             "lead_allocation": [("agency_id", "agency"), ("family_locality_id", "family_locality"),
                                 ("practitioner_locality_id", "practitioner_locality")]}
    for name, columns in pairs.items():
        table = pd.read_csv(run / f"{name}.csv", dtype=str)
        assert len(table), name
        for id_col, name_col in columns:
            lookup = agency if id_col.startswith("agency") else locality
            ok = table[id_col].notna()
            assert table.columns.get_loc(name_col) == table.columns.get_loc(id_col) + 1, (name, name_col)
            assert (table.loc[ok, name_col] == table.loc[ok, id_col].map(lookup)).all(), (name, name_col)
    gaps = pd.read_csv(run / "coordination_gaps.csv", dtype=str)
    listed = gaps["agencies"].str.split(";")
    assert (listed.map(len) == gaps["n_agencies"].astype(int)).all()
    assert set(listed.explode()) <= set(agency) and not set(listed.explode()) & set(agency.index)
    again = run_cli("network", "--data", str(synthetic_folder), "--out", str(tmp_path / "net2"))
    run2 = Path(again.stdout.strip())
    for name in record["files"]:
        if name != "run.json":
            assert (run / name).read_bytes() == (run2 / name).read_bytes(), name


def test_network_agency_totals_never_give_a_hidden_part_back(tmp_path, synthetic_folder):
    # before: agencies.shared_families (the sum of an agency's links) beside agency_links with one
    # link hidden gave that link by subtraction; agencies.families did the same for a practitioner's
    # hidden caseload; and the PageRank weighted by the hidden counts pinned them too
    import networkx as nx

    result = run_cli("network", "--data", str(synthetic_folder), "--out", str(tmp_path / "net"))
    assert result.returncode == 0, result.stderr
    run = Path(result.stdout.strip())
    agencies = pd.read_csv(run / "agencies.csv", dtype=str).set_index("agency_id")
    links = pd.read_csv(run / "agency_links.csv", dtype=str)
    caseloads = pd.read_csv(run / "caseloads.csv", dtype=str)
    hidden_links = links[links["shared_families"] == "c"]
    assert len(hidden_links) and len(caseloads[caseloads["open_families"] == "c"])
    for agency in set(hidden_links["agency_id_a"]) | set(hidden_links["agency_id_b"]):
        assert agencies.loc[agency, "shared_families"] == "c", agency
    for agency in set(caseloads.loc[caseloads["open_families"] == "c", "agency_id"]):
        assert agencies.loc[agency, "families"] == "c", agency
    shown = agencies[agencies["shared_families"] != "c"]
    for agency, row in shown.iterrows():       # a total shown is the sum of links all shown
        mine = links[(links["agency_id_a"] == agency) | (links["agency_id_b"] == agency)]
        assert int(row["shared_families"]) == mine["shared_families"].astype(int).sum()
    # jaccard = shared / (families of a + families of b - shared): shown beside a withheld total, it
    # gave that total back (and from it a hidden caseload)
    withheld = set(agencies.index[agencies["families"] == "c"])
    assert withheld
    beside = links["agency_id_a"].isin(withheld) | links["agency_id_b"].isin(withheld)
    assert beside.any() and (links.loc[beside, "jaccard"] == "c").all()
    typed = pd.read_parquet(run / "agency_links.parquet")
    assert typed.loc[beside.to_numpy(), "jaccard"].isna().all()
    assert list(typed.columns) == list(links.columns)
    for _, row in links[~beside & (links["shared_families"] != "c")].iterrows():   # shown: it adds nothing
        union = int(agencies.loc[row["agency_id_a"], "families"]) + int(agencies.loc[row["agency_id_b"], "families"]) \
            - int(row["shared_families"])
        assert abs(float(row["jaccard"]) - int(row["shared_families"]) / union) < 1e-4
    # PageRank is the unweighted rank of the published links: it needs no hidden count
    graph = nx.Graph()
    graph.add_nodes_from(agencies.index)
    graph.add_edges_from(zip(links["agency_id_a"], links["agency_id_b"]))
    rank = pd.Series(nx.pagerank(graph))
    assert (agencies["pagerank"].astype(float) - rank.reindex(agencies.index)).abs().max() < 1e-3


def test_quiet_network_writes_nothing_to_stderr_and_an_unprintable_path_is_no_failure(tmp_path, synthetic_folder):
    # before: -q ("only errors on stderr") still printed the summary, and a run folder whose path
    # stdout's encoding (cp1252) could not hold failed the command (exit 1) after it was published
    import os
    import subprocess
    import sys

    out = tmp_path / "Côté 東京"
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    env.pop("EARLYHELP_NO_PROGRESS", None)
    result = subprocess.run([sys.executable, "-m", "earlyhelp.cli.main", "-q", "network", "--data",
                             str(synthetic_folder), "--out", str(out)], capture_output=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr.decode("cp1252", "replace")
    assert result.stderr == b""
    runs = list(out.iterdir())
    assert len(runs) == 1 and runs[0].name.encode() in result.stdout and (runs[0] / "run.json").exists()


def test_network_bad_date_exit_2(tmp_path, synthetic_folder):
    result = run_cli("network", "--data", str(synthetic_folder), "--out", str(tmp_path / "n"), "--at", "soon")
    assert result.returncode == 2 and "--at" in result.stderr and "not a date" in result.stderr
