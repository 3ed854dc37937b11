"""Scenarios: named changes to rates over date ranges ("20% fewer step-ups from April").

A change multiplies or adds to one rate: the flow from one state to another (``("early_help",
"cin")``, ``("cp", "out")``), or the entry rate into a state (``"entry:cp"``); it applies to every
age bracket, from ``start`` (inclusive) to ``end`` (exclusive; open = for ever): it changes the flows
of those days, so the stock on ``start`` already holds the children it adds that day (a day's
stock counts the children who started on it, as the fit does), and the fit's end date, whose
stock is the data's, is no day a change can act on. ``cap`` limits
the time a child spends in a state, from their entry to it, whatever moves within it follow
(in the Monte Carlo exactly; in the deterministic projection
by following each capped state's stock as daily cohorts, see :meth:`StockFlow.project`). Days with the same set of active changes
share one "regime", so the cores see a few rate sets and a regime number per day.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from . import checks

Target = Union[str, Tuple[str, str]]
CHANGE_KINDS = ("multiply", "add")
#: the longest cap on a stay: a child's whole childhood
MAX_CAP_DAYS = 18 * 366
# the most a scenario adds to a rate a day: a million children a day entering a state, far
# beyond England's; more makes every stock and cost infinite
MAX_ADD = 1e6


@dataclass(frozen=True)
class Change:
    target: Target
    kind: str             # "multiply" or "add"
    value: float
    start: Optional[str] = None
    end: Optional[str] = None


@dataclass
class Scenario:
    """A named set of changes. Build with :meth:`multiply`, :meth:`add`, :meth:`cap` (each
    returns the scenario, so calls chain); save with :meth:`save`, load with :meth:`load`.

    Parameters
    ----------
    name : str
        the scenario's name.
    changes : list of Change
        the rate changes (use the methods).
    caps : dict of str to float
        the longest stay per state, in days.
    """

    name: str
    changes: List[Change] = field(default_factory=list)
    caps: Dict[str, float] = field(default_factory=dict)

    def multiply(self, target: Target, factor: float, start: Any = None, end: Any = None) -> "Scenario":
        """Multiply a rate by ``factor`` (0.9: ten per cent fewer).

        Parameters
        ----------
        target : tuple of (str, str) or str
            A flow ``(from_state, to_state)`` or ``"entry:<state>"`` (children entering it).
        start, end : date-like, optional
            When the change applies (default: the whole projection).
        factor : float
            The multiplier (non-negative).

        Returns
        -------
        Scenario
            Itself, so calls chain.
        """
        factor = checks.real(factor, f"factor of {target!r}", f"scenario {self.name}", 0.0)
        self.changes.append(Change(_target(target), "multiply", factor, *self._when(start, end)))
        return self

    def add(self, target: Target, amount: float, start: Any = None, end: Any = None) -> "Scenario":
        """Add ``amount`` per day to a rate (children a day for ``entry:``, a daily rate for flows).

        Children added to an entry rate are that many a day whatever the model's entry trend or
        season (those scale the rate the data show, not the children a scenario adds), spread
        over the age brackets as the state's entrants in the fit window are (evenly when it had
        none). On a model fitted by locality (``fit(ds, by="locality")``) an entry amount is the
        council's: each locality adds its share, in proportion to its entrants a day into that
        state in the fit window (evenly when no locality had any), so that the localities add
        ``amount`` a day between them, as the whole-council model does. An amount added to a
        flow is a daily rate, the same in every locality.

        Parameters
        ----------
        target : tuple of (str, str) or str
            a flow ``(from_state, to_state)`` or ``"entry:<state>"``.
        amount : float
            per day.
        start, end : date-like, optional
            when the change applies (default: the whole projection).

        Returns
        -------
        Scenario
            itself, so calls chain.
        """
        amount = checks.real(amount, f"amount of {target!r}", f"scenario {self.name}", -MAX_ADD, MAX_ADD)
        self.changes.append(Change(_target(target), "add", amount, *self._when(start, end)))
        return self

    def _when(self, start: Any, end: Any) -> Tuple[Optional[str], Optional[str]]:
        """(start, end) as ISO dates; a change must last at least a day."""
        table = f"scenario {self.name}"
        lo, hi = checks.optional_date(start, "start", table), checks.optional_date(end, "end", table)
        if lo is not None and hi is not None and not lo < hi:
            raise ValidationError(f"end ({hi.date()}) must be after start ({lo.date()}): the change would never apply",
                                  table=table, column="end")
        return (None if lo is None else str(lo.date())), (None if hi is None else str(hi.date()))

    def cap(self, state: str, days: float) -> "Scenario":
        """Limit the time a child stays in ``state`` to ``days``, counted from the child's entry
        to the state: a move to another spell of the state (a new foster placement or legal
        status, each a new SSDA903 episode) does not restart it.

        Parameters
        ----------
        state : str
            The state.
        days : float
            The longest stay, at least a day. The deterministic projection follows whole days,
            so it takes the nearest whole number; the Monte Carlo takes ``days`` as given.

        Returns
        -------
        Scenario
            Itself, so calls chain.
        """
        # under a day, the daily projection would round the cap up to one while the Monte Carlo
        # kept it: the two would answer different questions
        self.caps[str(state)] = checks.real(days, f"cap of {state!r} (days)", f"scenario {self.name}", 1.0,
                                            MAX_CAP_DAYS)
        return self

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "changes": [dict(asdict(c), target=list(c.target) if isinstance(c.target, tuple)
                                                     else c.target) for c in self.changes], "caps": self.caps}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Scenario":
        if not isinstance(d, dict) or "name" not in d:
            raise ValidationError(f"a scenario is a mapping with a name, changes and caps, not {d!r}",
                                  table="scenario", column="name")
        s = cls(str(d["name"]))
        changes, caps = d.get("changes", []), d.get("caps", {})
        if not isinstance(changes, list):
            raise ValidationError(f"changes must be a list, not {changes!r}", table=f"scenario {s.name}",
                                  column="changes")
        if not isinstance(caps, dict):
            raise ValidationError(f"caps must be a mapping {{state: days}}, not {caps!r}", table=f"scenario {s.name}",
                                  column="caps")
        for row, c in enumerate(changes):
            if not isinstance(c, dict) or c.get("kind") not in CHANGE_KINDS:
                kind = c.get("kind") if isinstance(c, dict) else c
                raise ValidationError(Problem(f"scenario {s.name}", "kind", f"a change's kind is one of "
                                              f"{', '.join(CHANGE_KINDS)}, not {kind!r}", rows=(row,), n_rows=1))
            missing = [k for k in ("target", "value") if k not in c]
            if missing:
                raise ValidationError(Problem(f"scenario {s.name}", missing[0], f"change {row} has no "
                                              f"{' and no '.join(missing)}", rows=(row,), n_rows=1))
            getattr(s, c["kind"])(tuple(c["target"]) if isinstance(c["target"], list) else c["target"], c["value"],
                                  c.get("start"), c.get("end"))
        for state, days in caps.items():
            s.cap(state, days)
        return s

    def save(self, path: Union[str, Path]) -> None:
        """Write the scenario as JSON.

        Parameters
        ----------
        path : str or Path
            The file.
        """
        Path(path).write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Union[str, Path]) -> "Scenario":
        """Read a scenario written by :meth:`save`.

        Parameters
        ----------
        path : str or Path
            The file.

        Returns
        -------
        Scenario
        """
        if not isinstance(path, (str, Path)):
            raise ValidationError(f"path must be a file's path, not {type(path).__name__}", table="scenario",
                                  column="path")
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ValidationError(f"{path} is not a saved scenario: not JSON ({e.msg} at line {e.lineno}, column "
                                  f"{e.colno})", table="scenario", column="path") from e
        except UnicodeDecodeError as e:
            raise ValidationError(f"{path} is not a saved scenario: not UTF-8 text", table="scenario",
                                  column="path") from e
        except OSError as e:  # missing, a folder, unreadable
            raise ValidationError(f"cannot read the scenario {path}: {e.strerror or e}", table="scenario",
                                  column="path") from e
        return cls.from_dict(raw)


def _target(target: Target) -> Target:
    if isinstance(target, (list, tuple)) and len(target) == 2:
        if str(target[0]) == str(target[1]):
            # a state's flow to itself is no flow: a change of it would be silently ignored
            raise ValidationError(f"a flow goes from one state to another, not from {target[0]!r} to itself",
                                  table="scenario", column="target")
        return (str(target[0]), str(target[1]))
    if isinstance(target, str) and target.startswith("entry:"):
        return target
    raise ValidationError(f"a target is ('from_state', 'to_state') or 'entry:<state>', not {target!r}",
                          table="scenario", column="target")


def check_scenario(scenario: Any, table: str) -> Optional[Scenario]:
    """``scenario`` if it is None or a :class:`Scenario`, else a ValidationError (not an
    AttributeError from deep inside)."""
    if scenario is None:
        return None
    if not isinstance(scenario, Scenario):
        raise ValidationError(f"scenario must be a Scenario (earlyhelp.flow.Scenario), not {scenario!r}",
                              table=table, column="scenario")
    changes, caps = scenario.changes, scenario.caps
    wrong = [i for i, c in enumerate(changes) if not isinstance(c, Change)] if isinstance(changes, list) else [0]
    if wrong:
        raise ValidationError(Problem(
            f"scenario {scenario.name}", "changes", "changes are made with Scenario.multiply and Scenario.add "
            "(or read from mappings by Scenario.from_dict), not given as "
            f"{type(changes[wrong[0]] if isinstance(changes, list) else changes).__name__}",
            rows=tuple(wrong[:10]), n_rows=len(wrong)))
    if not isinstance(caps, dict):
        raise ValidationError(f"caps must be a mapping {{state: days}} (use Scenario.cap), not {caps!r}",
                              table=f"scenario {scenario.name}", column="caps")
    Scenario.from_dict(scenario.to_dict())  # the methods' checks, for changes or caps set by hand
    return scenario


def check_changes_something(scenario: Scenario) -> None:
    """A ValidationError for a scenario with no change other than multiplying by 1 or adding 0,
    and no cap: its results would be the baseline's under the scenario's name. (Such changes are
    allowed one by one: goal-seek tries a multiplier of 1 on its way.)"""
    if scenario.caps or any(not (c.kind == "multiply" and c.value == 1) and not (c.kind == "add" and c.value == 0)
                            for c in scenario.changes):
        return
    raise ValidationError("the scenario changes nothing (no change other than multiplying by 1 or adding 0, and "
                          "no cap): its results would be the baseline's under its name", table=f"scenario {scenario.name}",
                          column="changes")


def _active(change: Change, dates: pd.DatetimeIndex) -> np.ndarray:
    on = np.ones(len(dates), bool)
    if change.start is not None:
        on &= dates >= pd.Timestamp(change.start)
    if change.end is not None:
        on &= dates < pd.Timestamp(change.end)
    return on


def _regime_of_day(scenario: Optional[Scenario], dates) -> Tuple[np.ndarray, List[Tuple[bool, ...]]]:
    if scenario is None or not scenario.changes:
        return np.zeros(len(dates), np.int32), [()]
    masks = np.stack([_active(c, dates) for c in scenario.changes], axis=1)
    idle = np.flatnonzero(~masks.any(axis=0))
    if len(idle):
        # the result would be the baseline's, presented as the scenario's
        c = scenario.changes[idle[0]]
        raise ValidationError(Problem(
            f"scenario {scenario.name}", "start", f"the change of {c.target!r} (from {c.start or 'the start'} to "
            f"{c.end or 'the end'}) never applies: the projection's days of change run from {dates[0].date()} "
            f"(the day after the fit's end, {(dates[0] - pd.Timedelta(days=1)).date()}, whose stock is the data's) to "
            f"{dates[-1].date()}", rows=tuple(int(i) for i in idle[:10]), n_rows=len(idle)))
    combos, regime = np.unique(masks, axis=0, return_inverse=True)
    return regime.astype(np.int32).ravel(), [tuple(bool(v) for v in row) for row in combos]


def _state(model, name: str, what: str) -> int:
    states = list(model.categories.states)
    if name not in states:
        raise ValidationError(f"{what} {name!r} is not a state ({', '.join(states)})", table="scenario",
                              column=what)
    return states.index(name)


def regimes_for(scenario: Optional[Scenario], model, rates: np.ndarray, entrants: np.ndarray, dates):
    """Rates (K, n, n + 1), the entry multipliers (K, n) and added entrants a day (K, n), and a
    regime per day (``dates``: the day each step produces) for the deterministic core: the
    entrants of regime k are ``multiplier[k] * base + added[k]`` (at least 0), ``base`` the
    model's entrants (the window's mean, or the trend and season's), so that an amount added
    (children a day) is what is added whatever the trend, and a multiplier scales what the
    changes before it left (the amounts added before it too). A change acts on the estimated
    part of a rate only: ageing (into the next bracket, and out at ``max_age``) is fixed by the
    brackets, as in the Monte Carlo, so halving the exits from a state does not keep its
    children beyond 18."""
    regime, combos = _regime_of_day(scenario, dates)
    n_age = len(model.categories.brackets)
    n = rates.shape[0]
    ageing = model._ageing_rates()
    R = np.repeat((rates - ageing)[None], len(combos), axis=0)
    M = np.ones((len(combos), len(entrants)))
    A = np.zeros((len(combos), len(entrants)))
    for k, change, s, to in _active_changes(scenario, combos, model):
        if to is None:
            idx = slice(s * n_age, (s + 1) * n_age)
            if change.kind == "multiply":
                M[k, idx] *= change.value
                A[k, idx] *= change.value
            else:
                # spread over the age brackets as the state's entrants are (evenly when it has none)
                base = entrants[idx]
                share = base / base.sum() if base.sum() > 0 else np.full(n_age, 1.0 / n_age)
                A[k, idx] += change.value * share
            continue
        for age in range(n_age):
            i = s * n_age + age
            j = n if to == len(model.categories.states) else to * n_age + age
            if change.kind == "multiply":
                R[k, i, j] *= change.value
            else:
                R[k, i, j] = max(R[k, i, j] + change.value, 0.0)
    return R + ageing[None], M, A, regime


def _active_changes(scenario: Optional[Scenario], combos, model):
    """(regime, change, state, to) for every change active in each regime: ``to`` is None for
    an entry change (into ``state``), else the destination state (the number of states: out)."""
    n_states = len(model.categories.states)
    for k, combo in enumerate(combos):
        for change, on in zip(scenario.changes if scenario else [], combo):
            if not on:
                continue
            if isinstance(change.target, str):
                yield k, change, _state(model, change.target[len("entry:"):], "entry state"), None
            else:
                to = n_states if change.target[1] == "out" else _state(model, change.target[1], "to state")
                yield k, change, _state(model, change.target[0], "from state"), to


def check_changes_act(scenario: Optional[Scenario], fits: List[Any], states: Sequence[str], n_age: int) -> None:
    """A ValidationError for a multiplied rate that is zero in every fit (``fits``: the council's,
    or each locality's): no child in the data took that flow, so the result would be the
    baseline's, presented as the scenario's."""
    if scenario is None:
        return
    for row, c in enumerate(scenario.changes):
        if c.kind != "multiply" or c.value == 1:
            continue
        what = unseen_rate(c.target, fits, states, n_age)
        if what is not None:
            raise ValidationError(Problem(
                f"scenario {scenario.name}", "target", f"multiplying {c.target!r} by {c.value:g} changes nothing: "
                f"no child in the data {what}, so the rate is 0 (add to it instead)", rows=(row,), n_rows=1))


def unseen_rate(target: Target, fits: List[Any], states: Sequence[str], n_age: int) -> Optional[str]:
    """What no child in any of ``fits`` did, when ``target``'s rate is zero in every one (no
    multiplier can change it); None when some fit shows it, or it names no state (an error
    raised where the rates are built)."""
    states = list(states)
    n = len(states) * n_age
    if isinstance(target, str):
        name = target[len("entry:"):]
        if name not in states:
            return None
        s = states.index(name)
        seen = any(f.entrants[s * n_age:(s + 1) * n_age].sum() > 0 for f in fits)
        return None if seen else f"entered {name!r} from no service"
    if target[0] not in states or (target[1] != "out" and target[1] not in states):
        return None
    s = states.index(target[0])
    cols = [n] if target[1] == "out" else \
        list(range(states.index(target[1]) * n_age, (states.index(target[1]) + 1) * n_age))
    seen = any(f.counts[s * n_age:(s + 1) * n_age][:, cols].sum() > 0 for f in fits)
    where = "no service" if target[1] == "out" else repr(target[1])
    return None if seen else f"moved from {target[0]!r} to {where} in the fit window"


def capped_states(scenario: Optional[Scenario], model) -> Dict[int, float]:
    """The capped states of ``scenario`` by state number: the longest stay in days."""
    caps = scenario.caps.items() if scenario is not None else []
    return {_state(model, state, "capped state"): float(days) for state, days in caps}


def _unseen(scenario: Scenario, change: Change, seen: str, lacks: str) -> ValidationError:
    """The error for a rate added where the data show no child: the Monte Carlo draws from what
    the data show, so it would add no one."""
    return ValidationError(f"no child in the data {seen}, so the Monte Carlo has {lacks} the {change.value:g} a "
                           f"day added by scenario {scenario.name!r}", table=f"scenario {scenario.name}",
                           column="target")


def sim_regimes_for(scenario: Optional[Scenario], model, dates, inputs):
    """entry_mult (K, S, A), entry_add (K, S, A), move_mult (K, S, S + 1), caps (S) and regime
    per day (``dates``: the day each step produces) for the Monte Carlo core. An amount added to
    an entry rate is children a day (``entry_add``), spread over the age brackets as the state's
    entrants in the fit window are (evenly when it had none), as the projection spreads it: it
    is not scaled by the run's drawn rate, trend or season. A multiplier scales what the changes
    before it left (the amounts added before it too)."""
    cats = model.categories
    n_s, n_a = len(cats.states), len(cats.brackets)
    regime, combos = _regime_of_day(scenario, dates)
    entry_mult = np.ones((len(combos), n_s, n_a))
    entry_add = np.zeros((len(combos), n_s, n_a))
    move_mult = np.ones((len(combos), n_s, n_s + 1))
    base = inputs["entry_shape"] / inputs["entry_rate"]  # the mean entrants a day by (state, age)
    total = base.sum(axis=1, keepdims=True)
    share = np.where(total > 0, base / np.where(total > 0, total, 1.0), 1.0 / n_a)
    f = model._fit
    counts = f.counts.reshape(n_s, n_a, -1)
    exposure = f.exposure.reshape(n_s, n_a).sum(axis=1)
    for k, change, s, to in _active_changes(scenario, combos, model):
        if to is None:
            if change.kind == "multiply":
                entry_mult[k, s] *= change.value
                entry_add[k, s] *= change.value
            else:
                entry_add[k, s] += change.value * share[s]
        elif change.kind == "multiply":
            move_mult[k, s, to] *= change.value
        else:
            cols = [n_s * n_a] if to == n_s else list(range(to * n_a, (to + 1) * n_a))
            rate = counts[s][:, cols].sum() / max(exposure[s], 1.0)
            if rate <= 0 < change.value:
                # the core moves children by the destination shares seen in the data: a flow never
                # seen has no share to scale, so the added rate would move no one (the projection
                # adds it)
                target = "no service" if to == n_s else repr(cats.states[to])
                raise _unseen(scenario, change, f"moved from {cats.states[s]!r} to {target}",
                              "no share of exits to scale by")
            move_mult[k, s, to] = max(rate * move_mult[k, s, to] + change.value, 0) / max(rate, 1e-12)
    caps = np.zeros(n_s)
    for s, days in capped_states(scenario, model).items():
        caps[s] = days
    return entry_mult, entry_add, move_mult, caps, regime
