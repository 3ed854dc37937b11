"""Names, not codes: one lookup of locality, council and agency names, used by every report."""
from __future__ import annotations

import re

import pandas as pd

from earlyhelp.data.names import Names, add_names, agency_names, locality_names
from earlyhelp.report import forecast_report

LOCALITIES = pd.DataFrame({
    "locality_id": ["L1", "L2", "L3", "W1"], "name": ["North", "South", None, "North"],
    "council_code": ["E08000026", "E08000026", "E08000026", "E08000031"],
    "council_name": ["Coventry", "Coventry", "Coventry", "Wolverhampton"]})
AGENCIES = pd.DataFrame({"agency_id": ["G1", "G2"], "name": ["Coventry police", ""], "agency_type": ["police", "vcs"]})
CODES = re.compile(r"\bE080000\d\d\b|\bL[123]\b|\bG[12]\b")


def names() -> Names:
    return Names.of({"localities": LOCALITIES, "agencies": AGENCIES})


def test_lookups_tell_apart_shared_names_and_fall_back_to_the_id():
    loc = locality_names(LOCALITIES)
    # "North" is a locality of two councils: each is named with its council
    assert loc.to_dict() == {"L1": "Coventry: North", "L2": "Coventry: South", "L3": "L3",
                             "W1": "Wolverhampton: North"}
    assert locality_names(LOCALITIES.iloc[:3])["L1"] == "North"
    assert agency_names(AGENCIES).to_dict() == {"G1": "Coventry police", "G2": "G2"}
    n = names()
    assert n.locality(pd.Series(["L2", None, "L9"])).tolist() == ["Coventry: South", None, "L9"]
    assert n.council(["E08000031"]).tolist() == ["Wolverhampton"]


def test_series_labels_name_every_level():
    n = Names.of({"localities": LOCALITIES.iloc[:3], "agencies": AGENCIES})
    assert n.series_label("requests/E08000026/L2") == "Coventry / South"
    assert n.series_label("requests/E08000026") == "Coventry"
    assert n.series_label("requests/E12000005/E08000026/L1") == "E12000005 / Coventry / North"   # no region names
    assert n.series_label("requests/L1") == "North"               # hierarchy = ["locality"]
    assert n.series_label("requests") == "requests"
    cols = n.series_columns(["requests/E08000026/L1", "requests/E08000026"])
    assert cols.to_dict("list") == {"council": ["Coventry", "Coventry"], "locality": ["North", ""]}


def test_add_names_puts_a_name_beside_each_id_column():
    frame = pd.DataFrame({"family_id": ["F1"], "family_locality_id": ["L1"], "agency_id_a": ["G1"],
                          "agency_id_b": ["G2"], "lead_agency_id": [None]})
    out = add_names(frame, names())
    assert list(out.columns) == ["family_id", "family_locality_id", "family_locality", "agency_id_a", "agency_a",
                                 "agency_id_b", "agency_b", "lead_agency_id", "lead_agency"]
    assert out.iloc[0].tolist() == ["F1", "L1", "Coventry: North", "G1", "Coventry police", "G2", "G2", None, None]


def _frames():
    ids = ["requests/E08000026", "requests/E08000026/L1", "requests/E08000026/L2"]
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    history = pd.DataFrame([{"unique_id": u, "ds": d, "y": 30 + k % 4, "y_status": ""}
                            for u in ids for k, d in enumerate(months)]).astype({"y": "Int64"})
    future = pd.date_range("2024-01-01", periods=3, freq="MS")
    fc = pd.DataFrame([{"unique_id": u, "ds": d} for u in ids for d in future])
    fc["Naive"], fc["Naive-lo-80"], fc["Naive-hi-80"] = 30.0, 25.0, 35.0
    accuracy = pd.DataFrame({"unique_id": ids, "model": "Naive", "mase": [0.9, 1.0, 1.1]})
    capacity = pd.DataFrame([{"scenario": "baseline", "unique_id": u, "level": lvl, "area": area, "ds": d, "fte": 2.0}
                             for u, lvl, area in zip(ids[1:], ("locality", "locality"), ("North", "South"))
                             for d in future])
    return history, fc, accuracy, capacity


def _titles(figures) -> list:
    out = []
    for fig in figures.values():
        out += [fig.get_suptitle()] + [ax.get_title() for ax in fig.axes]
        for ax in fig.axes:
            legend = ax.get_legend()
            out += [t.get_text() for t in legend.get_texts()] if legend else []
    return out


def test_report_and_figures_name_places_never_code_them():
    import matplotlib.pyplot as plt

    history, fc, accuracy, capacity = _frames()
    n = Names.of({"localities": LOCALITIES.iloc[:3], "agencies": AGENCIES})
    figures = forecast_report.figures(history, fc, accuracy, capacity, measures=["requests"], models=["Naive"],
                                      levels=[80], names=n)
    titles = _titles(figures)
    assert {"Coventry", "Coventry / North", "Coventry / South"} <= set(titles)
    assert not [t for t in titles if CODES.search(t)]
    for fig in figures.values():
        plt.close(fig)
    html = forecast_report.build_report(history, fc, accuracy, capacity, title="Coventry forecast",
                                        measures=["requests"], models=["Naive"], levels=[80], horizon=3, threshold=5,
                                        inputs={"rows": {"requests": 900}, "sha256": "0" * 64}, names=n)
    text = re.sub(r"<img[^>]*>", "", html)
    assert "Requests: Coventry / South" in text and "Requests (Coventry)" in text
    assert not CODES.search(text), CODES.search(text)


def test_published_tables_carry_the_names_for_a_notebook():
    """Read back from a run folder (council and locality columns), the figures are named without a dataset."""
    import matplotlib.pyplot as plt

    from earlyhelp.cli.forecastrun import with_place_names

    history, fc, accuracy, _ = _frames()
    n = Names.of({"localities": LOCALITIES.iloc[:3], "agencies": AGENCIES})
    history, fc = with_place_names(history, n), with_place_names(fc, n)
    assert list(history.columns[:3]) == ["unique_id", "council", "locality"]
    figures = forecast_report.figures(history, fc, accuracy, measures=["requests"], models=["Naive"], levels=[80])
    titles = _titles(figures)
    assert "Coventry / North" in titles and not [t for t in titles if CODES.search(t)]
    for fig in figures.values():
        plt.close(fig)
    # without names or name columns, the ids are all there is
    bare = forecast_report.series_labels([_frames()[0]])
    assert bare["requests/E08000026/L1"] == "E08000026 / L1"
