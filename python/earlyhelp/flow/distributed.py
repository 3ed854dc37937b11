"""Running simulations here or on a ``dask.distributed`` cluster, with identical results.

Run ``r`` of a simulation always draws from the random stream keyed by (seed, r), and bands are
histograms that merge by addition: splitting the runs into chunks, over threads, processes or
machines, cannot change the answer. :func:`simulate_many` runs many councils and scenarios, one
task per (council, scenario) pair, each council with its own seed (``seed`` + a stable hash of
its name) and every scenario of a council with the same seed: run ``r`` of every scenario draws
the same rates, which makes scenario differences sharper, though children's own paths are not
matched draw for draw (see :func:`earlyhelp.flow.cost_avoided_bands`).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd


def _run(args: Dict[str, Any], seed: int, first: int, runs: int, threads: int = 1, progress=None,
         keep_runs: bool = False):
    from .._errors import CoreInputError
    from .._native import flow as core
    from .._native import naming

    try:
        with naming("simulate"):
            return core.simulate(seed=int(seed), first_run=int(first), runs=int(runs), threads=int(threads),
                                 progress=progress, keep_runs=keep_runs, **args)
    except CoreInputError as exc:
        first = exc.problems[0]
        inflated = _inflation(args)
        if first.message.startswith("simulated costs") and inflated is not None:
            # the costs, inflated month by month, outgrow the histogram: name inflation and the horizon
            import re

            yearly, growth, months = inflated
            head = first.message.split(": the costs grow")[0]
            found = re.match(r"simulated costs of month (\d+) range from (-?\d+) to (-?\d+) cost quanta", head)
            if found:  # in currency units, not the histogram's
                month, lo, hi = (int(v) for v in found.groups())
                q = float(args["cost_quantum"])
                head = (f"the simulated costs of month {month} range from {_amount(lo * q)} to {_amount(hi * q)} "
                        "across the runs, too wide to keep as a histogram")
            raise CoreInputError(f"{head}: inflation of {yearly:.3g} % a year multiplies a month's cost "
                                 f"{growth:,.3g}-fold over the {months} months simulated; simulate fewer months or "
                                 "with lower inflation", table=first.table, column=first.column) from exc
        drift = args.get("entry_drift")
        if "without bound" not in str(exc) or drift is None or not np.any(np.asarray(drift) > 0):
            raise
        # the core names a trend or a multiplier; with neither, the drifting entry rate is the cause
        raise CoreInputError(f"{first.message}; entry_drift (on by default) lets each run's entry rate wander "
                             "month by month, far over a long horizon: project fewer months, or fit with "
                             "StockFlow(entry_drift=False)", table=first.table, column=first.column) from exc


def _amount(x: float) -> str:
    """An amount of money in words a reader takes in: 159,767,042, or 2.91e+13 beyond a trillion."""
    return f"{x:,.0f}" if abs(x) < 1e12 else f"{x:.3g}"


def _inflation(args: Dict[str, Any]) -> Optional[Tuple[float, float, int]]:
    """(yearly inflation in per cent, the growth of a month's cost from the first month to the
    last, months) of a simulation's plan whose costs are inflated; None when they are not."""
    factor = np.asarray(args.get("cost_factor", ()), dtype=float)
    ends = np.asarray(args.get("period_ends", ()), dtype=float)
    if len(factor) < 2 or not factor[-1] > factor[0]:
        return None
    growth = float(factor[-1] / factor[0])
    yearly = (growth ** (365.25 / max(ends[-1] - ends[0], 1.0)) - 1) * 100
    return yearly, growth, len(factor)


def _merge(parts: Iterable[Tuple[Any, Any, Any]]):
    parts = list(parts)
    stocks, costs, entrants = parts[0]
    for s, c, e in parts[1:]:
        stocks.merge(s)
        costs.merge(c)
        entrants.merge(e)
    return stocks, costs, entrants


def _chunks(runs: int, n: int) -> List[Tuple[int, int]]:
    n = max(1, min(n, runs))
    size, extra = divmod(runs, n)
    out, first = [], 0
    for i in range(n):
        count = size + (1 if i < extra else 0)
        if count:
            out.append((first, count))
        first += count
    return out


