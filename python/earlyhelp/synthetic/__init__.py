"""Synthetic councils calibrated to published Early Help figures.

``council(preset="coventry")`` and ``england()`` run a family-level event
simulation in C++ (``earlyhelp._core.synthetic``) and return a validated-shape
:class:`earlyhelp.Dataset`; ``calibration_table(ds)`` compares the generated
figures with the published ones (the documentation's "Published sources" page).
Figures move from seed to seed: over seeds 1-25 of five-year councils at scale 1,
695 of the 700 figures compared were within 10% of their targets (Coventry 373 of 375,
Wolverhampton 322 of 325; ``python benchmarks/bench_synthetic.py --calibration-seeds 25``).
The five misses were Coventry's Early Help Assessments a year (-11.9% at seed 6, -11.2% at
seed 8) and Wolverhampton's looked-after children (-12.2% at seed 6, -10.8% at seed 20,
-11.8% at seed 24), a row shown beside its published stock but not tuned to it. Each table
marks its own figures (``within_10pct``). The calibration holds for windows of about five years: the
families are one cohort, aged at the window's middle, and those who move away are not
replaced, so a calendar year's figures fall the more years are generated before it. Coventry's
2024 requests at scale 1, seeds 1-3, were between 1% below and 7% above the target with ``years=2``,
1-4% below with 5, 8-10% below with 9 and about 17% below with 12
(``calibration_table(council("coventry", years=y, scale=1, seed=s))``, the row "requests for
support a year").

The generative model
--------------------
Every council holds a population of families (child population / 1.9) spread
over its localities. A family has

* latent drivers: need ``z`` ~ N(0, 1), engagement ``e`` ~ N(0, 1) and
  unobserved noise terms (never in the council tables);
* observable traits: the locality's deprivation (``deprivation_effect`` =
  (score - 0.2) / 0.08), 1-6 children with ages, 1-3 adults, a linked household
  (7% of families share an adult or a child with another family in the
  locality), and a stable set of core needs from the ten Supporting Families
  outcomes. Needs co-occur: domestic abuse, mental health and substance use
  share a "toxic trio" factor correlated with ``z``; housing and financial
  stability follow deprivation; early years, education and crime follow the
  children's ages; some localities carry a domestic-abuse boost.

From these the generator fixes three true quantities per family
(``ds.truth["families"]``):

``request_rate``
    requests a year while the family is idle, exp(0.35 dep + 0.75 z + 0.15
    (children - 1) + 0.2 needs) times a locality effect, scaled to the council's
    published volume; arrivals follow the council's changing intensity (below).
``p_step_up``
    logistic in child safety, domestic abuse, substance use, mental health,
    deprivation, locality, a child under five, three or more children, a
    linked household, ``z`` and noise; the intercept is solved so that about
    10% of closures step up. **Every episode of the family ends in step-up
    with exactly this probability.**
``p_rereferral_12m``
    logistic in the number of needs, ``z``, engagement (-), deprivation, a
    teenager, a linked household and noise. **After an episode closes (other
    than by step-up or moving away) a new request follows within 365 days with
    exactly this probability**; otherwise none comes for a year.

Pathway: an arrival is either a referral straight to children's social care
(probability rising with ``z`` and child-safety need) or a request for
support (route direct or MASH diversion, a referral source, a decision: 86%
early help). Early help opens an episode led by the council team or a partner
(mostly schools; 5% with no lead named), with an Early Help Assessment in 69%
of episodes (in the data window both follow quotas - low-discrepancy sequences
per council - so small published shares such as health's 0.16% hold to within
one assessment at any seed; at about 7 a year at scale 1, one assessment moves
that share by a seventh), the episode's needs (most of the family's core needs), a team
around the family matched to the needs, and requests during the episode
recorded as ``existing_case``. The end reason is step-up with ``p_step_up``,
otherwise outcomes met, step down to universal, disengaged (more often with
low engagement), moved away, transferred or other; durations are log-normal
by reason (87% within 16 weeks) and shorter in localities with more
step-ups. A step-up makes a social-care referral and assessment (with factors
from the needs); 40% close RC9 and come back as a ``step_down`` request and
episode. A burn-in year precedes the data window; episodes open at its start
are kept. Everything is deterministic given ``seed`` (a random stream per
council and per family, independent of threads; four council-level streams - workforce, quotas,
the arrival profile and linked households - are keyed like the streams of a council's families
2,670, 7,853, 50,342 and 4,524, so those families' draws are not independent of them).

Councils that change (``ChangeOverTime`` in the C++ presets): the request
intensity moves with a trend and level shifts by year (Coventry: requests as
published for 2024, rising from mid-2023 so that 2024 closures are about 25%
above 2023's; the outcomes-met share of episodes started before 2024 lower, so
that 2024's is 17% up on 2023's; Wolverhampton: requests grow about 8% a year, the
growth child poverty's rise from 32.9% in 2020 to 38.3% in 2023 implies through the
request model's deprivation effect, centred on the window so that its average keeps the
2017 figures), school-sourced requests follow the school
year (August lowest) and fell in the 2020-21 lockdowns then rebounded, other
sources keep a milder seasonal pattern, every locality and month carries a
gamma random effect (overdispersion) and every locality a log-normal rate
effect. Children age: they join their family at birth and leave at 18, and a
request names a child aged 0-17 on its day (or due within 180 days: pre-birth
referrals) - except a re-referral or step-down that the closure model promises
(the oracle's probability holds exactly) on a day the family has no such child:
it names the family's first child, who may then be 18 or over (a few requests in
a thousand: 3 of 2,632 in Coventry's five years at scale 0.2, seed 1).

The truth (``ds.truth``): ``families`` (above), ``episodes`` (each episode's
closure model: ``p_end_<reason>``, ``duration_scale``, ``p_rereferral``; the
risk oracle uses it), ``change`` (the change parameters of each council),
``years`` (by calendar year: ``request_level``, the mean over the year's simulated days of the
request level the intensity uses, which moves linearly between 1 July of the years a preset
lists; ``request_level_mid_year``, the level on 1 July, the value a preset lists for a listed
year; ``outcomes_met_level``, the outcomes-met weight of episodes that typically close in the
year) and ``locality_months``
(each locality and month's random effects and noise-free expected request
arrivals, before arrivals are held back: a family makes no request while an
episode is open, for a year after one closes (unless re-referred), while social
care is involved, after moving away, or on a day it has no child aged 0-17). The share of families held back
builds up from the start of the simulation (a burn-in year before the window), so
requests run below ``expected_arrivals`` and further below it towards the window's
end: in the 2-year Coventry window to March 2025 (scale 0.5, seed 1) the requests of
April-December 2023 were 1.01 of it, of 2024 0.87 and of January-March 2025 0.83.
Ageing accounts for little of that: families with a child aged 0-17 (or due)
carried at least 98.5% of the request rate in every quarter of that window
(``pytest -s tests/synthetic/test_truth_arrivals.py``).
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Dict, Optional, Union

import pandas as pd

from .._errors import Problem, ValidationError
from ..data.dataset import Dataset
from ..data.validate import LAST_PLACEHOLDER_DATE
from .._native import naming, progress
from .._native import synthetic as core
from .._numbers import is_finite_real, is_number, is_whole
from ._build import build_change_truth, build_tables, build_truth
from .calibration import calibration_table

__all__ = ["council", "england", "calibration_table", "PRESETS"]

PRESETS = ("coventry", "wolverhampton", "england")
DateLike = Union[str, _dt.date, pd.Timestamp]


MAX_YEARS = 100
MAX_SCALE = 100.0
#: children in each preset at scale 1 (as the generator's presets)
PRESET_CHILDREN = {"coventry": 78_500, "wolverhampton": 71_000, "england": 12_000_000}
#: children per family: the generator makes round(locality children x scale / 1.9) families in each locality
CHILDREN_PER_FAMILY = 1.9
#: most child-years one call generates (children x scale x years, at least the burn-in year):
#: England at scale 1 for 10 years; within it, a call is also refused if its expected peak memory
#: exceeds the memory available
MAX_CHILD_YEARS = 120_000_000
#: rows of the generated tables per child (people, families: what does not grow with the window)
#: and per child-year (requests, episodes, plans, ...), measured at 1, 5 and 10 years (seeds 1-2),
#: rounded up; windows under a year count as one (the burn-in year)
ROWS_PER_CHILD = {"coventry": 0.6, "wolverhampton": 0.9, "england": 0.46}
ROWS_PER_CHILD_YEAR = {"coventry": 0.65, "wolverhampton": 1.3, "england": 0.75}
#: peak memory of a call per generated row (the C++ columns, their arrays, the typed tables and
#: the truth): 125-160 bytes measured from 1 to 14 million rows, more below a million
PEAK_BYTES_PER_ROW = 170
#: the core takes the thread count as a C int (and uses at most one thread a council)
MAX_THREADS = 2 ** 31 - 1
END_DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31"))
#: how far before the window the generator's oldest adults are born (a year of burn-in, adults of
#: up to 70 when their family is made)
OLDEST_BEFORE_WINDOW_YEARS = 73


def _refuse(func: str, parameter: str, message: str) -> ValidationError:
    return ValidationError(Problem(func, parameter, message))


def _refuse_no_family(func: str, preset: str, scale: float, seed: int) -> None:
    """A council without a single Early Help family is no council to analyse: say why, not return it empty."""
    raise _refuse(func, "scale", f"scale {scale!r} gives preset {preset!r} no Early Help family (seed {seed}): the "
                  f"generator makes round(children x scale / {CHILDREN_PER_FAMILY}) families in each locality, "
                  f"a family or two at this scale, and none came to Early Help; raise the scale")


def _check(preset: Any, years: Any, scale: Any, seed: Any, end_date: DateLike, presets,
           func: str = "council") -> pd.Timestamp:
    """Check the generator's arguments; raise ValidationError naming ``func`` and the first bad one."""
    if not isinstance(preset, str) or preset not in presets:
        raise _refuse(func, "preset", f"preset must be one of {', '.join(repr(p) for p in presets)}, not {preset!r}")
    if not is_finite_real(years) or not 1 / 365.25 <= float(years) <= MAX_YEARS:
        raise _refuse(func, "years", f"years must be a number from one day (1/365.25) to {MAX_YEARS}, not {years!r}")
    if not is_finite_real(scale) or not 0 < float(scale) <= MAX_SCALE:
        raise _refuse(func, "scale", f"scale must be a positive number up to {MAX_SCALE:g}, not {scale!r}")
    y, sc = float(years), float(scale)
    if PRESET_CHILDREN[preset] * sc < 1:
        raise _refuse(func, "scale", f"scale {scale!r} leaves preset {preset!r} fewer than one child "
                      f"(scale must be at least {1 / PRESET_CHILDREN[preset]:.2g})")
    # The burn-in year is simulated however short the window, so it counts as at least a year.
    size = PRESET_CHILDREN[preset] * sc * max(y, 1.0)
    if size > MAX_CHILD_YEARS:
        raise _refuse(func, "scale", f"preset {preset!r} at scale {scale!r} for {years!r} years is {size:,.0f} "
                      f"child-years (a window under a year counts as one: the burn-in year is always simulated); "
                      f"at most {MAX_CHILD_YEARS:,} are generated at once (lower scale or years)")
    if not is_whole(seed) or not 0 <= seed < 2 ** 64:
        raise _refuse(func, "seed", f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}")
    # pandas reads a number as nanoseconds since 1970, which would silently give 1970-01-01.
    if is_number(end_date):
        raise _refuse(func, "end_date", f"end_date must be a date, not the number {end_date!r}")
    try:
        end = pd.Timestamp(end_date)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _refuse(func, "end_date", f"end_date must be a date, not {end_date!r}") from exc
    if end is pd.NaT or pd.isna(end):
        raise _refuse(func, "end_date", f"end_date must be a date, not {end_date!r}")
    if end.tzinfo is not None:  # the extract date is the local calendar day
        end = end.tz_localize(None)
    end = end.normalize()
    if not END_DATE_RANGE[0] <= end <= END_DATE_RANGE[1]:
        raise _refuse(func, "end_date", f"end_date must be between {END_DATE_RANGE[0].date()} and "
                      f"{END_DATE_RANGE[1].date()}, not {end_date!r}")
    oldest_birth = _window(end, float(years)) - pd.DateOffset(years=OLDEST_BEFORE_WINDOW_YEARS)
    if oldest_birth <= LAST_PLACEHOLDER_DATE:
        raise _refuse(func, "end_date", f"end_date {end.date()} with years={years!r} starts the window so early that "
                      f"its oldest people would be born about {oldest_birth.year}: a record dated on or before "
                      f"{LAST_PLACEHOLDER_DATE.date()} is refused as a placeholder; end the window later")
    _check_memory(func, preset, years, scale)
    return end


