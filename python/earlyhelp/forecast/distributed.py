"""Forecasting a Dask DataFrame partitioned by ``unique_id`` (statsforecast's distributed layout).

Each partition must hold whole series. Every partition is forecast by an ordinary
:class:`~earlyhelp.forecast.Forecaster` on the worker that holds it; series are fitted
independently, so the result equals the single-process forecast of the same frame, rows in its
order too (by series, as ``pd.factorize(sort=True)`` orders the ids: a Categorical's by its
categories, when every partition holds the same ones; otherwise by value). Series with no
value are gathered from every partition into the forecaster's ``excluded_``, as for a pandas frame
(a partition holding only such series gives no rows, not an error); so are ``report_`` (each
series' data report), ``fallbacks_`` and ``fitted_models_``, as a pandas fit of the same frame
gives them. A problem names rows by the frame's index labels, as for a pandas frame. The whole
frame's last period with a value is found first (one pass over the partitions): with
``origin="frame"`` every partition runs its series to it, as the pandas fit does.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError


def is_dask_frame(df: Any) -> bool:
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(df, "map_partitions")


def _ids(pdf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": pd.unique(pdf["unique_id"].astype(str))})


def _forecast_part(pdf: pd.DataFrame, params: Dict[str, Any], h: int, level: Optional[List[Any]],
                   frame_end: Optional[pd.Timestamp] = None) -> Tuple[pd.DataFrame, ...]:
    """One partition's forecast, the series it excluded, its fallbacks, fitted models and data report. Its
    index is kept: a problem names the rows by the labels of the frame the user gave, as for a
    pandas frame (a shuffled partition's positions are no rows of that frame). ``frame_end``: the
    whole frame's last period with a value, which every series runs to with ``origin="frame"``."""
    from .forecaster import Forecaster

    if pdf.empty:
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), None
    ids = pdf["unique_id"].dtype
    return (*Forecaster(**params)._forecast_partition(pdf, h, level, frame_end),
            ids if isinstance(ids, pd.CategoricalDtype) else None)


def _last_value_date(pdf: pd.DataFrame) -> Optional[pd.Timestamp]:
    """The partition's last period with a value (``y`` not missing), read as the Forecaster reads
    dates; None when it has none."""
    from ._dates import local_dates

    if pdf.empty or not {"ds", "y"}.issubset(pdf.columns):
        return None
    valued = pd.to_numeric(pdf["y"], errors="coerce").notna().to_numpy()
    if not valued.any():
        return None
    day = local_dates(pdf["ds"], "forecast input")[valued].max()
    return None if pd.isna(day) else pd.Timestamp(day)


def _id_dtype(dtypes: Sequence[Any]) -> Optional[pd.CategoricalDtype]:
    """The Categorical dtype of the ids when every partition with rows holds the same one (the pandas
    fit of the whole frame orders its series by those categories); None otherwise (ordered by value)."""
    if not dtypes or any(d is None for d in dtypes):
        return None
    first = dtypes[0]
    return first if all(d == first for d in dtypes[1:]) else None


def _series_codes(ids: pd.Series, dtype: Optional[pd.CategoricalDtype]) -> np.ndarray:
    """Each id's place among the series as the pandas fit numbers them (``pd.factorize(sort=True)``
    of the ids in their own dtype)."""
    values = pd.Series(ids.to_numpy(), dtype=dtype) if dtype is not None else ids
    return pd.factorize(values, sort=True)[0]


def _in_series_order(frame: Optional[pd.DataFrame], dtype: Optional[pd.CategoricalDtype]) -> Optional[pd.DataFrame]:
    """A table with one row per series (``excluded_``, ``report_``) in the pandas fit's order."""
    if frame is None or not len(frame):
        return frame
    order = np.argsort(_series_codes(frame["unique_id"], dtype), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _gather_by_model(parts: Sequence[pd.DataFrame], aliases: List[str], columns: Any = None,
                     dtype: Optional[pd.CategoricalDtype] = None) -> pd.DataFrame:
    """The partitions' rows (one per series and model) in the single-process order: by model, then series."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    order = pd.Categorical(out["model"], categories=list(dict.fromkeys(aliases)))
    out = out.assign(_order=order, _series=_series_codes(out["unique_id"], dtype))
    out = out.sort_values(["_order", "_series"], kind="stable")
    return out.drop(columns=["_order", "_series"]).reset_index(drop=True)


def check_partitions(ddf) -> None:
    """Raise when one series is split between partitions (each must hold whole series)."""
    ids = ddf.map_partitions(_ids, meta={"unique_id": "object"}).compute()
    split = ids["unique_id"][ids["unique_id"].duplicated()].unique()
    if len(split):
        named = ", ".join(str(u) for u in split[:10]) + (f" and {len(split) - 10} more" if len(split) > 10 else "")
        raise ValidationError([Problem("df", "unique_id", f"{len(split)} series split between partitions ({named}): "
                                       "partition the Dask DataFrame by unique_id (e.g. ddf.shuffle('unique_id'))")])


def predict_dask(forecaster, ddf, h: int, level: Optional[Sequence[float]] = None) -> pd.DataFrame:
    """Forecast every partition on the cluster; returns one pandas DataFrame sorted as the
    single-process forecast (by series, see the module doc, then ds)."""
    import dask

    from .forecaster import _gather_excluded, _gather_report, _no_series_error, _warn_excluded

    check_partitions(ddf)
    params = dict(models=forecaster.models, freq=forecaster.freq, season_length=forecaster.season_length, n_jobs=1,
                  fill_missing=forecaster.fill_missing, allow_negative=forecaster.allow_negative,
                  interval=forecaster.interval, interval_windows=forecaster.interval_windows,
                  origin=forecaster.origin)
    lv = None if level is None else list(level)
    # the whole frame's last period with a value: with origin="frame" every series runs to it, and a
    # series' note measures its end from it, as in the pandas fit (not from its partition's last)
    ends = [e for e in dask.compute(*[dask.delayed(_last_value_date)(p) for p in ddf.to_delayed()]) if e is not None]
    frame_end = max(ends) if ends else None
    parts = [dask.delayed(_forecast_part)(p, params, int(h), lv, frame_end) for p in ddf.to_delayed()]
    results = dask.compute(*parts)
    dtype = _id_dtype([r[5] for r in results if len(r[1]) or len(r[4])])
    forecaster.excluded_ = _in_series_order(_gather_excluded([r[1] for r in results]), dtype)
    forecaster.report_ = _in_series_order(_gather_report([r[4] for r in results]), dtype)
    _warn_excluded(forecaster.excluded_)
    aliases = [m.alias for m in forecaster.models]
    forecaster.fallbacks_ = _gather_by_model([r[2] for r in results], aliases, forecaster.fallbacks_.columns, dtype)
    fitted = [r[3] for r in results if len(r[3])]
    forecaster.fitted_models_ = _gather_by_model(fitted, aliases, dtype=dtype) if fitted else None
    frames = [r[0] for r in results if len(r[0])]
    if not frames:
        if len(forecaster.excluded_):
            raise _no_series_error()
        raise ValidationError("the Dask DataFrame holds no series", table="df")
    out = pd.concat(frames, ignore_index=True)
    out = out.assign(_series=_series_codes(out["unique_id"], dtype)).sort_values(["_series", "ds"], kind="stable")
    return out.drop(columns="_series").reset_index(drop=True)