def run_chunks(args: Dict[str, Any], runs: int, seed: int, client=None, threads: int = 2,
               chunks: Optional[int] = None, progress: Optional[bool] = None):
    """(stocks, costs, entrants) Bands of ``runs`` runs, here (``client=None``) or on ``client``."""
    from .._errors import ValidationError

    if runs <= 0:
        raise ValidationError("runs must be positive", table="simulate", column="runs")
    if client is None:
        from .._native import progress as progress_bar

        with progress_bar("simulate", unit="run", show=progress) as callback:
            return _run(args, seed, 0, runs, threads, callback)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts = _chunks(runs, chunks or 2 * n_workers)
    # one object under a fresh key: a dict would be scattered value by value under its own
    # keys ("days", "unit_cost", ...), which the next call reuses while the last one's are
    # being released, and the tasks then lose their inputs
    [shared] = client.scatter([args], broadcast=True, hash=False)
    futures = [client.submit(_run, shared, seed, first, count, 1, pure=False) for first, count in parts]
    return _merge(gather(client, futures, "simulate", "chunk", progress))


def run_paired(args: Dict[str, Any], runs: int, seed: int, client=None, threads: int = 2,
               chunks: Optional[int] = None, progress: Optional[bool] = None):
    """As :func:`run_chunks`, keeping every run's outcome too (to add localities run by run):
    (stocks, costs, entrants, run_stocks, run_costs), the runs in order."""
    from .._errors import ValidationError

    if runs <= 0:
        raise ValidationError("runs must be positive", table="simulate", column="runs")
    if client is None:
        from .._native import progress as progress_bar

        with progress_bar("simulate", unit="run", show=progress) as callback:
            return _run(args, seed, 0, runs, threads, callback, keep_runs=True)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    [shared] = client.scatter([args], broadcast=True, hash=False)
    futures = [client.submit(_run, shared, seed, first, count, 1, keep_runs=True, pure=False)
               for first, count in _chunks(runs, chunks or 2 * n_workers)]
    results = gather(client, futures, "simulate", "chunk", progress)  # in the order of their runs
    stocks, costs, entrants = _merge(r[:3] for r in results)
    return (stocks, costs, entrants, np.concatenate([r[3] for r in results]),
            np.concatenate([r[4] for r in results]))


def check_client(client: Any, table: str) -> None:
    """A ValidationError for a client that is closed (not Dask's ClosedClientError, or 'IOLoop
    is closed', from deep inside the first submit)."""
    from .._errors import ValidationError

    if client is None:
        return
    if not hasattr(client, "submit"):
        raise ValidationError(f"client must be a dask.distributed.Client (earlyhelp.flow.local_client()), not "
                              f"{type(client).__name__}", table=table, column="client")
    if getattr(client, "status", "running") in ("closed", "closing", "failed"):
        raise ValidationError(f"the client is {client.status}: connect a new one (earlyhelp.flow.local_client())",
                              table=table, column="client")


def gather(client, futures: List[Any], desc: str, unit: str, progress: Optional[bool]) -> List[Any]:
    """The results of ``futures`` in their order, a progress bar counting them as they finish
    (``progress`` as :func:`earlyhelp._native.progress`'s ``show``)."""
    from distributed import as_completed

    from .._native import progress as progress_bar

    with progress_bar(desc, unit=unit, show=progress) as callback:
        if callback is not None:
            callback(0, len(futures))
            for done, _ in enumerate(as_completed(futures), start=1):
                callback(done, len(futures))
        return client.gather(futures)


def council_seed(seed: int, council: str) -> int:
    """The seed of one council in a many-council run: stable across processes and machines
    (derived from the name as a locality's is within a council)."""
    from .localities import locality_seed

    return locality_seed(seed, council)


def _one(model, scenario, months: int, runs: int, seed: int, quantiles, paired: bool = False):
    """One task: the tidy bands of ``model`` under ``scenario`` and, when ``paired``, every run's
    outcome (to add localities run by run), else None."""
    result = model._simulate_bands(months, runs, seed, None, scenario, 1, None, False, paired=paired)
    frame = model._tidy_bands(result, quantiles)
    if not paired:
        return frame, None
    return frame, {"run_stocks": result["run_stocks"], "run_costs": result["run_costs"],
                   "quantum": result["quantum"], "dates": result["dates"]}


