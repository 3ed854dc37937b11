"""A council's pack is not computed from a synthetic pack in its folder, nor the other way round.

``earlyhelp demo --output runs`` wrote a synthetic Coventry's pack (the real Coventry's name and
code) into a folder; the council's own pack written there next read it as its own earlier
publication (matched by council code) and hid 747 more cells than in an empty folder. Runs on
synthetic data and runs on a council's data are not read as each other's, and a warning names
the runs passed over."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from earlyhelp import Dataset, synthetic
from earlyhelp.report.ledger import SyntheticRunsWarning, earlier_runs, synthetic_source
from earlyhelp.report.pack import PackOptions, write_pack

MEASURES = ["requests", "episodes_opened", "episodes_closed", "episodes_open", "children_referred"]
OPTIONS = PackOptions(months=12, end="2025-03-31", measures=MEASURES)
DEMO = {"command": "earlyhelp demo", "synthetic": True, "preset": "coventry", "years": 3, "scale": 0.1, "seed": 7}
#: as ``earlyhelp report`` records a council's config in run.json
COUNCIL = {"run": {"name": "monthly-pack"}, "source": {"kind": "folder"}}


def _council_data(ds):
    """``ds`` as a council's extract reads: the same tables, not marked as generated."""
    return Dataset({name: getattr(ds, name) for name in ds.tables},
                   meta={k: v for k, v in ds.meta.items() if k != "source"})


@pytest.fixture(scope="module")
def demo():
    return synthetic.council("coventry", years=3, scale=0.1, seed=7)


@pytest.fixture(scope="module")
def council():
    return _council_data(synthetic.council("coventry", years=3, scale=0.1, seed=1))


def _monthly(folder):
    return pd.read_csv(folder / "measures_monthly.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def packs(demo, council, tmp_path_factory):
    beside = tmp_path_factory.mktemp("beside_demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_pack(demo, beside, options=OPTIONS, config=DEMO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mine = write_pack(council, beside, options=OPTIONS, config=COUNCIL)
    alone = write_pack(council, tmp_path_factory.mktemp("alone"), options=OPTIONS, config=COUNCIL)
    return beside, mine, alone, caught


def test_the_demo_pack_shares_the_council_code(packs, council):
    beside, mine, _, _ = packs
    demo_run = next(p for p in beside.iterdir() if p.is_dir() and p != mine)
    record = json.loads((demo_run / "run.json").read_text())
    assert record["council_code"] == json.loads((mine / "run.json").read_text())["council_code"]
    assert synthetic_source(record)


def test_a_council_pack_beside_a_demo_pack_hides_what_it_hides_alone(packs):
    _, mine, alone, _ = packs
    assert json.loads((mine / "run.json").read_text())["earlier_runs"] == []
    pd.testing.assert_frame_equal(_monthly(mine), _monthly(alone))


def test_the_demo_pack_passed_over_is_named(packs):
    beside, mine, _, caught = packs
    said = [w for w in caught if issubclass(w.category, SyntheticRunsWarning)]
    assert said
    demo_run = next(p.name for p in beside.iterdir() if p.is_dir() and p != mine)
    assert demo_run in str(said[0].message) and "synthetic" in str(said[0].message)


def test_synthetic_runs_do_not_read_a_council_runs(packs):
    beside, mine, _, _ = packs
    with pytest.warns(SyntheticRunsWarning, match=mine.name):
        read = earlier_runs(beside, "Coventry", synthetic=True)
    assert len(read) == 1                               # the demo's own pack only


def test_a_council_pack_written_from_python_without_a_config_skips_the_demo_pack(packs, council, tmp_path):
    beside, mine, _, _ = packs
    import shutil

    demo_run = next(p for p in beside.iterdir() if p.is_dir() and p != mine)
    folder = tmp_path / "runs"
    shutil.copytree(demo_run, folder / demo_run.name)
    with pytest.warns(SyntheticRunsWarning):
        again = write_pack(council, folder, options=OPTIONS)
    assert json.loads((again / "run.json").read_text())["earlier_runs"] == []