def _available_memory() -> Optional[int]:
    """Bytes of memory the system can still give a process without swapping, or None if unknown.

    Returns
    -------
    int or None
        ``MemAvailable`` of ``/proc/meminfo`` (Linux), else the free physical pages
        (``os.sysconf``), else None.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # given in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


def _expected_peak_memory(preset: str, years: float, scale: float) -> float:
    """Bytes a call is expected to take at its peak, from the rows it generates.

    Parameters
    ----------
    preset : str
        one of :data:`PRESETS`.
    years, scale : float
        as :func:`council`.

    Returns
    -------
    float
        ``PEAK_BYTES_PER_ROW`` x the expected rows: ``ROWS_PER_CHILD`` per child plus
        ``ROWS_PER_CHILD_YEAR`` per child-year (a window under a year counts as one).
    """
    children = PRESET_CHILDREN[preset] * float(scale)
    rows = children * (ROWS_PER_CHILD[preset] + ROWS_PER_CHILD_YEAR[preset] * max(float(years), 1.0))
    return rows * PEAK_BYTES_PER_ROW


def _check_memory(func: str, preset: str, years: Any, scale: Any) -> None:
    """Refuse, before generating, a call whose tables would not fit in the memory available (the
    kernel would otherwise kill the process part way)."""
    available = _available_memory()
    need = _expected_peak_memory(preset, float(years), float(scale))
    if available is not None and need > available:
        raise _refuse(func, "scale", f"preset {preset!r} at scale {scale!r} for {years!r} years would take about "
                      f"{need / 1e9:.1f} GB of memory at its peak (about "
                      f"{need / PEAK_BYTES_PER_ROW:,.0f} rows at {PEAK_BYTES_PER_ROW} bytes each), more than the "
                      f"{available / 1e9:.1f} GB available; lower scale or years")


def _window(end: pd.Timestamp, years: float) -> pd.Timestamp:
    if float(years).is_integer():
        return end - pd.DateOffset(years=int(years)) + pd.Timedelta(days=1)
    return end - pd.Timedelta(days=round(years * 365.25) - 1)


def _generate(preset: str, years: float, scale: float, seed: int, end: pd.Timestamp,
              threads: int, func: str = "council") -> Dataset:
    start = _window(end, years)
    epoch = pd.Timestamp("1970-01-01")
    with naming("synthetic"), progress(f"synthetic {preset}", unit="families") as callback:
        raw = core.generate(preset, (start - epoch).days, (end - epoch).days, float(scale), int(seed),
                            int(threads), callback)
    labels = core.code_labels()
    truth_raw = raw.pop("truth_families")
    truth_episodes_raw = raw.pop("truth_episodes")
    change_raw = {name: raw.pop(name) for name in ("truth_locality_months", "truth_change", "truth_years")}
    tables, int_ids = build_tables(raw, labels, core.NO_DATE)
    truth = build_truth(truth_raw, tables, int_ids, labels, truth_episodes_raw)
    truth.update(build_change_truth(change_raw, tables, core.NO_DATE))
    if truth["families"].empty:
        _refuse_no_family(func, preset, scale, seed)
    meta: Dict[str, Any] = {
        "source": "earlyhelp.synthetic", "preset": preset, "years": years, "scale": scale, "seed": seed,
        "window_start": start, "end_date": end,
    }
    ds = Dataset(tables, truth=truth, meta=meta)
    ds._checked = frozenset(ds.tables)  # the generator's tables are valid (tests/synthetic validate them)
    return ds


def council(preset: str = "coventry", years: float = 5, scale: float = 1.0, seed: int = 0,
            end_date: DateLike = "2025-03-31") -> Dataset:
    """Generate one synthetic council.

    Parameters
    ----------
    preset : str, default "coventry"
        ``"coventry"`` (4 locality teams over 8 Family Hub areas, calibrated to
        Coventry's 2024 figures), ``"wolverhampton"`` (its 8 named localities) or
        ``"england"`` (153 councils, about 12 million children; same as :func:`england`,
        using every core).
    years : float, default 5
        Years of data ending on ``end_date`` (a burn-in year before is simulated
        but not returned).
    scale : float, default 1.0
        Population scale; 0.1 gives a council a tenth the size (counts scale with it). The
        generator makes round(locality children x scale / 1.9) families in each locality, so a
        scale that gives no Early Help family at all is refused (about 8.5e-05 for Coventry).
    seed : int, default 0
        Random seed; the same seed gives the same tables.
    end_date : date-like, default "2025-03-31"
        The extract date; no date in the tables is after it. With ``years``, it must leave the
        oldest people's births (about 73 years before the window) after 1900-01-01, the last
        date a reader takes as a system's placeholder.

    Returns
    -------
    Dataset
        Council tables plus ``truth`` (``"families"``: latent drivers, ``p_step_up``,
        ``p_rereferral_12m``, ``request_rate``; ``"episodes"``: the oracle per episode)
        and ``meta``.

    Raises
    ------
    ValidationError
        a ``ValueError`` naming ``council`` and the parameter (``preset``, ``years``, ``scale``,
        ``seed``, ``end_date``); also, before generating, a request whose expected peak memory
        (the rows expected per child and child-year, at ``PEAK_BYTES_PER_ROW``) exceeds the
        memory available.
    """
    end = _check(preset, years, scale, seed, end_date, PRESETS)
    threads = (os.cpu_count() or 1) if preset == "england" else 1
    return _generate(preset, years, scale, seed, end, threads=threads)


def england(scale: float = 1.0, seed: int = 0, years: float = 1, end_date: DateLike = "2025-03-31",
            threads: Optional[int] = None) -> Dataset:
    """Generate all 153 councils of a synthetic England (about 12 million children at scale 1).

    Councils have skewed sizes, 4-14 localities each, and region codes E12000001-9.
    Councils are generated in parallel (``threads``, default all cores); the result
    does not depend on the number of threads.

    Parameters
    ----------
    scale : float, default 1.0
        population scale (0.01 is quick); one that gives no Early Help family is refused.
    seed : int, default 0
        random seed; the same seed gives the same tables.
    years : float, default 1
        years of data ending on ``end_date``.
    end_date : date-like, default "2025-03-31"
        the extract date.
    threads : int, optional
        councils generated in parallel (default all cores).

    Returns
    -------
    Dataset
        every council's tables, with ``truth`` and ``meta`` as :func:`council`.

    Raises
    ------
    ValidationError
        a ``ValueError`` naming ``england`` and the parameter (``years``, ``scale``, ``seed``,
        ``end_date``, ``threads``); also, before generating, a request whose expected peak memory
        (the rows expected per child and child-year, at ``PEAK_BYTES_PER_ROW``) exceeds the
        memory available.
    """
    end = _check("england", years, scale, seed, end_date, ("england",), func="england")
    if threads is None:
        threads = os.cpu_count() or 1
    if not is_whole(threads) or threads < 1:
        raise _refuse("england", "threads", f"threads must be a positive whole number, not {threads!r}")
    return _generate("england", years, scale, seed, end, threads=min(int(threads), MAX_THREADS), func="england")