def _tasks(models: Mapping[str, Any], scenarios: Sequence[Any], seed: int):
    """(council, scenario's index, scenario, locality or None, model, seed) of every task: a council fitted by
    locality gives one task per locality, seeded as its own ``simulate`` seeds it."""
    from .localities import locality_scenarios, locality_seed

    out = []
    for name, model in models.items():
        own = council_seed(seed, name)
        for k, s in enumerate(scenarios):
            if getattr(model, "_parts", None) is None:
                out.append((name, k, s, None, model, own))
            else:
                shared = locality_scenarios(model._parts, s)  # an entry amount added is the council's, split
                out += [(name, k, shared[loc], loc, part, locality_seed(own, loc))
                        for loc, part in model._parts.items()]
    return out


def _check_models(models: Any) -> None:
    """``models``: a non-empty mapping of council name to fitted StockFlow."""
    from .._errors import ValidationError
    from .model import StockFlow

    if not isinstance(models, Mapping):
        raise ValidationError(f"models must map each council's name to its fitted StockFlow, not "
                              f"{type(models).__name__}", table="simulate_many", column="models")
    if not len(models):
        raise ValidationError("no models given", table="simulate_many", column="models")
    # names label the rows and seed the councils: text, so that 1 and "1" are not two councils
    # with one label and one seed
    named = [repr(name) for name in models if not (isinstance(name, str) and name.strip())]
    if named:
        raise ValidationError(f"council names must be non-empty text, not {', '.join(named[:10])}",
                              table="simulate_many", column="models")
    wrong = [str(name) for name, m in models.items() if not isinstance(m, StockFlow)]
    if wrong:
        raise ValidationError(f"not a StockFlow: {wrong[:10]}", table="simulate_many", column="models")


def _check_scenarios(scenarios: Any) -> List[Any]:
    """The scenarios as a list ([None]: the baseline), each a Scenario, named once each: two
    of one name would be merged under it in the result."""
    from .._errors import ValidationError
    from .scenario import check_changes_something, check_scenario

    if not scenarios:
        return [None]
    if isinstance(scenarios, (str, bytes)) or not isinstance(scenarios, Iterable):
        raise ValidationError(f"scenarios must be a list of Scenario, not {scenarios!r}", table="simulate_many",
                              column="scenarios")
    scen = [check_scenario(s, "simulate_many") for s in scenarios]
    for s in scen:
        if s is not None and s.name != "baseline":  # an unchanged "baseline" is the baseline
            check_changes_something(s)
    changing = [s.name for s in scen if s is not None and s.name == "baseline" and (s.changes or s.caps)]
    if changing:
        # "baseline" names the run without changes (None): rows of that name must be it
        raise ValidationError("a scenario with changes cannot be named 'baseline', the name of the run without "
                              "changes: rename it", table="simulate_many", column="scenarios")
    names = [s.name if s is not None else "baseline" for s in scen]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(f"scenario names must differ: {repeated} given more than once", table="simulate_many",
                              column="scenarios")
    return scen


def _check_scenarios_act(models: Mapping[str, Any], scenarios: List[Any]) -> None:
    """Each scenario multiplies only rates each council's data show (see StockFlow.simulate)."""
    from dataclasses import replace

    from .._errors import ValidationError

    for name, model in models.items():
        for s in scenarios:
            try:
                model._check_scenario(s)
            except ValidationError as e:
                raise ValidationError([replace(p, message=f"council {name}: {p.message}") for p in e.problems]) from e


