"""State categories of a stock-flow model: age brackets and service/placement categories.

``"cs-demand-model"`` reproduces that model's standard configuration (its ``standard-v1``
file): five age brackets with the placement categories each may hold, placements grouped into
fostering, residential and supported (everything else is ``OTHER``). ``"continuum"`` adds the
services before care: Early Help by level (``earliest_help`` for level 2, ``early_help`` for
level 3 and episodes without a level), child in need and child protection. ``"statutory"`` is
the continuum from child in need on (CIN, CP and care by placement, the continuum's brackets):
the part national and regional bodies hold for every council (the CIN census and SSDA903), as
Early Help records stay with each council.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Tuple, Union

YEAR_IN_DAYS = 365.24  # cs-demand-model's year, used for ages


@dataclass(frozen=True)
class AgeBracket:
    name: str
    label: str
    min: float               # years, inclusive
    max: float               # years, exclusive
    length_in_days: float    # time spent in the bracket (ageing rate = 1 / length)


@dataclass(frozen=True)
class Categories:
    """Age brackets and states of a stock-flow model.

    ``states`` are the service states in order (``FOSTERING``, ..., or ``early_help``, ``cin``,
    ...); ``placements`` maps SSDA903 placement codes to a looked-after state (codes not listed
    fall into ``other_placement``); ``max_age`` (years) is when a child leaves every service in
    the Monte Carlo: the age at which the projection ages children out of the last bracket, its
    min plus its length (18 for the continuum's 16 to 18 of two years; 30 for cs-demand-model's
    "16 to 18+", which runs 14 years from 16, so that its children leave by the exit rates the
    data show, as in cs-demand-model).

    Parameters
    ----------
    name : str
        the categories' name.
    brackets : tuple of AgeBracket
        the age brackets.
    states : tuple of str
        the service states, in order.
    placements : mapping of str to str
        SSDA903 placement code to looked-after state.
    other_placement : str
        the state of placement codes not listed.
    services : mapping of str to str
        service to state.
    max_age : float, default 18.0
        age (years) at which a child leaves every service: the last bracket's min plus its
        length in (365-day) years, within a day.
    gap_days : int, default 0
        a spell beginning within this many days of the previous one's end continues the path.
    levels : mapping of int to str
        level of need to state.
    entry_days_exclusive : bool, default False
        the deterministic projection's entrants per day divide the window's entrants by
        ``(end - start).days``, one day fewer than the window holds, as cs-demand-model does
        (only its categories set this, so that the projections agree); otherwise by the
        window's days.
    ages_by : {"birthdays", "days"}, default "birthdays"
        how a spell's age bracket is read from the child's age when it began: ``"birthdays"``,
        in years by the calendar (a spell starting on the fifth birthday is five, as the law
        and the statutory returns count it; see ``earlyhelp.data.age.completed_years``);
        ``"days"``, days since birth / 365.24, as cs-demand-model does (only its categories
        set this: a child is then a day short of five on the fifth birthday whenever those
        years held a single leap day, and the brackets agree with that model's).
    x1_join_days : int, default 7
        an SSDA903 episode ceased ``X1`` (a new episode begins the same day: the child stays
        looked after) whose child's next episode begins 1 to this many days after it ceased
        (a slip common in returns) is joined to it: it ends the day the next begins, and the
        child's stay in care runs on. 0 joins none: cs-demand-model's categories set it, as
        that model reads any DEC that is not the next DECOM as the child leaving care.
    """

    name: str
    brackets: Tuple[AgeBracket, ...]
    states: Tuple[str, ...]
    placements: Mapping[str, str]
    other_placement: str
    services: Mapping[str, str] = field(default_factory=dict)  # table -> state for non-care services
    max_age: float = 18.0
    gap_days: int = 0  # a spell starting within this many days of the previous one's end continues the path
    levels: Mapping[int, str] = field(default_factory=dict)  # Early Help episode level -> state
    entry_days_exclusive: bool = False  # entrants per day over (end - start).days, as cs-demand-model
    ages_by: str = "birthdays"  # a spell's age: by the calendar, or days / 365.24 as cs-demand-model
    x1_join_days: int = 7  # an X1 episode joins the next beginning up to this many days later

    def __post_init__(self) -> None:
        # here, not where they are first used: a KeyError or a ZeroDivisionError from fit names
        # no field, and a max_age the projection ignores would set it against the Monte Carlo
        if self.ages_by not in AGES_BY:
            raise _problem("ages_by", f"ages_by must be one of {', '.join(AGES_BY)}, not {self.ages_by!r}")
        from .._numbers import is_whole

        if not is_whole(self.x1_join_days) or not 0 <= self.x1_join_days <= 366:
            raise _problem("x1_join_days", f"x1_join_days must be a whole number of days from 0 to 366, not "
                                           f"{self.x1_join_days!r}")
        _check_states(self.states)
        _check_brackets(self.brackets)
        _check_max_age(self.max_age, self.brackets)
        _check_targets(self)

    def age_of(self, birth, on):
        """The age in years on the days ``on`` of children born on ``birth`` (NaN where either
        is missing), as ``ages_by`` reads it: by the calendar, whole years and the share of
        the year since the last birthday (a child is five from the fifth birthday on), or days
        / 365.24 (cs-demand-model).

        Parameters
        ----------
        birth, on : array-like of dates
            birth dates and the days the age is wanted on (broadcast against each other).

        Returns
        -------
        ndarray of float
        """
        import numpy as np

        from ..data.age import completed_years

        b = np.asarray(birth, dtype="datetime64[ns]").astype("datetime64[D]")
        o = np.asarray(on, dtype="datetime64[ns]").astype("datetime64[D]")
        b, o = np.broadcast_arrays(b, o)
        if self.ages_by == "days":
            days = (o - b).astype(np.int64).astype(float)
            return np.where(np.isnat(b) | np.isnat(o), np.nan, days / YEAR_IN_DAYS)
        years = completed_years(b, o)
        missing = np.isnan(years)
        whole = np.where(missing, 0, years).astype(np.int64)
        # the birthdays either side of the day: the share of that year gone (a 29 February
        # birthday falls on 1 March in other years, as completed_years counts it)
        last, following = _birthday(b, whole), _birthday(b, whole + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (o - last).astype(float) / (following - last).astype(float)
        return np.where(missing, np.nan, whole + share)

    def bracket_of(self, age_years):
        """Index of the bracket holding each age (-1 when none does).

        Parameters
        ----------
        age_years : array-like of float
            ages in years.

        Returns
        -------
        ndarray of int
        """
        import numpy as np

        age = np.asarray(age_years, dtype=float)
        out = np.full(age.shape, -1, dtype=np.int64)
        for i, b in enumerate(self.brackets):
            out[(age >= b.min) & (age < b.max)] = i
        return out

    @property
    def age_labels(self) -> Tuple[str, ...]:
        return tuple(b.label for b in self.brackets)


#: how a spell's age may be read (see Categories.ages_by)
AGES_BY = ("birthdays", "days")


def _birthday(birth, years):
    """The day ``birth`` (datetime64[D]) is ``years`` old by the calendar: a 29 February birth
    turns a year older on 1 March in a year with no 29th (numpy rolls the day over)."""
    import numpy as np

    month = birth.astype("datetime64[M]")
    day = (birth - month).astype(np.int64)
    return (month + (years * 12).astype("timedelta64[M]")).astype("datetime64[D]") + day.astype("timedelta64[D]")


#: names the model's outputs and scenarios already give a meaning: the totals' rows, leaving
RESERVED_STATES = ("all", "out")


def _problem(column: str, message: str):
    from .._errors import ValidationError

    return ValidationError(message, table="Categories", column=column)


def _check_states(states) -> None:
    """At least one state, each a distinct name the outputs do not reserve."""
    if isinstance(states, str) or not isinstance(states, (tuple, list)) or not states:
        raise _problem("states", f"states must be a non-empty tuple of names, not {states!r}")
    wrong = [s for s in states if not isinstance(s, str) or not s or s in RESERVED_STATES]
    if wrong:
        raise _problem("states", f"states must be names other than {', '.join(RESERVED_STATES)}, not {wrong[0]!r}")
    repeated = sorted({s for s in states if states.count(s) > 1})
    if repeated:
        raise _problem("states", f"states {repeated} are given more than once: their children would be counted "
                                 "under one name")


def _check_brackets(brackets) -> None:
    """At least one bracket; each from a finite min to a greater max, with a positive finite
    length (its ageing rate is 1 / length); in order of age, none overlapping, labels distinct."""
    import math

    from .._numbers import is_finite_real

    if not isinstance(brackets, (tuple, list)) or not brackets or not all(isinstance(b, AgeBracket) for b in brackets):
        raise _problem("brackets", f"brackets must be a non-empty tuple of AgeBracket, not {brackets!r}")
    for b in brackets:
        if not (is_finite_real(b.min) and is_finite_real(b.max) and b.min < b.max):
            raise _problem("brackets", f"bracket {b.name!r} must run from a finite min to a greater max (years), "
                                       f"not {b.min!r} to {b.max!r}")
        if not (is_finite_real(b.length_in_days) and b.length_in_days > 0 and math.isfinite(1.0 / b.length_in_days)):
            raise _problem("brackets", f"bracket {b.name!r} must last a positive number of days (length_in_days: "
                                       f"children age out of it at 1 / length a day), not {b.length_in_days!r}")
    for a, b in zip(brackets, brackets[1:]):
        if b.min < a.max:
            raise _problem("brackets", f"brackets {a.name!r} ({a.min:g} to {a.max:g}) and {b.name!r} ({b.min:g} to "
                                       f"{b.max:g}) overlap or are out of order: give them youngest first, each "
                                       "starting at or after the previous one's max")
    labels = [b.label for b in brackets]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise _problem("brackets", f"bracket labels {repeated} are given more than once: their rows would merge")


def _ages_out_at(bracket: AgeBracket) -> float:
    """The age (years) at which the deterministic projection's children leave ``bracket``, the
    last: its min plus its length (the projection ages them out at 1 / length a day, so that is
    their mean age on leaving; the brackets' lengths count 365-day years)."""
    return bracket.min + bracket.length_in_days / 365


def _check_max_age(max_age, brackets) -> None:
    """Children leave every service at max_age: where the last bracket ages out into leaving,
    its min plus its length (within a day), and within it; the projection's ageing out of it
    and the Monte Carlo's age limit then agree."""
    from .._numbers import is_finite_real

    last = brackets[-1]
    if not (is_finite_real(max_age) and last.min < max_age <= last.max):
        raise _problem("max_age", f"max_age must be a number of years within the last bracket {last.name!r} "
                                  f"(above {last.min:g}, at most {last.max:g}), not {max_age!r}")
    out = _ages_out_at(last)
    if abs(max_age - out) * 365 > 1:
        raise _problem("max_age", f"max_age ({max_age:g}) must be the age at which the projection ages children out "
                                  f"of the last bracket {last.name!r}: its min plus its length ({last.min:g} + "
                                  f"{last.length_in_days:g} days = {out:g} years), or the Monte Carlo would end their "
                                  "stays at another age than the projection; change max_age or the bracket's length")


def _check_targets(cats: "Categories") -> None:
    """Every placement, service and level maps to a state, and every service to a table of
    periods (a person, a start date and an end date)."""
    from ..data.schema import TABLES

    states = set(cats.states)
    periods = sorted(name for name, t in TABLES.items() if {"person_id", "start_date", "end_date"} <= set(t.names))
    checks = (("placements", cats.placements), ("services", cats.services), ("levels", cats.levels))
    for column, mapping in checks:
        if not isinstance(mapping, Mapping):
            raise _problem(column, f"{column} must be a mapping to states, not {mapping!r}")
        wrong = {k: v for k, v in mapping.items() if v not in states}
        if wrong:
            key, value = next(iter(wrong.items()))
            raise _problem(column, f"{column}[{key!r}] is {value!r}, not a state ({', '.join(cats.states)})")
    if cats.other_placement not in states:
        raise _problem("other_placement", f"other_placement is {cats.other_placement!r}, not a state "
                                          f"({', '.join(cats.states)})")
    unknown = [t for t in cats.services if t not in periods]
    if unknown:
        raise _problem("services", f"services name {unknown[0]!r}, not a table of service periods "
                                   f"({', '.join(periods)})")


# cs-demand-model's age brackets (lower and upper age in years, length in days); the oldest
# bracket (from 16) ends where each category set says.
_AGES = ((-1, 1, 365), (1, 5, 4 * 365), (5, 10, 5 * 365), (10, 16, 6 * 365))


def _brackets(names: Tuple[str, ...], labels: Tuple[str, ...], last: Tuple[int, int]) -> Tuple[AgeBracket, ...]:
    ages = _AGES + ((16,) + last,)
    return tuple(AgeBracket(n, label, *a) for n, label, a in zip(names, labels, ages))


def _cs_demand_model() -> Categories:
    placements = {c: "FOSTERING" for c in ("U1", "U2", "U3", "U4", "U5", "U6")}
    placements.update({"K2": "RESIDENTIAL", "R1": "RESIDENTIAL", "H5": "SUPPORTED", "P2": "SUPPORTED"})
    brackets = _brackets(("BIRTH_TO_ONE", "ONE_TO_FIVE", "FIVE_TO_TEN", "TEN_TO_SIXTEEN", "SIXTEEN_TO_EIGHTEEN"),
                         ("Birth to 1", "1 to 5", "5 to 10", "10 to 16", "16 to 18+"), last=(30, 14 * 365))
    # cs-demand-model's "16 to 18+" bracket runs to 30 and ages out at 1 / (14 years) a day: its
    # children leave by the estimated exit rates, not at 18, and so do the Monte Carlo's
    return Categories("cs-demand-model", brackets, ("FOSTERING", "RESIDENTIAL", "SUPPORTED", "OTHER"), placements,
                      "OTHER", max_age=_ages_out_at(brackets[-1]), entry_days_exclusive=True, ages_by="days",
                      x1_join_days=0)


_CARE_STATES = ("fostering", "residential", "supported", "other_care")


def _care_placements() -> dict:
    placements = {c: "fostering" for c in ("U1", "U2", "U3", "U4", "U5", "U6")}
    placements.update({c: "residential" for c in ("K1", "K2", "R1", "S1")})
    placements.update({"H5": "supported", "P2": "supported"})
    return placements


def _continuum_brackets() -> Tuple[AgeBracket, ...]:
    return _brackets(("under_1", "1_to_4", "5_to_9", "10_to_15", "16_to_17"),
                     ("0 to 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17"), last=(18, 2 * 365))


def _continuum() -> Categories:
    return Categories("continuum", _continuum_brackets(), ("earliest_help", "early_help", "cin", "cp") + _CARE_STATES,
                      _care_placements(), "other_care",
                      services={"episodes": "early_help", "cin_plans": "cin", "cp_plans": "cp"},
                      gap_days=45,  # a CIN plan follows the referral (and the step-up) by weeks
                      levels={2: "earliest_help", 3: "early_help", 4: "early_help"})


def _statutory() -> Categories:
    return Categories("statutory", _continuum_brackets(), ("cin", "cp") + _CARE_STATES, _care_placements(),
                      "other_care", services={"cin_plans": "cin", "cp_plans": "cp"}, gap_days=45)


PRESETS = {"cs-demand-model": _cs_demand_model, "continuum": _continuum, "statutory": _statutory}

#: the states' names in words, for charts and reports (a state not listed shows its own name)
STATE_TITLES = {
    "earliest_help": "Early Help, level 2", "early_help": "Early Help, levels 3-4", "cin": "Child in need",
    "cp": "Child protection", "fostering": "Looked after: fostering",
    "residential": "Looked after: residential", "supported": "Looked after: supported",
    "other_care": "Looked after: other", "FOSTERING": "Fostering", "RESIDENTIAL": "Residential",
    "SUPPORTED": "Supported accommodation", "OTHER": "Other placements",
}


def state_title(state: str) -> str:
    """A state's name in words."""
    return STATE_TITLES.get(state, str(state).replace("_", " "))


def categories(spec: Union[str, Categories, None] = None) -> Categories:
    """The categories named by ``spec`` (``"continuum"``, default, ``"statutory"`` or
    ``"cs-demand-model"``).

    Parameters
    ----------
    spec : str or Categories, optional
        ``"continuum"`` (default), ``"statutory"`` or ``"cs-demand-model"``, or categories as they are.

    Returns
    -------
    Categories
    """
    from .._errors import ConfigError

    if isinstance(spec, Categories):
        return spec
    name = spec or "continuum"
    if name not in PRESETS:
        raise ConfigError(f"categories must be one of {', '.join(PRESETS)} or a Categories, not {name!r}",
                          table="StockFlow", column="categories")
    return PRESETS[name]()


def state_of_placement(cats: Categories, placement) -> "object":
    """Looked-after state of each SSDA903 placement code."""
    import pandas as pd

    codes = pd.Series(placement, dtype="string")
    return codes.map(dict(cats.placements)).fillna(cats.other_placement).astype(object).to_numpy()


