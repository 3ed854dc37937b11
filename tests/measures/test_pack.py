"""The pack on a small hand-made council: blocked measures listed, everything small hidden, formulas
neutralised, every file through publish_file."""
from __future__ import annotations

import json

import pandas as pd

from earlyhelp.report import pack as P
from measures_council import tiny_council


def test_pack_on_a_tiny_council_hides_everything_small(tmp_path, monkeypatch):
    ds = tiny_council(plans=True)
    written = []
    real = P.publish_file
    monkeypatch.setattr(P, "publish_file", lambda folder, name, payload, kind: (written.append(name),
                                                                                 real(folder, name, payload, kind)))
    run = P.write_pack(ds, tmp_path, options=P.PackOptions(months=6, end="2024-06-30"))
    assert sorted(written) == sorted(["measures_monthly", "measures_localities_12m", "summary", "catalogue",
                                      "dashboard.html", "measures.xlsx", "run.json"])
    record = json.loads((run / "run.json").read_text())
    assert "plans_timely" in record["blocked"] and "plans" in record["blocked"]["plans_timely"]
    html = (run / "dashboard.html").read_text(encoding="utf-8")
    assert "plans_timely" in html and "could not be computed" in html
    monthly = pd.read_csv(run / "measures_monthly.csv", dtype=str)
    for col in ("numerator", "denominator"):
        shown = pd.to_numeric(monthly[col].where(monthly[col] != "c"), errors="coerce")
        kinds = pd.read_csv(run / "catalogue.csv").set_index("id")["kind"]
        counts = shown[monthly["measure"].map(kinds) != "ratio"].dropna()
        assert not ((counts >= 1) & (counts <= 5)).any(), col
    # a count of 2 North requests in January is hidden, and so is the value built on it
    north = monthly[(monthly["measure"] == "requests") & (monthly["locality"] == "North")]
    assert (north["numerator"] == "c").any() and (north.loc[north["numerator"] == "c", "value"] == "c").all()


def test_formula_like_text_is_neutralised():
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-2", "@a", "ok"], "n": [1, 2, 3, 4, 5]})
    out = P.neutralise_formulas(frame)
    assert out["name"].tolist() == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@a", "ok"]
    assert out["n"].tolist() == [1, 2, 3, 4, 5]


def test_vectorised_suppression_matches_the_general_rule():
    """The pack's one-relation-per-group suppression hides exactly what suppress_cells hides."""
    import numpy as np

    from earlyhelp.report.suppression import suppress_cells

    rng = np.random.default_rng(7)
    for trial in range(200):
        n_groups = int(rng.integers(1, 6))
        sizes = rng.integers(1, 7, n_groups)
        group = np.repeat(np.arange(n_groups), sizes)
        parts = rng.choice([0, 0, 1, 2, 3, 5, 6, 9, 20], size=len(group)).astype(float)
        is_total = np.zeros(len(group), dtype=bool)
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        with_total = rng.random(n_groups) < 0.8
        is_total[starts[with_total]] = True
        values = parts.copy()
        for g in np.flatnonzero(with_total):      # the total is the sum of the group's parts
            rows = np.flatnonzero(group == g)
            values[rows[0]] = parts[rows[1:]].sum()
        shuffle = rng.permutation(len(group))
        group, is_total, values = group[shuffle], is_total[shuffle], values[shuffle]
        primary, secondary = P._one_relation_each(values, group, is_total, 5, pd.Series(["m"] * len(group)))
        for g in range(n_groups):
            rows = np.flatnonzero(group == g)
            tot = [i for i, r in enumerate(rows) if is_total[r]]
            rel = [(tot[0], tuple(i for i in range(len(rows)) if i != tot[0]))] if tot and len(rows) > 1 else []
            want = suppress_cells(values[rows], rel, threshold=5, lp_audit=False)
            assert (want.reason == "primary").tolist() == primary[rows].tolist(), trial
            assert (want.reason == "secondary").tolist() == secondary[rows].tolist(), trial


def test_pack_shows_its_steps_on_a_terminal_and_times_them(tmp_path, monkeypatch, capsys):
    """Long work shows progress: the pack's bar names its steps, and run.json times each."""
    from earlyhelp import _native

    monkeypatch.delenv("EARLYHELP_NO_PROGRESS", raising=False)
    monkeypatch.setattr(_native, "progress_enabled", lambda: True)
    run = P.write_pack(tiny_council(plans=True), tmp_path, options=P.PackOptions(months=6, end="2024-06-30"))
    err = capsys.readouterr().err
    assert "earlyhelp report" in err and "/4 [" in err
    timings = json.loads((run / "run.json").read_text())["timings_seconds"]
    assert set(timings) == {"measures and suppression", "dashboard", "workbook", "write outputs", "total"}
    assert timings["total"] >= sum(v for k, v in timings.items() if k != "total") - 0.01