def simulate_many(models: Mapping[str, Any], scenarios: Optional[Sequence[Any]] = None, *, months: int = 60,
                  runs: int = 1000, seed: int = 0, client=None, quantiles=(0.05, 0.5, 0.95),
                  total: bool = True, progress: Optional[bool] = None) -> pd.DataFrame:
    """Simulate every council in ``models`` (name -> fitted StockFlow) under every scenario.

    One task per (council, scenario), on ``client`` (a ``dask.distributed.Client``; ``None``
    runs them here one after another). Returns the tidy bands of :meth:`StockFlow.simulate`
    with ``council`` and ``scenario`` columns; identical with or without a client.

    A council fitted by locality (``fit(ds, by="locality")``) is partitioned further, one task
    per (council, scenario, locality), locality ``L`` seeded with
    ``earlyhelp.flow.localities.locality_seed(council seed, L)`` as
    :meth:`StockFlow.simulate` seeds it; the result then has a ``locality`` column first, and
    with ``total`` the council total rows (locality ``"all"``) are built from the localities'
    runs added run by run, exactly as ``model.simulate(seed=council_seed(seed, name))`` builds
    them. Councils not fitted by locality have locality ``"all"`` in such a result.

    Parameters
    ----------
    models : mapping of str to StockFlow
        fitted models by council, whole-council or by locality.
    scenarios : sequence of Scenario, optional
        the scenarios (default the baseline).
    months, runs : int
        the horizon in months (default 60) and the Monte Carlo runs per task (default 1000).
    seed : int, default 0
        the seed; each council draws from its own (the seed plus a stable hash of its name).
    client : dask.distributed.Client, optional
        the cluster the tasks go to (default: run them here).
    quantiles : sequence of float
        the quantiles reported (default 5 %, 50 % and 95 %).
    total : bool, default True
        add the council total rows of councils fitted by locality (each task then returns every
        run's outcome, ``runs`` x ``months`` x series values).
    progress : bool, optional
        a progress bar counting the tasks, on a terminal or in a notebook: True shows it, False
        never; by default it shows once the run has lasted a second. Ctrl-C stops the run.

    Returns
    -------
    DataFrame
    """
    from .._errors import ValidationError
    from . import checks
    from .localities import TOTAL, add_runs

    _check_models(models)
    seed = checks.seed(seed, "simulate_many")
    quantiles = checks.quantiles(quantiles, "simulate_many")  # here, not after every run
    total = checks.flag(total, "total", "simulate_many")
    progress = checks.optional_flag(progress, "progress", "simulate_many")
    scen = _check_scenarios(scenarios)
    _check_scenarios_act(models, scen)
    check_client(client, "simulate_many")
    tasks = _tasks(models, scen, seed)
    paired = [total and t[3] is not None for t in tasks]
    if client is None:
        from .._native import progress as progress_bar

        done = []
        with progress_bar("simulate_many", unit="task", show=progress) as callback:
            if callback is not None:
                callback(0, len(tasks))
            for (_, _, s, _, m, sd), p in zip(tasks, paired):
                done.append(_one(m, s, months, runs, sd, quantiles, p))
                if callback is not None:
                    callback(len(done), len(tasks))
    else:
        futures = [client.submit(_one, m, s, months, runs, sd, quantiles, p, pure=False)
                   for (_, _, s, _, m, sd), p in zip(tasks, paired)]
        done = gather(client, futures, "simulate_many", "task", progress)
    by_locality = any(t[3] is not None for t in tasks)
    last = {t[:2]: k for k, t in enumerate(tasks)}  # the last task of each (council, scenario)
    out, summed = [], None
    for k, ((name, j, s, loc, model, _), (frame, runs_of)) in enumerate(zip(tasks, done)):
        label = "baseline" if s is None else s.name
        frame = frame.assign(council=name, scenario=label)
        if by_locality:
            frame.insert(0, "locality", loc if loc is not None else TOTAL)
        out.append(frame)
        if runs_of is None:
            continue
        summed = add_runs(summed, runs_of)
        if last[(name, j)] == k:
            total_frame = model._tidy_runs(summed, quantiles).assign(council=name, scenario=label)
            total_frame.insert(0, "locality", TOTAL)
            out.append(total_frame)
            summed = None
    return pd.concat(out, ignore_index=True)


def local_client(address: Optional[str] = None, workers: int = 2, threads_per_worker: int = 1):
    """A ``dask.distributed`` Client: to ``address`` when given, else to a new LocalCluster.

    Parameters
    ----------
    address : str, optional
        a scheduler's address.
    workers : int, default 2
        workers of a new LocalCluster.
    threads_per_worker : int, default 1
        threads per worker.

    Returns
    -------
    dask.distributed.Client
        Closing it (``client.close()``, or leaving ``with local_client() as client:``) also
        stops the LocalCluster it started and its worker processes.
    """
    from dask.distributed import Client

    if address:
        return Client(address)
    # the client starts the cluster, so it owns it: closing the client stops the workers too
    return Client(n_workers=workers, threads_per_worker=threads_per_worker, processes=True, dashboard_address=None)
