"""Benchmark: coverage of 80% and 95% prediction intervals on overdispersed count series.

Negative binomial monthly series with trend (-1.5% to +2% a month), seasonality and size 4-30
(``tests/forecast/_count_series.py``); rolling-origin backtests (12 months ahead, windows 6
months apart). For AutoETS and Theta it prints, per interval method (``model``: the model's
own Gaussian/simulated intervals, ``count``: negative binomial around the model's variance,
``backtest``: the default, negative binomial quantiles whose variance, centre and spread are
calibrated per series on rolling-origin backtests before each origin; ``backtest_shared``: the
same, moved by the bias the backtests of all the series share), the
coverage, the share of actuals below and above the interval and the share of negative lower
bounds; statsforecast's own intervals for the same models on the same windows are the peer.

With ``--councils K`` the series are instead the monthly requests per locality of K synthetic
councils over 6 years (``synthetic.council(preset)``, seeds 0..K-1), last (possibly partial)
month dropped: ``--preset coventry`` (level shifts: flat 2020-23, then 2024's requests about a fifth
above 2023's; lockdown dip, overdispersion) or ``--preset wolverhampton`` (requests growing
about 8% a year, lockdown dip, overdispersion).

With ``--growing`` the series are the same generator's with every trend a steady rise of 0.5%
to 1.5% a month (6-20% a year), 120 months, 200 series, 2 windows.

With ``--real`` the series are the 7 real monthly count series of 144 months or more in R's
datasets (``tests/forecast/_series.py``; needs Rscript with the forecast package), with
``--windows 12``: each series' last 78 months are forecast from 12 origins.

Usage::

    PYTHONPATH=python EARLYHELP_NO_PROGRESS=1 python benchmarks/bench_intervals.py \
        [--series 100] [--length 96] [--windows 3] [--no-peer] [--methods backtest backtest_shared] [--councils 3 [--preset wolverhampton]] [--growing --series 200 --length 120 --windows 2] [--real --windows 12]
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "forecast"))
from _count_series import council_panel, nb_trend_panel  # noqa: E402
from _series import real_count_series  # noqa: E402

from earlyhelp.forecast import AutoETS, Forecaster, Theta  # noqa: E402

LEVELS = (80, 95)


def _rows(cv: pd.DataFrame, alias: str, who: str, method: str, seconds: float):
    for lv in LEVELS:
        lo, hi = cv[f"{alias}-lo-{lv}"], cv[f"{alias}-hi-{lv}"]
        yield {"model": alias, "library": who, "interval": method, "level": lv,
               "coverage": ((cv.y >= lo) & (cv.y <= hi)).mean(), "below": (cv.y < lo).mean(),
               "above": (cv.y > hi).mean(), "negative_lo": (lo < 0).mean(), "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=100)
    ap.add_argument("--length", type=int, default=96)
    ap.add_argument("--windows", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--councils", type=int, default=0)
    ap.add_argument("--preset", default="coventry", choices=("coventry", "wolverhampton"))
    ap.add_argument("--real", action="store_true", help="R's real monthly count series")
    ap.add_argument("--growing", action="store_true", help="every series rising 0.5-1.5%% a month")
    ap.add_argument("--methods", nargs="+", default=["model", "count", "backtest", "backtest_shared"],
                    choices=["model", "count", "backtest", "backtest_shared"], help="our interval methods to run")
    args = ap.parse_args()
    if args.real:
        df = real_count_series()
    elif args.councils:
        df = council_panel(args.councils, args.preset)
    elif args.growing:
        df = nb_trend_panel(args.series, args.length, args.seed, trend=(0.005, 0.015))
    else:
        df = nb_trend_panel(args.series, args.length, args.seed)
    cv_args = dict(h=12, n_windows=args.windows, step_size=6, level=list(LEVELS))
    rows = []
    for make in (AutoETS, Theta):
        for method in args.methods:
            t0 = time.perf_counter()
            cv = Forecaster([make()], freq="MS", interval=method, origin="series").cross_validation(df, **cv_args)
            rows += _rows(cv, make.__name__, "earlyhelp", method, time.perf_counter() - t0)
    if not args.no_peer:
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS as SfETS, Theta as SfTheta

        for model in (SfETS(season_length=12), SfTheta(season_length=12)):
            t0 = time.perf_counter()
            cv = StatsForecast(models=[model], freq="MS", n_jobs=1).cross_validation(df=df, **cv_args)
            rows += _rows(cv, type(model).__name__, "statsforecast", "model", time.perf_counter() - t0)
    table = pd.DataFrame(rows)
    n_series = df.unique_id.nunique()
    print(f"{n_series} series x {df.groupby('unique_id').size().median():.0f} months, {args.windows} windows "
          f"x 12 months ({n_series * args.windows * 12} forecasts per row)")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
