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
    fall into ``other_placement``); ``max_age`` (years) is when a child leaves every service.

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
        age (years) at which a child leaves every service.
    gap_days : int, default 0
        a spell beginning within this many days of the previous one's end continues the path.
    levels : mapping of int to str
        level of need to state.
    entry_days_exclusive : bool, default False
        the deterministic projection's entrants per day divide the window's entrants by
        ``(end - start).days``, one day fewer than the window holds, as cs-demand-model does
        (only its categories set this, so that the projections agree); otherwise by the
        window's days.
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
    return Categories("cs-demand-model", brackets, ("FOSTERING", "RESIDENTIAL", "SUPPORTED", "OTHER"), placements,
                      "OTHER", entry_days_exclusive=True)


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


