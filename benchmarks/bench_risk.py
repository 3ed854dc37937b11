"""Benchmark: earlyhelp's LogisticRiskModel against scikit-learn's LogisticRegression.

Same data, same objective (L2, C=1: 0.5 ||w||^2 + C sum_i logloss_i, intercept
unpenalised), each solver at its default tolerance. Prints the time of each,
the objective each reached (relative gap to the best) and the ratio of the
fastest scikit-learn solver's time to ours. Then scores 12 million rows with
the same coefficients.

    PYTHONPATH=python python benchmarks/bench_risk.py [--rows 1000000] [--score-rows 12000000]
"""
from __future__ import annotations

import argparse
import gc
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from earlyhelp.risk import LogisticRiskModel


def numeric_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.normal(0, 0.3, size=p)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 1.0)))).astype(np.int64)
    return X, y


def onehot_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """8 numeric features and 3 categoricals (locality 6, need level 4, agency 5 levels), one-hot, first dropped."""
    rng = np.random.default_rng(seed)
    numeric = rng.standard_normal((n, 8))
    blocks, eta = [numeric], numeric @ rng.normal(0, 0.3, size=8) - 1.0
    for levels in (6, 4, 5):
        code = rng.integers(0, levels, size=n)
        effect = rng.normal(0, 0.5, size=levels)
        eta += effect[code]
        blocks.append((code[:, None] == np.arange(1, levels)[None, :]).astype(np.float64))
    X = np.ascontiguousarray(np.hstack(blocks))
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    return X, y


def objective(coef: np.ndarray, intercept: float, X: np.ndarray, y: np.ndarray, C: float) -> float:
    eta = X @ coef + intercept
    loss = np.logaddexp(0, eta) - y * eta
    return 0.5 * float(coef @ coef) + C * float(loss.sum())


def best_time(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_fit(name: str, X: np.ndarray, y: np.ndarray, repeat: int, newton_cholesky: bool) -> float:
    C = 1.0
    print(f"\n### fit: {name}, {X.shape[0]:,} rows x {X.shape[1]} columns, L2, C={C}")
    runs = {
        "earlyhelp LogisticRiskModel": (lambda: LogisticRiskModel(C=C).fit(X, y), repeat),
        "sklearn lbfgs": (lambda: LogisticRegression(C=C, solver="lbfgs").fit(X, y), repeat),
    }
    if newton_cholesky:
        runs["sklearn newton-cholesky"] = (lambda: LogisticRegression(C=C, solver="newton-cholesky").fit(X, y), 1)
    results = {}
    for label, (fn, rep) in runs.items():
        seconds, model = best_time(fn, rep)
        results[label] = (seconds, objective(model.coef_[0], model.intercept_[0], X, y, C))
    best_obj = min(obj for _, obj in results.values())
    for label, (seconds, obj) in results.items():
        print(f"{label:32s} {seconds:8.3f} s   objective {obj:.10g}  (+{(obj - best_obj) / best_obj:.1e} rel.)")
    ours = results["earlyhelp LogisticRiskModel"][0]
    fastest = min((v[0], k) for k, v in results.items() if k.startswith("sklearn"))
    ratio = fastest[0] / ours
    print(f"ratio: fastest sklearn ({fastest[1]}) / earlyhelp = {ratio:.2f}x")
    return ratio


def bench_score(n: int, p: int, seed: int, repeat: int) -> float:
    print(f"\n### scoring: predict_proba on {n:,} rows x {p} columns")
    Xfit, yfit = numeric_data(200_000, p, seed)
    ours = LogisticRiskModel().fit(Xfit, yfit)
    theirs = LogisticRegression().fit(Xfit, yfit)
    theirs.coef_, theirs.intercept_ = ours.coef_.copy(), ours.intercept_.copy()  # identical models
    rng = np.random.default_rng(seed + 1)
    X = np.empty((n, p))
    for start in range(0, n, 1_000_000):  # fill in chunks to keep the peak memory at X itself
        stop = min(n, start + 1_000_000)
        X[start:stop] = rng.standard_normal((stop - start, p))
    t_ours, p_ours = best_time(lambda: ours.predict_proba(X), repeat)
    t_sk, p_sk = best_time(lambda: theirs.predict_proba(X), repeat)
    diff = float(np.max(np.abs(p_ours - p_sk)))
    print(f"{'earlyhelp predict_proba':32s} {t_ours:8.3f} s")
    print(f"{'sklearn predict_proba':32s} {t_sk:8.3f} s   max |difference| {diff:.1e}")
    ratio = t_sk / t_ours
    print(f"ratio: sklearn / earlyhelp = {ratio:.2f}x")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--score-rows", type=int, default=12_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs (newton-cholesky: 1)")
    parser.add_argument("--skip-newton-cholesky", action="store_true",
                        help="leave out sklearn's newton-cholesky (slow on a loaded machine)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import os

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    X, y = numeric_data(args.rows, args.features, args.seed)
    r1 = bench_fit("numeric features", X, y, args.repeat, not args.skip_newton_cholesky)
    del X, y
    X, y = onehot_data(args.rows, args.seed)
    r2 = bench_fit("numeric + one-hot categorical features", X, y, args.repeat, not args.skip_newton_cholesky)
    del X, y
    r3 = bench_score(args.score_rows, args.features, args.seed, args.repeat)
    print(f"\nsummary: fit {r1:.2f}x, fit with one-hot {r2:.2f}x, scoring {r3:.2f}x (sklearn time / earlyhelp time)")


if __name__ == "__main__":
    main()
