"""The forecast run's figures and HTML report (what was forecast, how accurate, what capacity).

Everything here reads published frames only: the observed history after
suppression, model forecasts, backtest metrics and capacity estimates. The text
is deterministic (no clock times) so two runs on the same data give the same file.

The functions take what they describe as explicit arguments (the models compared, the
interval levels, the measures, the suppression threshold, the title), so a notebook can
build the same report as ``earlyhelp forecast`` without a run config.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import pandas as pd

from .._errors import Problem, ValidationError
from ..data.names import Names
from ..forecast.accuracy import best_model
from ..forecast.hierarchy import unescape_level
from ..results import Excluded, Exclusions
from .html import Section, render_html
from .suppression import SUPPRESSED, published, shown_count

SEP = "/"
MAX_PANELS = 12


def _measure(uid: str) -> str:
    return uid.split(SEP, 1)[0]


def _label(uid: str) -> str:
    parts = [unescape_level(p) for p in uid.split(SEP)]
    return " / ".join(parts[1:]) if len(parts) > 1 else parts[0]


def series_labels(frames: Sequence[Optional[pd.DataFrame]], names: Optional[Names] = None) -> Dict[str, str]:
    """Each series' place in words (``"Coventry / South"``), never its codes where a name is known.

    From ``names`` (the dataset's localities, councils) when given, else from the ``council`` and
    ``locality`` columns a published table carries; a series with neither shows its id levels.

    Parameters
    ----------
    frames : sequence of DataFrame
        tables with a ``unique_id`` column (None entries are skipped).
    names : Names, optional
        the dataset's names.

    Returns
    -------
    dict of str to str
        the label of each series id.
    """
    uids = list(dict.fromkeys(str(u) for f in frames if f is not None and "unique_id" in f
                              for u in f["unique_id"].unique()))
    if names is not None:
        return {u: names.series_label(u) for u in uids}
    out = {u: _label(u) for u in uids}
    for f in frames:
        if f is None or not {"unique_id", "council", "locality"} <= set(f.columns):
            continue
        first = f.drop_duplicates("unique_id")
        for u, c, loc in zip(first["unique_id"].astype(str), first["council"], first["locality"]):
            words = [str(v) for v in (c, loc) if isinstance(v, str) and v]
            if words:
                out[u] = " / ".join(words)
    return out


def _measure_words(measure: str) -> str:
    return measure.replace("_", " ")


def _series_for(history: pd.DataFrame, measure: str) -> List[str]:
    ids = sorted({u for u in history["unique_id"].unique() if _measure(u) == measure}, key=lambda u: (u.count(SEP), u))
    return ids[:MAX_PANELS]


def interval_level(levels: Sequence[int]) -> Optional[int]:
    """The interval drawn and tabulated: 80% when computed, else the first level (None without).

    Parameters
    ----------
    levels : sequence of int
        the interval levels computed.

    Returns
    -------
    int or None
    """
    levels = list(levels)
    return 80 if 80 in levels else (levels[0] if levels else None)


def figures(history: pd.DataFrame, forecasts: pd.DataFrame, accuracy: Optional[pd.DataFrame],
            capacity: Optional[pd.DataFrame] = None, *, measures: Sequence[str], models: Sequence[str],
            levels: Sequence[int] = (), names: Optional[Names] = None,
            model: Optional[str] = None) -> Dict[str, Any]:
    """The run's matplotlib figures by file stem (history and forecast per measure, accuracy, capacity).

    Parameters
    ----------
    history : DataFrame
        The published (suppressed) observed counts ``unique_id, ds, y, y_status``.
    forecasts : DataFrame
        Statsforecast layout, one column per model in ``models``.
    accuracy : DataFrame, optional
        Backtest accuracy per model and series (``model, mase``), or None.
    capacity : DataFrame, optional
        The capacity table (``scenario, level, area, ds, fte``), or None.
    measures : sequence of str
        The measures drawn (one figure each).
    models : sequence of str
        The models compared; the figures draw the most accurate (the first without backtests).
    levels : sequence of int, default ()
        The interval levels computed (80 is drawn when present).

    names : Names, optional
        The dataset's names (:meth:`earlyhelp.data.names.Names.of`) for the panel titles;
        default: the ``council``/``locality`` columns of the tables, else the ids.

    model : str, optional
        The model the run chose (the most accurate over every series, before accuracy was
        withheld); default the most accurate in ``accuracy`` as published.

    Returns
    -------
    dict of str to matplotlib Figure
    """
    from .plots import plot_accuracy, plot_capacity, plot_history_forecast

    model = _chosen_model(model, accuracy, models)
    level = interval_level(levels)
    labels = series_labels([history, forecasts], names)
    out: Dict[str, Any] = {}
    for measure in measures:
        ids = _series_for(history, measure)
        if not ids:
            continue
        out[f"forecast_{measure}"] = plot_history_forecast(
            history, forecasts, model, series=ids, level=level, labels={u: labels.get(u, u) for u in ids},
            title=f"{_measure_words(measure).capitalize()}: observed and forecast ({model})")
    if accuracy is not None and not accuracy.empty and "mase" in accuracy:
        out["accuracy"] = plot_accuracy(accuracy, metric="mase", title="Backtest accuracy by model")
    if capacity is not None and len(capacity) and {"fte", "area"} <= set(capacity.columns):
        base, title = _localities(_baseline(capacity)), "Practitioners needed per locality (baseline)"
        if pd.to_numeric(base["fte"], errors="coerce").isna().all() and "level" in capacity:
            # every locality withheld (small counts): the council's figure, not an empty chart
            base = _baseline(capacity)
            base, title = base[base["level"] != "locality"], "Practitioners needed (baseline; localities withheld)"
        lo = f"fte-lo-{level}" if level is not None and f"fte-lo-{level}" in base else None
        hi = lo.replace("-lo-", "-hi-") if lo else None
        out["capacity"] = plot_capacity(base, value="fte", lo=lo, hi=hi, by="area", title=title)
    return out


def build_report(history: pd.DataFrame, forecasts: pd.DataFrame, accuracy: Optional[pd.DataFrame],
                 capacity: Optional[pd.DataFrame] = None, *, title: str, measures: Sequence[str],
                 models: Sequence[str], levels: Sequence[int], horizon: int, threshold: int,
                 inputs: Mapping[str, Any], excluded: Iterable[Excluded] = (),
                 pngs: Optional[Mapping[str, bytes]] = None, freq: str = "MS", reconciliation: str = "none",
                 backtest_windows: int = 0, source: str = "", capacity_measure: Optional[str] = None,
                 caseload_per_fte: Optional[float] = None, durations: Optional[str] = None,
                 names: Optional[Names] = None, model: Optional[str] = None,
                 withheld_by_earlier: Sequence[Mapping[str, Any]] = ()) -> str:
    """The self-contained HTML report.

    Parameters
    ----------
    history, forecasts, accuracy, capacity, measures, models, levels : as :func:`figures`.
    title : str
        The report's heading.
    horizon : int
        Periods forecast.
    threshold : int
        Counts ``1..threshold`` are hidden (the suppression applied to ``history``);
        counts standing alone in the text (rows read, rows left out) are hidden the same way.
    inputs : :func:`earlyhelp.sources.content_hash` of the data (rows per table, SHA-256).
    excluded : iterable of Excluded, default ()
        What the run left out (:class:`~earlyhelp.results.Excluded` items).
    pngs : mapping of str to bytes, optional
        The figures as PNG bytes by file stem (from :func:`figures`).
    freq : str, default "MS"
        The pandas frequency of the series.
    reconciliation : str, default "none"
        The reconciliation method (``"none"``: not reconciled).
    backtest_windows : int, default 0
        Rolling-origin windows behind ``accuracy``.
    source : str, default ""
        Where the data came from, in a word (``"folder"``, ``"sql"``, ``"synthetic"``).
    capacity_measure, caseload_per_fte, durations : what the capacity table was computed from
        (the measure, the families one practitioner holds, the episode durations in words).
    names : Names, optional
        As :func:`figures` (places are named, never coded, in the text and tables).
    model : str, optional
        As :func:`figures`: the forecasts, key points and capacity text describe this model.
    withheld_by_earlier : sequence of mapping, default ()
        The series withheld only because earlier runs in the output folder hid observed counts
        of them (``series``, ``area``, ``periods``, ``earlier_runs``; ``withheld_by_earlier_runs``
        of ``earlyhelp.cli.forecastrun``): the report gives that reason for them, not small counts.

    Returns
    -------
    str
        the HTML.
    """
    from .. import __version__

    if history.empty or history["ds"].isna().all():
        raise ValidationError([Problem("history", "ds", "has no observed period: the report describes the "
                                                        "data it forecast from, so give at least one month")])
    pngs = dict(pngs or {})
    excluded = Exclusions(excluded)
    model = _chosen_model(model, accuracy, models)
    level = interval_level(levels)
    labels = series_labels([history, forecasts], names)
    last = pd.Timestamp(history["ds"].max())
    key_points = []
    for measure in measures:
        point = _top_level_summary(history, forecasts, measure, model, horizon, labels)
        if point:
            key_points.append(point)
    shown, withheld = _scored_series(accuracy)
    if accuracy is not None and not accuracy.empty and "mase" in accuracy:
        key_points.append(_accuracy_point(accuracy, model, models, backtest_windows, shown, withheld))
    by_earlier = {str(w["series"]): w for w in withheld_by_earlier}
    cap_point = _capacity_summary(capacity, by_earlier)
    if cap_point:
        key_points.append(cap_point)
    if by_earlier:
        key_points.append(_withheld_by_earlier_point(by_earlier))

    sections: List[Section] = []
    s = Section("What was forecast")
    s.paragraphs.append(
        f"Monthly demand ({', '.join(m.replace('_', ' ') for m in measures)}) for each locality and for the "
        f"council, {horizon} periods ahead from {(last + pd.tseries.frequencies.to_offset(freq)).strftime('%B %Y')}. "
        f"Models compared: {', '.join(models)}; the figures below use {model}, the most accurate in backtests. "
        + (f"Forecasts were reconciled ({reconciliation.replace('_', ' ')}) so localities add up to the council. "
           if reconciliation != "none" else "")
        + (f"Shaded bands are {level}% prediction intervals." if level else ""))
    for measure in measures:
        png = pngs.get(f"forecast_{measure}")
        if png:
            s.add_image(f"Observed and forecast {measure}", png)
        table = _forecast_table(forecasts, measure, model, level, labels)
        if table is not None:
            s.add_table(f"{measure.replace('_', ' ')}: forecast per period ({model}, {level}% interval)", table)
    sections.append(s)

    s = Section("How accurate it has been")
    if accuracy is None or accuracy.empty:
        s.paragraphs.append("No backtest was run (forecast.backtest_windows = 0).")
    else:
        s.paragraphs.append(
            f"Each model was refitted at {backtest_windows} earlier points in time and its forecasts compared "
            f"with what happened. MASE and RMSSE compare the errors with a naive forecast (below 1 is better); "
            f"coverage is how often the actual value fell inside the prediction interval.")
        if "accuracy" in pngs:
            s.add_image("Backtest accuracy by model", pngs["accuracy"])
        s.add_table("Mean accuracy by model (all series)" if not withheld else
                    f"Mean accuracy by model ({shown} series; {withheld} withheld: small counts"
                    + (", or counts hidden by earlier runs" if by_earlier else "") + ")",
                    _accuracy_table(accuracy))
    sections.append(s)

    s = Section("What capacity it implies")
    if capacity is None or capacity.empty:
        s.paragraphs.append("No capacity assumptions were given ([capacity] in the config).")
    else:
        s.paragraphs.append(
            f"Forecast {(capacity_measure or 'episodes opened').replace('_', ' ')} turned into open caseload "
            f"(episode durations: {durations or 'as given'}) and into practitioners (full-time equivalents)"
            + (f" at {caseload_per_fte:g} families per practitioner" if caseload_per_fte is not None else "")
            + ". Episodes already open when the forecast starts are counted.")
        if "capacity" in pngs:
            s.add_image("Practitioners needed", pngs["capacity"])
        table = _capacity_table(capacity)
        if table is not None:
            s.add_table("Practitioners (FTE) needed at the end of the forecast, by scenario", table)
    sections.append(s)

    s = Section("Observed counts (last 12 periods)")
    s.paragraphs.append(
        f"Counts from 1 to {threshold} are shown as \"{SUPPRESSED}\" to protect families; "
        "some larger counts are also hidden so that a small count cannot be worked out from totals. "
        "Zero is shown.")
    s.add_table("Observed counts", _observed_table(history, labels))
    sections.append(s)

    s = Section("About this run")
    # a table's rows are the sum of every count published from it: only the organisations' are given
    from .runfolder import rows_shown

    rows = {k: v if v == SUPPRESSED else f"{v:,}" for k, v in rows_shown(inputs.get("rows", {})).items() if v}
    s.paragraphs.append(f"Data source: {source}. Rows read: " + ", ".join(f"{k} {v}" for k, v in rows.items())
                        + f" (\"{SUPPRESSED}\" for a table of people or cases, whatever its rows: they are the sum "
                        "of every count published from it; run.json names each table by its SHA-256).")
    if excluded:
        s.add_table("Rows and series left out", pd.DataFrame(
            [{"step": e.step or e.table, "measure": e.measure or "", "reason": e.reason,
              "count": shown_count(e.rows, threshold)} for e in excluded]))
    else:
        s.paragraphs.append("No rows were left out.")
    s.notes.append(f"Input data SHA-256 {inputs.get('sha256', '')[:16]}...; full details in run.json.")
    sections.append(s)

    return render_html(title, sections,
                       subtitle=f"Data to the end of {last.strftime('%B %Y')}. Produced by earlyhelp {__version__}.",
                       key_points=key_points,
                       footer="Forecasts are estimates with uncertainty; the intervals show the likely range.")


def _chosen_model(model: Optional[str], accuracy: Optional[pd.DataFrame], models: Sequence[str]) -> str:
    if model is None:
        return best_model(accuracy, models)
    if model not in models:
        raise ValidationError([Problem("report", "model", f"{model!r} is not one of the models compared {list(models)}")])
    return model


def _scored_series(accuracy: Optional[pd.DataFrame]) -> "tuple[int, int]":
    """Series whose backtest accuracy is shown, and series whose accuracy was withheld (small counts)."""
    if accuracy is None or accuracy.empty or "unique_id" not in accuracy or "mase" not in accuracy:
        return 0, 0
    status = accuracy["status"] if "status" in accuracy else pd.Series(None, index=accuracy.index)
    hidden = (status.astype(object) == SUPPRESSED).groupby(accuracy["unique_id"], observed=True).all()
    return int((~hidden).sum()), int(hidden.sum())


def _accuracy_point(accuracy: pd.DataFrame, model: str, models: Sequence[str], windows: int, shown: int,
                    withheld: int) -> str:
    """The key point on accuracy: the chosen model and, when the published table alone names
    the same model, its mean scaled error there."""
    if not withheld and best_model(accuracy, models) == model:
        mase = accuracy.groupby("model", observed=True)["mase"].mean()
        return (f"Most accurate model in {windows} backtests: {model} (mean scaled error {mase[model]:.2f}; "
                "below 1 means better than a naive forecast).")
    text = f"Most accurate model in {windows} backtests: {model}, by mean scaled error over all {shown + withheld} series"
    if withheld:
        text += (f" (the accuracy of the {withheld} with small counts is withheld, so the table below covers "
                 f"the other {shown} and may favour another model)")
    return text + "."


def _top_level_summary(history, forecasts, measure, model, horizon, labels) -> Optional[str]:
    ids = [u for u in history["unique_id"].unique() if _measure(u) == measure]
    if not ids:
        return None
    top = min(ids, key=lambda u: (u.count(SEP), u))
    f = forecasts[forecasts["unique_id"] == top]
    if f.empty or model not in f or f[model].isna().all():
        return None
    per_period = f[model].mean()
    h = history[history["unique_id"] == top].sort_values("ds").tail(12)
    text = f"{measure.replace('_', ' ').capitalize()} ({labels.get(top, _label(top))}): about {per_period:,.0f} a month forecast " \
           f"over the next {horizon} months"
    if (h["y_status"] != SUPPRESSED).all() and len(h):
        text += f" (last {len(h)} months: {pd.to_numeric(h['y']).mean():,.0f} a month)"
    return text + "."


def _baseline(capacity: pd.DataFrame) -> pd.DataFrame:
    return capacity[capacity["scenario"] == "baseline"] if "scenario" in capacity else capacity


def _localities(capacity: pd.DataFrame) -> pd.DataFrame:
    return capacity[capacity["level"] == "locality"] if "level" in capacity else capacity


def _withheld_by_earlier_point(by_earlier: Mapping[str, Mapping[str, Any]]) -> str:
    """The key point naming the series withheld because earlier runs hid observed counts of them."""
    runs = sorted({str(r) for w in by_earlier.values() for r in w.get("earlier_runs", ())})
    named = [f"{str(w['series']).split(SEP)[0].replace('_', ' ')} ({w.get('area') or w['series']})"
             for w in by_earlier.values()]
    shown = ", ".join(named[:8]) + (f" and {len(named) - 8} more" if len(named) > 8 else "")
    return (f"Withheld because earlier runs in the output folder ({', '.join(runs) or 'not named'}) hid observed "
            f"counts of them, not because the counts are small: {shown}. Nothing derived from a count a published "
            "run hid is published.")


def _capacity_summary(capacity, by_earlier: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """The practitioners needed at the end of the forecast: the council's figure where there is
    one (the localities' add up to it), else the localities' sum, never counting a withheld one as 0.
    ``by_earlier``: the series withheld because earlier runs hid their counts (said so, not small counts)."""
    by_earlier = by_earlier or {}
    if capacity is None or capacity.empty or not {"fte", "ds"} <= set(capacity.columns):
        return None
    base = _baseline(capacity)
    end = base["ds"].max()
    last = base[base["ds"] == end]
    where = "across localities"
    if "level" in last and (last["level"] != "locality").any():
        last = last[last["level"] != "locality"]
        several = "area" in last and last["area"].nunique() > 1
        where = "across councils" if several else "in the council"
    fte = pd.to_numeric(last["fte"], errors="coerce")
    when = pd.Timestamp(end).strftime("%B %Y")
    ids = last["unique_id"].astype(str) if "unique_id" in last else pd.Series("", index=last.index)
    earlier = (fte.isna() & ids.isin(list(by_earlier))).to_numpy()
    small = int(fte.isna().sum()) - int(earlier.sum())
    if fte.isna().all():
        if not small:
            return (f"Practitioners needed by {when}: withheld (earlier runs in the output folder hid observed "
                    "counts it is forecast from).")
        also = ", or counts hidden by earlier runs" if earlier.any() else ""
        return f"Practitioners needed by {when}: withheld (small counts{also})."
    text = f"Practitioners needed by {when}: about {fte.sum():,.1f} FTE {where}"
    if fte.isna().any():
        why = [f"{small} with small counts"] if small else []
        why += [f"{int(earlier.sum())} whose counts earlier runs hid"] if earlier.any() else []
        text += f" shown ({' and '.join(why)} withheld)"
    return text + " (baseline)."


def _forecast_table(forecasts, measure, model, level, labels) -> Optional[pd.DataFrame]:
    f = forecasts[forecasts["unique_id"].map(_measure) == measure]
    if f.empty or model not in f:
        return None
    lo, hi = f"{model}-lo-{level}", f"{model}-hi-{level}"
    out = pd.DataFrame({"unique_id": f["unique_id"].astype(str), "period": f["ds"],
                        "forecast": f[model].round(1)})
    if lo in f and hi in f:
        out["interval"] = [SUPPRESSED if pd.isna(a) or pd.isna(b) else f"{max(a, 0):,.0f} to {b:,.0f}"
                           for a, b in zip(f[lo], f[hi])]
    # pivoted on the id (two places may share a name), then named
    wide = out.pivot(index="unique_id", columns="period", values="forecast")
    wide = wide.astype(object).where(wide.notna(), SUPPRESSED)    # forecasts of suppressed series
    wide.columns = [pd.Timestamp(c).strftime("%b %Y") for c in wide.columns]
    wide.insert(0, "series", [labels.get(u, _label(u)) for u in wide.index])
    return wide.reset_index(drop=True)


def _accuracy_table(accuracy: pd.DataFrame) -> pd.DataFrame:
    numeric = [c for c in accuracy.columns if c not in ("unique_id", "model", "cutoff")
               and pd.api.types.is_numeric_dtype(accuracy[c])]
    table = accuracy.groupby("model", observed=True)[numeric].mean().round(3).reset_index()
    return table.sort_values("mase" if "mase" in table else "model").reset_index(drop=True)


def _capacity_table(capacity: pd.DataFrame) -> Optional[pd.DataFrame]:
    if not {"fte", "ds"} <= set(capacity.columns):
        return None
    end = capacity["ds"].max()
    last = capacity[capacity["ds"] == end]
    if "scenario" in last and "area" in last:
        # a withheld figure stays withheld (a plain sum would show it as 0)
        fte = last.groupby(["level", "area", "scenario"], observed=True, sort=False)["fte"].sum(min_count=1)
        table = fte.unstack("scenario").round(1)
        rows = pd.MultiIndex.from_frame(last[["level", "area"]].drop_duplicates())   # in the table's order
        table = table.reindex(index=rows, columns=list(dict.fromkeys(last["scenario"])))  # baseline first
        return table.astype(object).where(table.notna(), SUPPRESSED).reset_index()
    return last.round(1)


def _observed_table(history: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    periods = sorted(history["ds"].unique())[-12:]
    recent = published(history[history["ds"].isin(periods)])
    wide = recent.pivot(index="unique_id", columns="ds", values="y")
    wide.columns = [pd.Timestamp(c).strftime("%b %Y") for c in wide.columns]
    wide.insert(0, "series", [f"{_measure_words(_measure(u)).capitalize()}: {labels.get(u, _label(u))}"
                              for u in wide.index.astype(str)])
    return wide.reset_index(drop=True)
