"""Short breaks (SSDA903 legal status V3/V4: an agreed series of short-term placements) are left
out of care by default, as DfE's figures of children looked after leave them out, and counted;
kept as care only when asked (as cs-demand-model keeps them)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import earlyhelp
from earlyhelp.flow import StockFlow

END = pd.Timestamp("2024-03-31")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """About 50 children a year taken into care, and 10 disabled children with a 3-night short
    break each month (one episode per break, LS V3; two of them V4)."""
    root = tmp_path_factory.mktemp("short_breaks")
    rng = np.random.default_rng(1)
    head, eps = ["CHILD,SEX,DOB"], ["CHILD,DECOM,RNE,LS,PLACE,DEC,REC"]
    d = lambda t: t.strftime("%d/%m/%Y")
    for i in range(150):
        start = pd.Timestamp("2021-04-01") + pd.Timedelta(days=int(rng.integers(0, 1095)))
        end = start + pd.Timedelta(days=int(rng.exponential(700)))
        closed = end <= END
        head.append(f"C{i},1,{d(start - pd.Timedelta(days=int(rng.integers(400, 5000))))}")
        eps.append(f"C{i},{d(start)},S,C2,U1,{d(end) if closed else ''},{'E11' if closed else ''}")
    for j in range(10):
        head.append(f"SB{j},2,01/06/2012")
        for k in range(36):
            s = pd.Timestamp("2021-04-05") + pd.DateOffset(months=k)
            eps.append(f"SB{j},{d(s)},S,{'V4' if j < 2 else 'V3'},U1,{d(s + pd.Timedelta(days=3))},E8")
    (root / "header.csv").write_text("\n".join(head) + "\n")
    (root / "episodes.csv").write_text("\n".join(eps) + "\n")
    return root


def test_read_ssda903_keeps_and_counts_short_breaks(folder):
    ds = earlyhelp.read_ssda903(folder)
    assert ds.meta["ssda903_report"]["short_break_episodes"] == 360
    assert ds.cla_episodes["legal_status"].isin(["V3", "V4"]).sum() == 360


def test_the_model_leaves_short_breaks_out_of_care(folder):
    ds = earlyhelp.read_ssda903(folder)
    m = StockFlow("cs-demand-model").fit(ds, start="2023-04-01", end=END)
    assert m.report["short_break_episodes_excluded"] == 360
    assert not m._spells["person_id"].str.startswith("SB").any()
    # the entries into care in the window are the ordinary ones (about 50), not 120 breaks more
    assert m.entry_rates()["entrants"].sum() < 80
    exits = m.transition_rates().query("to_state == 'out'")["transitions"].sum()
    assert exits < 80


def test_short_breaks_are_kept_as_care_when_asked(folder):
    ds = earlyhelp.read_ssda903(folder)
    m = StockFlow("cs-demand-model", short_breaks="keep").fit(ds, start="2023-04-01", end=END)
    assert m.report["short_break_episodes_kept_as_care"] == 360
    assert "short_break_episodes_excluded" not in m.report
    assert m.entry_rates()["entrants"].sum() > 150


def test_short_breaks_in_a_dataset_of_any_source_are_left_out():
    persons = pd.DataFrame({"person_id": ["a", "b"], "birth_date": pd.to_datetime(["2012-01-01"] * 2),
                            "sex": ["F", "M"]})
    cla = pd.DataFrame({"cla_episode_id": ["e1", "e2"], "person_id": ["a", "b"],
                        "start_date": pd.to_datetime(["2023-05-01", "2023-06-01"]),
                        "end_date": pd.to_datetime(["2023-05-04", None]), "legal_status": ["V4", "C2"],
                        "placement": ["U1", "U1"]})
    ds = earlyhelp.Dataset.from_frames(persons=persons, cla_episodes=cla, meta={"end_date": "2024-03-31"})
    m = StockFlow("statutory").fit(ds, start="2023-10-01", end="2024-03-31")
    assert list(m._spells["person_id"]) == ["b"] and m.report["short_break_episodes_excluded"] == 1


def test_short_breaks_takes_exclude_or_keep():
    with pytest.raises(earlyhelp.ValidationError, match="short_breaks must be one of exclude, keep"):
        StockFlow(short_breaks="drop")


def test_a_run_config_takes_short_breaks_under_model(tmp_path):
    from pathlib import Path

    from earlyhelp._errors import ConfigError
    from earlyhelp.cli.flowrun import load_flow_config

    example = Path(__file__).resolve().parents[2] / "examples" / "flow.toml"
    text = example.read_text().replace('output = "runs"', f'output = "{tmp_path / "runs"}"')
    for value, ok in (("keep", True), ("drop", False)):
        path = tmp_path / f"{value}.toml"
        path.write_text(text.replace('categories = "continuum"', f'categories = "continuum"\nshort_breaks = "{value}"'))
        if ok:
            assert load_flow_config(str(path)).short_breaks == "keep"
        else:
            with pytest.raises(ConfigError, match="model.short_breaks"):
                load_flow_config(str(path))
    assert load_flow_config(str(example)).short_breaks == "exclude"
