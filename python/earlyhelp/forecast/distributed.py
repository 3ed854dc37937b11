"""Forecasting a Dask DataFrame partitioned by ``unique_id`` (statsforecast's distributed layout).

Each partition must hold whole series. Every partition is forecast by an ordinary
:class:`~earlyhelp.forecast.Forecaster` on the worker that holds it; series are fitted
independently, so the result equals the single-process forecast of the same frame. Series with no
value are gathered from every partition into the forecaster's ``excluded_``, as for a pandas frame
(a partition holding only such series gives no rows, not an error); so are ``report_`` (each
series' data report), ``fallbacks_`` and ``fitted_models_``, as a pandas fit of the same frame
gives them. A problem names rows by the frame's index labels, as for a pandas frame.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from .._errors import Problem, ValidationError


def is_dask_frame(df: Any) -> bool:
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(df, "map_partitions")


def _ids(pdf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": pd.unique(pdf["unique_id"].astype(str))})


def _forecast_part(pdf: pd.DataFrame, params: Dict[str, Any], h: int, level: Optional[List[Any]]
                   ) -> Tuple[pd.DataFrame, ...]:
    """One partition's forecast, the series it excluded, its fallbacks, fitted models and data report. Its
    index is kept: a problem names the rows by the labels of the frame the user gave, as for a
    pandas frame (a shuffled partition's positions are no rows of that frame)."""
    from .forecaster import Forecaster

    if pdf.empty:
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    return Forecaster(**params)._forecast_partition(pdf, h, level)


def _gather_by_model(parts: Sequence[pd.DataFrame], aliases: List[str], columns: Any = None) -> pd.DataFrame:
    """The partitions' rows (one per series and model) in the single-process order: by model, then series."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    order = pd.Categorical(out["model"], categories=list(dict.fromkeys(aliases)))
    out = out.assign(_order=order).sort_values(["_order", "unique_id"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def check_partitions(ddf) -> None:
    """Raise when one series is split between partitions (each must hold whole series)."""
    ids = ddf.map_partitions(_ids, meta={"unique_id": "object"}).compute()
    split = ids["unique_id"][ids["unique_id"].duplicated()].unique()
    if len(split):
        raise ValidationError([Problem("df", "unique_id", "series split between partitions: partition the Dask "
                                       "DataFrame by unique_id (e.g. ddf.shuffle('unique_id'))", list(split[:10]),
                                       len(split))])


def predict_dask(forecaster, ddf, h: int, level: Optional[Sequence[float]] = None) -> pd.DataFrame:
    """Forecast every partition on the cluster; returns one pandas DataFrame sorted as the
    single-process forecast (by unique_id, then ds)."""
    import dask

    from .forecaster import _gather_excluded, _gather_report, _no_series_error, _warn_excluded

    check_partitions(ddf)
    params = dict(models=forecaster.models, freq=forecaster.freq, season_length=forecaster.season_length, n_jobs=1,
                  fill_missing=forecaster.fill_missing, allow_negative=forecaster.allow_negative,
                  interval=forecaster.interval, interval_windows=forecaster.interval_windows)
    lv = None if level is None else list(level)
    parts = [dask.delayed(_forecast_part)(p, params, int(h), lv) for p in ddf.to_delayed()]
    results = dask.compute(*parts)
    forecaster.excluded_ = _gather_excluded([r[1] for r in results])
    forecaster.report_ = _gather_report([r[4] for r in results])
    _warn_excluded(forecaster.excluded_)
    aliases = [m.alias for m in forecaster.models]
    forecaster.fallbacks_ = _gather_by_model([r[2] for r in results], aliases, forecaster.fallbacks_.columns)
    fitted = [r[3] for r in results if len(r[3])]
    forecaster.fitted_models_ = _gather_by_model(fitted, aliases) if fitted else None
    frames = [r[0] for r in results if len(r[0])]
    if not frames:
        if len(forecaster.excluded_):
            raise _no_series_error()
        raise ValidationError("the Dask DataFrame holds no series", table="df")
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
