"""A pack and a monthly demand forecast of one council in one folder: they show the same counts
(a month's requests by locality), so each reads the other as an earlier run: what it hid stays
hidden, what it showed is known, and read together they give no hidden count back."""
from __future__ import annotations

import pandas as pd
import pytest

from earlyhelp import synthetic
from earlyhelp.cli.config import load_config
from earlyhelp.cli.forecastrun import run_forecast
from earlyhelp.report.pack import PackOptions, write_pack

from _ledger_attack import forecast_tables, pack_tables, worked_out

SOURCE = dict(preset="coventry", years=3, scale=0.5, seed=4)
MEASURES = ["requests", "episodes_opened", "children_referred"]
END = "2025-03-31"


@pytest.fixture(scope="module")
def council():
    return synthetic.council(**SOURCE)


def _forecast(tmp_path, output, freq="MS", hierarchy='["locality", "council"]', data=None):
    config = tmp_path / "forecast.toml"
    source = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in SOURCE.items())
    source = f'kind = "folder"\npath = "{data.as_posix()}"' if data is not None else f'kind = "synthetic"\n{source}'
    config.write_text(f"""
[run]
name = "forecast"
output = "{output.as_posix()}"
[source]
{source}
[forecast]
measures = ["requests", "episodes_opened"]
freq = "{freq}"
horizon = 3
season_length = {4 if freq == "QS" else 12}
models = ["SeasonalNaive"]
levels = [80]
hierarchy = {hierarchy}
reconcile = "{'bottom_up' if 'council' in hierarchy else 'none'}"
backtest_windows = 1
backtest_step = 3
[publish]
suppression_threshold = 5
""", encoding="utf-8")
    return run_forecast(load_config(str(config))).folder


def _given_back(pack, forecast):
    kinds = pd.read_csv(pack / "catalogue.csv").set_index("id")["kind"]
    return worked_out(pack_tables(pack) + forecast_tables(forecast), kinds)


@pytest.mark.parametrize("forecast_first,freq", [(False, "MS"), (True, "MS"), (True, "QS")],
                         ids=["pack-then-forecast", "forecast-then-pack", "quarterly-forecast-then-pack"])
def test_a_pack_and_a_forecast_in_one_folder_give_no_hidden_count_back(council, tmp_path, forecast_first, freq):
    """Monthly, or quarterly (a quarter is the sum of its months: read as months, one forecast's
    quarters gave a pack's hidden June back as 48 - 14 - 18)."""
    output = tmp_path / "runs"
    steps = [lambda: write_pack(council, output, options=PackOptions(months=12, end=END, measures=MEASURES)),
             lambda: _forecast(tmp_path, output, freq)]
    pack, forecast = (steps[1](), steps[0]())[::-1] if forecast_first else (steps[0](), steps[1]())
    assert not _given_back(pack, forecast)


def test_a_quarterly_forecast_after_a_pack_gives_back_only_what_the_pack_already_gives(council, tmp_path):
    """Written after the pack, a quarterly forecast knows which months the pack hid but not how
    the pack's months add up: a quarter it hides may be worked out, but only one whose value the
    pack's own tables already give (its hidden months' sum, from a 12-month figure and the
    months shown), never a count either run hid."""
    output = tmp_path / "runs"
    pack = write_pack(council, output, options=PackOptions(months=12, end=END, measures=MEASURES))
    forecast = _forecast(tmp_path, output, "QS")
    kinds = pd.read_csv(pack / "catalogue.csv").set_index("id")["kind"]
    for cell in _given_back(pack, forecast):
        assert cell[0] == "s3", cell  # a quarter of the forecast, not a month of the pack
        alone = pd.DataFrame({"measure": [cell[1]], "period": [cell[2]], "locality": [cell[3]], "numerator": ["c"]})
        assert cell in worked_out(pack_tables(pack) + [("s3", alone)], kinds), cell


def test_the_council_is_known_without_its_name_or_its_level(council, tmp_path):
    """A forecast of the localities alone (its series name no council) and data that record the
    council's code but not its name: the pack and the forecast still know each other's council."""
    from earlyhelp import write_dataset

    nameless = council.replace(localities=council.localities.drop(columns="council_name"))
    data = tmp_path / "data"
    write_dataset(nameless, data, format="parquet")
    for hierarchy, ds in (('["locality"]', council), ('["locality", "council"]', nameless)):
        output = tmp_path / hierarchy.count(",").__str__()
        forecast = _forecast(tmp_path, output, hierarchy=hierarchy, data=data if ds is nameless else None)
        pack = write_pack(ds, output, options=PackOptions(months=12, end=END, measures=MEASURES))
        assert not _given_back(pack, forecast), hierarchy


def test_a_pack_and_a_forecast_kept_apart_can_give_counts_back(council, tmp_path):
    """The check above can fail: kept in separate folders, they know nothing of each other."""
    pack = write_pack(council, tmp_path / "packs", options=PackOptions(months=12, end=END, measures=MEASURES))
    assert _given_back(pack, _forecast(tmp_path, tmp_path / "forecasts"))


def test_a_weekly_forecast_meets_no_month_of_the_packs():
    """Weeks are other cells than months: a week starting on the 1st is not that month's count."""
    from earlyhelp.cli.forecastrun import earlier_cells

    weekly = pd.DataFrame({"unique_id": "requests/E08000026", "y": 3.0,
                           "ds": pd.date_range("2024-06-03", periods=8, freq="W-MON")})
    assert earlier_cells("unused", weekly, names=object()) is None


def test_a_forecast_reads_the_pack_of_its_council_under_an_earlier_name(council, tmp_path):
    # the pack written while the council went by another name, the forecast under today's: one
    # council_code, one council (before: matched by name only, the pack was not read)
    import json
    import warnings

    from earlyhelp.data import write_dataset

    loc = council.localities.copy()
    loc["council_name"] = "Old Name Council"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pack = write_pack(council.replace(localities=loc), tmp_path / "runs",
                          options=PackOptions(months=12, end=END, measures=MEASURES))
    write_dataset(council, tmp_path / "data", format="csv")
    forecast = _forecast(tmp_path, tmp_path / "runs", data=tmp_path / "data")
    read = json.loads((forecast / "run.json").read_text())["earlier_runs"]
    assert [r["run_id"] for r in read] == [pack.name]
    assert _given_back(pack, forecast) == []
