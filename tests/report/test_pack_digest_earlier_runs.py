"""A pack's run digest names what it was computed from: its data, its settings, and the council's
earlier packs it read from the output folder (they decide which further cells are hidden). The
same data and config into a folder holding an earlier pack is another computation, with another
digest; into an empty folder, the same one."""
from __future__ import annotations

import json
import warnings

from earlyhelp import synthetic
from earlyhelp.report.pack import PackOptions, write_pack
from earlyhelp.report.runfolder import sha256_file

OPTIONS = dict(months=6, measures=["requests", "episodes_opened"])


def _pack(ds, out, end):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = write_pack(ds, out, options=PackOptions(end=end, **OPTIONS))
    return run, json.loads((run / "run.json").read_text())


def test_the_digest_covers_the_earlier_packs_read(tmp_path):
    ds = synthetic.council("coventry", years=2, scale=0.05, seed=3)
    january, first = _pack(ds, tmp_path / "shared", "2024-12-31")
    _, after = _pack(ds, tmp_path / "shared", "2025-01-31")
    _, alone = _pack(ds, tmp_path / "alone", "2025-01-31")
    assert after["run_digest"] != alone["run_digest"]
    assert [r["run_id"] for r in after["earlier_runs"]] == [first["run_id"]]
    assert after["earlier_runs"][0]["run_json_sha256"] == sha256_file(january / "run.json")
    # the same earlier pack read gives the same digest again
    again = tmp_path / "again"
    again.mkdir()
    (again / january.name).mkdir()
    for file in january.iterdir():
        (again / january.name / file.name).write_bytes(file.read_bytes())
    _, repeat = _pack(ds, again, "2025-01-31")
    assert repeat["run_digest"] == after["run_digest"]
