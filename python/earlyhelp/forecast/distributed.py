"""Forecasting a Dask DataFrame partitioned by ``unique_id`` (statsforecast's distributed layout).

Each partition must hold whole series. Every partition is forecast by an ordinary
:class:`~earlyhelp.forecast.Forecaster` on the worker that holds it; series are fitted
independently, so the result equals the single-process forecast of the same frame. Series with no
value are gathered from every partition into the forecaster's ``excluded_``, as for a pandas frame
(a partition holding only such series gives no rows, not an error).
"""
from __future__ import annotations

import numbers
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pandas as pd

from .._errors import Problem, ValidationError


def is_dask_frame(df: Any) -> bool:
    return type(df).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(df, "map_partitions")


def _ids(pdf: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": pd.unique(pdf["unique_id"].astype(str))})


def _forecast_part(pdf: pd.DataFrame, params: Dict[str, Any], h: int, level: Optional[List[Any]],
                   first_row: int = 0) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """One partition's forecast and the series it excluded; ``first_row``: the partition's first
    row in the whole frame, so that a problem names rows of the frame the user gave, not of the
    partition."""
    from .forecaster import Forecaster

    if pdf.empty:
        return pd.DataFrame(), pd.DataFrame()
    try:
        return Forecaster(**params)._forecast_partition(pdf.reset_index(drop=True), h, level)
    except ValidationError as exc:
        if not first_row:
            raise
        raise ValidationError([_shifted(p, first_row) for p in exc.problems]) from None


def _shifted(problem: Problem, first_row: int) -> Problem:
    """``problem`` with its row numbers counted from the frame's first row (ids stay as they are)."""
    from dataclasses import replace

    rows = list(problem.rows or [])
    if not all(isinstance(r, numbers.Integral) and not isinstance(r, bool) for r in rows):
        return problem
    return replace(problem, rows=[r + first_row for r in rows])


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

    from .forecaster import _gather_excluded, _no_series_error, _warn_excluded

    check_partitions(ddf)
    params = dict(models=forecaster.models, freq=forecaster.freq, season_length=forecaster.season_length, n_jobs=1,
                  fill_missing=forecaster.fill_missing, allow_negative=forecaster.allow_negative,
                  interval=forecaster.interval, interval_windows=forecaster.interval_windows)
    lv = None if level is None else list(level)
    # each partition's first row in the frame, for row numbers in problems
    lengths = ddf.map_partitions(len).compute()
    starts = [0, *pd.Series(list(lengths)).cumsum().tolist()[:-1]]
    parts = [dask.delayed(_forecast_part)(p, params, int(h), lv, int(first))
             for p, first in zip(ddf.to_delayed(), starts)]
    results = dask.compute(*parts)
    forecaster.excluded_ = _gather_excluded([e for _, e in results])
    _warn_excluded(forecaster.excluded_)
    frames = [f for f, _ in results if len(f)]
    if not frames:
        if len(forecaster.excluded_):
            raise _no_series_error()
        raise ValidationError("the Dask DataFrame holds no series", table="df")
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
