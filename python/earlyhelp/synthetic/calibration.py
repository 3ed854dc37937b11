"""Generated figures beside the published figures they are calibrated to (the documentation's
"Published sources" page names each document)."""
from __future__ import annotations

import math
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from .._errors import Problem, ValidationError
from ..data.codes import COUNCIL_AGENCY_TYPES
from ..data.dataset import Dataset

COLUMNS = ["figure", "generated", "target", "unit", "source", "relative_error", "within_10pct", "note"]
SIXTEEN_WEEKS = pd.Timedelta(days=112)
MINORITY_EXCLUDED = ("WBRI",)
SCHOOL_SOURCES = ("2A", "2B")  # referral sources: school, education services  # DfE: minority ethnic = every group except White British
SEED_COVENTRY = "Coventry Early Help report, 2024"
SEED_WOLVES_2017 = "Wolverhampton Early Intervention report, 2017"
SEED_WOLVES_2025 = "Wolverhampton Early Help strategy, 2025"
#: child poverty in Wolverhampton (its 2025 Early Help strategy): 32.9% in 2020, 38.3% in 2023
WOLVES_CHILD_POVERTY = {2020: 32.9, 2023: 38.3}
#: the generator's request rate per unit of deprivation score: exp(0.35 (score - 0.2) / 0.08)
DEPRIVATION_ELASTICITY = 0.35 / 0.08
#: months of the 2020-21 lockdowns and the rebound after them (left out of the request trend)
LOCKDOWN_MONTHS = (pd.Period("2020-03", "M"), pd.Period("2021-05", "M"))


class _Table:
    def __init__(self) -> None:
        self.rows: List[dict] = []

    def add(self, figure: str, generated: float, target: float, unit: str, source: str, note: str = "",
            tolerance: Optional[float] = None) -> None:
        rel = float("nan")
        within: object = pd.NA
        if target == target and generated == generated and target != 0:
            rel = (generated - target) / target
            within = bool(abs(rel) <= 0.10)
        self.rows.append(dict(figure=figure, generated=float(generated), target=float(target), unit=unit,
                              source=source, relative_error=rel, within_10pct=within, note=note))

    def share(self, figure: str, part: float, whole: float, target: float, unit: str, source: str, note: str = "",
              nothing: str = "", per: float = 100.0) -> None:
        """``per`` x part / whole; with nothing to take a share of (``whole`` 0: an empty council, a
        period with no closures), NaN and not compared, saying so (``nothing``), rather than 0."""
        if whole:
            self.add(figure, per * float(part) / float(whole), target, unit, source, note)
        else:
            self.add(figure, float("nan"), target, unit, source,
                     f"not compared: {nothing}" + (f" ({note})" if note else ""))

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=COLUMNS)
        # Rounded for reading; within_10pct is decided on the unrounded figures.
        out["generated"] = out["generated"].round(2)
        out["target"] = out["target"].round(2)
        out["relative_error"] = out["relative_error"].round(4)
        out["within_10pct"] = out["within_10pct"].astype("boolean")
        return out


def _in_window(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    return ((values >= start) & (values <= end)).to_numpy(dtype=bool, na_value=False)


def calibration_table(ds: Dataset) -> pd.DataFrame:
    """Compare a synthetic council's figures with the published targets.

    Counts are annualised over the years generated and divided by ``scale``, so
    they compare with the published yearly figures at any scale.

    Parameters
    ----------
    ds : Dataset
        a synthetic council from :func:`council`.

    Returns
    -------
    DataFrame
        columns ``figure, generated, target, unit, source, relative_error, within_10pct,
        note``; ``note`` says why a figure cannot be compared when it cannot (a share of
        closures when no episode closed, for one, is NaN, not 0).

    Raises
    ------
    ValidationError
        ``ds`` is not a Dataset from :mod:`earlyhelp.synthetic` (naming ``calibration_table.ds``).
    """
    if not isinstance(ds, Dataset):
        raise ValidationError(Problem("calibration_table", "ds", "calibration_table needs a Dataset from "
                                      f"earlyhelp.synthetic, not {type(ds).__name__}"))
    meta = ds.meta
    if meta.get("source") != "earlyhelp.synthetic":
        raise ValidationError(Problem("calibration_table", "ds", "calibration_table needs a Dataset from "
                                      "earlyhelp.synthetic (ds.meta['source'])"))
    preset = meta["preset"]
    start, end = pd.Timestamp(meta["window_start"]), pd.Timestamp(meta["end_date"])
    years = ((end - start).days + 1) / 365.25
    per_year = 1.0 / (years * float(meta["scale"]))
    t = _Table()
    req, ep, ass = ds.requests, ds.episodes, ds.assessments
    opened = _in_window(ep["start_date"], start, end)
    closed = _in_window(ep["end_date"], start, end)
    reasons = ep.loc[closed, "end_reason"]
    n_closed = int(closed.sum())
    # the step-up share is the whole window's for every preset
    window_closed, window_step_ups = n_closed, float((reasons == "step_up").sum())
    no_closure = "no episode closed in the window"
    agency_type = ds.agencies.set_index("agency_id")["agency_type"]
    lead_type = ep.loc[opened, "lead_agency_id"].map(agency_type)
    partner = ~lead_type.isin(COUNCIL_AGENCY_TYPES).to_numpy() & lead_type.notna().to_numpy()

    if preset == "coventry":
        # Coventry's figures are for 2024: compare calendar 2024 when it was generated
        # (the council changes over the years), else the yearly average of the window.
        window_opened = int(opened.sum())
        y0, y1 = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
        if start <= y0 and end >= y1:
            start, end, per_year, basis = y0, y1, 1.0 / float(meta["scale"]), "calendar 2024"
            period_closure = "no episode closed in calendar 2024"
        else:
            basis = "yearly average of the window (2024 not fully generated)"
            period_closure = no_closure
        opened = _in_window(ep["start_date"], start, end)
        closed = _in_window(ep["end_date"], start, end)
        reasons = ep.loc[closed, "end_reason"]
        n_closed = int(closed.sum())
        # The step-up share stays the whole window's (Wolverhampton's figure, not 2024's), and so
        # do the lead-agency shares: the generator holds them over the window by quota.
        req = req[_in_window(req["received_date"], start, end)]
        t.add("requests for support a year", len(req) * per_year, 3195, "requests/year", SEED_COVENTRY, basis)
        t.add("children referred a year", float(req["children"].sum()) * per_year, 395 * 12, "children/year",
              SEED_COVENTRY, "395 children a month")
        t.add("episodes opened a year", opened.sum() * per_year, 2780, "episodes/year", SEED_COVENTRY)
        t.add("Early Help Assessments a year", _in_window(ass["started"], start, end).sum() * per_year, 1963,
              "assessments/year", SEED_COVENTRY)
        t.add("episodes closed a year", closed.sum() * per_year, 2739, "episodes/year", SEED_COVENTRY)
        t.share("closed with outcomes met", (reasons == "outcomes_met").sum(), n_closed, 54, "%", SEED_COVENTRY,
                nothing=period_closure)
        dur = (ep.loc[closed, "end_date"] - ep.loc[closed, "start_date"])
        t.share("closed within 16 weeks", (dur <= SIXTEEN_WEEKS).sum(), n_closed, 87, "%", SEED_COVENTRY,
                nothing=period_closure)
        t.share("closures stepped up to social care", window_step_ups, window_closed, 10, "%", SEED_WOLVES_2017,
                "Wolverhampton's figure, used for every preset", nothing=no_closure)
        t.share("episodes held by partners", partner.sum(), window_opened, 16.9, "%", SEED_COVENTRY, "469 of 2,780",
                nothing="no episode opened in the window")
        t.share("partner-held episodes held by schools", (lead_type[partner] == "school").sum(), int(partner.sum()),
                100.0 * 428 / 469, "%", SEED_COVENTRY, "428 of 469", nothing="no episode held by a partner")
        eh = ds.practitioners.merge(ds.agencies[["agency_id", "agency_type"]], on="agency_id")
        fte = float(eh.loc[eh["agency_type"] == "la_early_help", "fte"].sum()) / float(meta["scale"])
        t.add("early help staff FTE per locality team", fte / 4, 12, "FTE", SEED_COVENTRY,
              "2 team leaders + 10 FTE practitioners in each of 4 teams")
        _coventry_year_on_year(t, ds, pd.Timestamp(meta["window_start"]), pd.Timestamp(meta["end_date"]))
    elif preset == "wolverhampton":
        t.share("closures stepped up to social care", window_step_ups, window_closed, 10, "%", SEED_WOLVES_2017,
                nothing=no_closure)
        t.add("step-ups a year", float((reasons == "step_up").sum()) * per_year, 375 * 12 / 9, "children/year",
              SEED_WOLVES_2017, "375 children stepped up Apr-Dec 2017; one referral per stepped-up episode")
        mash = (req["route"] == "mash_diversion").sum()
        t.add("MASH diversions to early help a year", float(mash) * per_year, 3236 * 12 / 9, "requests/year",
              SEED_WOLVES_2017, "3,236 referrals from the MASH in 9 months")
        started = ass[_in_window(ass["started"], start, end)]
        by_type = started["agency_id"].map(agency_type)
        n = len(by_type)
        for label, types, share in (
                ("council", ("la_early_help", "la_social_care"), 85.45), ("schools", ("school",), 12.56),
                ("voluntary sector", ("vcs",), 1.84), ("health", ("health_visitor", "health_other", "gp",
                                                                  "school_nurse", "camhs", "midwifery"), 0.16)):
            count = int(by_type.isin(types).sum())
            note = ""
            if share < 1:
                note = (f"{count} assessments (about 7 a year at scale 1): held to the share by the generator's "
                        "lead-agency quota, not left to chance")
            t.share(f"assessments initiated by {label}", count, n, share, "%", SEED_WOLVES_2017, note,
                    nothing="no assessment started in the window")
        # children of the Early Help families (not the households known only to statutory services)
        members = ds.family_members
        kids = members.loc[(members["role"] == "child") & members["family_id"].isin(ds.truth["families"]["family_id"]),
                           "person_id"].unique()
        eth = ds.persons.set_index("person_id").loc[kids, "ethnicity"]
        known = eth[eth.notna() & ~eth.isin(["REFU", "NOBT", "unknown"])]
        t.share("children from ethnic minorities", (~known.isin(MINORITY_EXCLUDED)).sum(), len(known), 56, "%",
                SEED_WOLVES_2025, "children known to early help; seed gives the city's children",
                nothing="no child of an Early Help family with a known ethnicity")
        closed_well = reasons.isin(["outcomes_met", "step_down_universal"]).sum()
        t.share("closures without escalation (outcomes met or stepped down)", closed_well, n_closed, 65, "%",
                SEED_WOLVES_2017, "'65% close with only 10% requiring escalation'", nothing=no_closure)
        # the 2017 figures are the window's average (requests trend up over it): the 16 months
        # are those around the middle of the window, or up to the extract date if it is shorter
        middle = start + (end - start) / 2
        until = min(end, (middle + pd.DateOffset(months=8)).normalize())
        long_enough = start + pd.DateOffset(months=16) <= end + pd.Timedelta(days=1)
        supported = _children_supported(ds, until, months=16) / float(meta["scale"])
        t.add("children supported in 16 months", supported,
              9710 if long_enough else float("nan"), "children", SEED_WOLVES_2017,
              "not compared: the window is shorter than 16 months (9,710 published)" if not long_enough else
              "families with an episode open in the 16 months around the middle of the window x children "
              "named per request" if supported == supported else
              "not compared: no request taken on by early help (no children per request)")
        fam_loc = ds.families.set_index("family_id")["locality_id"]
        names = ds.localities.set_index("locality_id")["name"]
        demand = req["family_id"].map(fam_loc).map(names).value_counts()
        top2 = set(demand.index[:2])
        t.add("highest demand in Children's Village and Whitmore Reans",
              float(top2 == {"Children's Village", "Whitmore Reans"}) if len(demand) else float("nan"), 1, "yes=1",
              SEED_WOLVES_2017, f"top two by requests: {', '.join(sorted(top2))}" if len(demand) else
              "not compared: no request in the window")
        poverty = WOLVES_CHILD_POVERTY
        implied = math.exp(DEPRIVATION_ELASTICITY * (poverty[2023] - poverty[2020]) / 100 / (2023 - 2020))
        growth = _request_growth(ds)
        t.add("requests for support: growth a year", growth, implied, "ratio", SEED_WOLVES_2025,
              "implied by child poverty 32.9% (2020) -> 38.3% (2023) through the generator's deprivation "
              "effect on requests; log-linear fit of monthly requests with month-of-year effects, lockdown "
              "months (Mar 2020 - May 2021) and partial months left out"
              if growth == growth else "not compared: no request in the window" if not len(ds.requests) else
              "not compared: fewer than two years of whole months outside the lockdowns")
        _looked_after(t, ds, pd.Timestamp(meta["window_start"]), pd.Timestamp(meta["end_date"]))
        for figure, value, unit, reason in NOT_MODELLED:
            t.add(figure, float("nan"), value, unit, SEED_WOLVES_2017 if "looked" in figure or "domestic" in figure
                  else SEED_WOLVES_2025, f"not compared: {reason}")
    else:  # england
        t.add("councils", ds.localities["council_code"].nunique(), 153, "councils", "national (DfE)")
        t.add("children", float(ds.localities["child_population"].sum()) / float(meta["scale"]), 12.0e6,
              "children", "national (ONS mid-year estimates)", "about 12 million children in England")
        t.share("closures stepped up to social care", window_step_ups, window_closed, 10, "%", SEED_WOLVES_2017,
                nothing=no_closure)
        pop = float(ds.localities["child_population"].sum())
        t.share("requests for support per 1,000 children a year", len(req) / years, pop, 1000.0 * 3195 / 78500,
                "per 1,000 children", SEED_COVENTRY,
                "Coventry's rate (78,500 children) applied nationally; deprivation moves it per council",
                nothing="no children in the localities", per=1000.0)
        _lockdown_rows(t, ds)

    _requests_year_on_year(t, ds)
    # A figure without a published target: shown, not compared.
    rr = ds.truth.get("episodes")
    if rr is not None and len(rr):
        t.add("re-referral within 12 months of closure (true mean)", 100.0 * float(rr["p_rereferral_12m"].mean()),
              float("nan"), "%", "none",
              "no published re-referral rate in the sources (Wigan and Wolverhampton monitor it); not compared")
    return t.frame()


def _year_figures(ep: pd.DataFrame, year: int) -> Dict[str, float]:
    y0, y1 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    closed = _in_window(ep["end_date"], y0, y1)
    met = float((ep.loc[closed, "end_reason"] == "outcomes_met").sum())
    return {"closed": float(closed.sum()), "met": met}


def _coventry_year_on_year(t: _Table, ds: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """2024 against 2023 (Coventry's 2024 report): closures up 25%, outcomes met up 17% to 54%."""
    if not (start <= pd.Timestamp("2023-01-01") and end >= pd.Timestamp("2024-12-31")):
        t.add("episodes closed in 2024 / 2023", float("nan"), 1.25, "ratio", SEED_COVENTRY,
              "not compared: the window does not hold both calendar years")
        return
    y23, y24 = _year_figures(ds.episodes, 2023), _year_figures(ds.episodes, 2024)
    t.share("episodes closed in 2024 / 2023", y24["closed"], y23["closed"], 1.25, "ratio", SEED_COVENTRY,
            "'25% more than in 2023'", nothing="no episode closed in 2023", per=1.0)
    t.share("closed with outcomes met in 2023", y23["met"], y23["closed"], 54 / 1.17, "%", SEED_COVENTRY,
            "54% in 2024, 'up 17% on the year'", nothing="no episode closed in 2023")
    missing = next((why for why, none in (("no episode closed in 2023", not y23["closed"]),
                                          ("no episode closed in 2024", not y24["closed"]),
                                          ("no episode closed with outcomes met in 2023", not y23["met"])) if none),
                   None)
    if missing is None:
        t.add("outcomes-met share 2024 / 2023", (y24["met"] / y24["closed"]) / (y23["met"] / y23["closed"]), 1.17,
              "ratio", SEED_COVENTRY)
    else:
        t.add("outcomes-met share 2024 / 2023", float("nan"), 1.17, "ratio", SEED_COVENTRY, f"not compared: {missing}")
    years = _whole_years(ds)
    opened = ds.episodes["start_date"].dt.year.value_counts().reindex(years, fill_value=0)
    t.add("episodes opened in 2024 the most of the years generated",
          float(opened.idxmax() == 2024) if opened.sum() else float("nan"), 1, "yes=1", SEED_COVENTRY,
          ("'the highest since 2017'; " if opened.sum() else "not compared: no episode opened; ")
          + ", ".join(f"{y}: {n}" for y, n in opened.items()))
    assessed = ds.assessments["started"].dt.year.value_counts().reindex(years, fill_value=0)
    t.share("Early Help Assessments 2024 / 2023", assessed[2024], assessed[2023], float("nan"), "ratio",
            SEED_COVENTRY, "'a sharp rise in 2024' with no figure for 2023; not compared", per=1.0,
            nothing="no assessment started in 2023")
    grown = [y for y in range(2021, 2024) if y in assessed.index and y - 1 in assessed.index]
    if grown:
        t.add("Early Help Assessments grew each year 2020-2023", float(all(assessed[y] > assessed[y - 1] for y in grown)),
              float("nan"), "yes=1", SEED_COVENTRY,
              "not modelled: 'year-on-year growth since 2020' with no figure for any year before 2024; the "
              "preset holds requests (and so assessments) about level from 2020 to 2023; "
              + ", ".join(f"{y}: {assessed[y]}" for y in [grown[0] - 1] + grown))


def _looked_after(t: _Table, ds: Dataset, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Children looked after on 31 March (the published stock, 630-645) on the window's last 31 March,
    from ``cla_episodes`` (children in care, whether or not known to early help)."""
    cla = ds.tables.get("cla_episodes")
    days = [pd.Timestamp(f"{y}-03-31") for y in range(start.year, end.year + 1)
            if start <= pd.Timestamp(f"{y}-03-31") <= end]
    # A Dataset holds every table, an absent one empty: no rows is no statutory data, not a stock of 0.
    if cla is None or cla.empty or not days:
        why = ("no cla_episodes rows" if cla is None or cla.empty else "the window holds no 31 March")
        t.add("looked-after children", float("nan"), 637.5, "children", SEED_WOLVES_2017, f"not compared: {why}")
        return
    counts = [int(cla.loc[(cla["start_date"] <= d) & (cla["end_date"].isna() | (cla["end_date"] > d)),
                          "person_id"].nunique()) for d in days]
    t.add("looked-after children", counts[-1] / float(ds.meta["scale"]), 637.5, "children",
          SEED_WOLVES_2017, f"not tuned to (the generator's statutory model is not calibrated to it; "
          f"shown for what it is): 630-645; children in care on 31 March {days[-1].year} (cla_episodes; the stock "
          "builds up from the simulation's start, so the last 31 March of the window): "
          + ", ".join(f"{d.year}: {n}" for d, n in zip(days, counts)))


# Published Wolverhampton figures the generator does not produce, and why.
NOT_MODELLED = (
    ("police domestic abuse notifications in six months", 1200, "notifications",
     "'over 1,200'; police notifications are not a table in the data model (domestic abuse is a need)"),
    ("children eligible for free school meals", 36, "%", "pupil-level school data is not in the data model"),
    ("children in poverty", 38.3, "%", "the generator uses one deprivation score per locality instead"),
)


def _children_supported(ds: Dataset, end: pd.Timestamp, months: int) -> float:
    """Individual children worked with over ``months``: families with an episode open in
    the period times children per request.

    The tables name one child per episode, so the count of children is estimated from
    the number of children named on requests that early help took on.
    """
    start = end - pd.DateOffset(months=months)
    ep = ds.episodes
    open_in = ((ep["start_date"] <= end) & (ep["end_date"].isna() | (ep["end_date"] >= start))).to_numpy(
        dtype=bool, na_value=False)
    req = ds.requests
    taken = (req["decision"] == "early_help").to_numpy(dtype=bool, na_value=False)
    per_request = float(req.loc[taken, "children"].astype("float64").mean()) if taken.any() else float("nan")
    families = ep.loc[open_in, "family_id"].nunique()
    return float(families) * per_request


def _whole_years(ds: Dataset) -> List[int]:
    """Calendar years the window holds in full."""
    start, end = pd.Timestamp(ds.meta["window_start"]), pd.Timestamp(ds.meta["end_date"])
    first = start.year if (start.month, start.day) == (1, 1) else start.year + 1
    last = end.year if (end.month, end.day) == (12, 31) else end.year - 1
    return list(range(first, last + 1))


def _requests_year_on_year(t: _Table, ds: Dataset) -> None:
    """Requests in each whole calendar year against the year before (no published figure:
    shown, not compared; Coventry's published changes are for closures and outcomes met)."""
    years = _whole_years(ds)
    by_year = ds.requests["received_date"].dt.year.value_counts()
    for prev, year in zip(years[:-1], years[1:]):
        t.share(f"requests for support {year} / {prev}", by_year.get(year, 0), by_year.get(prev, 0), float("nan"),
                "ratio", "none", "no published figure for this pair of years; not compared", per=1.0,
                nothing=f"no request in {prev}")


def _monthly_requests(ds: Dataset, mask: Optional[np.ndarray] = None) -> pd.Series:
    """Requests by month over the whole months of the window."""
    start, end = pd.Timestamp(ds.meta["window_start"]), pd.Timestamp(ds.meta["end_date"])
    received = ds.requests["received_date"] if mask is None else ds.requests.loc[mask, "received_date"]
    months = pd.period_range(start, end, freq="M")
    whole = months[(months.start_time >= start) & (months.end_time.normalize() <= end)]
    return received.dt.to_period("M").value_counts().reindex(whole, fill_value=0).sort_index()


def _request_growth(ds: Dataset) -> float:
    """Growth factor of requests a year: Poisson log-linear fit of monthly requests on time
    with month-of-year effects, the lockdown months left out (NaN with under 24 months, or no
    requests)."""
    counts = _monthly_requests(ds)
    keep = (counts.index < LOCKDOWN_MONTHS[0]) | (counts.index > LOCKDOWN_MONTHS[1])
    counts = counts[keep]
    if len(counts) < 24 or not counts.sum():
        return float("nan")
    t = np.array([(p - counts.index[0]).n for p in counts.index], dtype=float) / 12.0
    X = np.column_stack([t] + [(counts.index.month == m).astype(float) for m in range(1, 13)])
    y = counts.to_numpy(dtype=float)
    used = X.any(axis=0)
    X = X[:, used]
    beta = np.linalg.lstsq(X, np.log(y + 0.5), rcond=None)[0]
    for _ in range(50):  # Poisson IRLS from the log-linear start
        mu = np.exp(X @ beta)
        step = np.linalg.solve(X.T @ (X * mu[:, None]), X.T @ (y - mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return float(math.exp(beta[0]))


def _lockdown_rows(t: _Table, ds: Dataset) -> None:
    """School-sourced requests in the first lockdown and after schools reopened, against the
    same months of 2019 (they fell and rebounded nationally; no figure is published)."""
    school = ds.requests["source"].astype("string").isin(SCHOOL_SOURCES).to_numpy(dtype=bool, na_value=False)
    counts = _monthly_requests(ds, school)
    for label, months in (("Apr-Jun", (4, 5, 6)), ("Sep-Nov", (9, 10, 11))):
        now = [pd.Period(f"2020-{m:02d}", "M") for m in months]
        before = [pd.Period(f"2019-{m:02d}", "M") for m in months]
        figure = f"school-sourced requests {label} 2020 / {label} 2019"
        if all(p in counts.index for p in now + before):
            t.share(figure, counts[now].sum(), counts[before].sum(), float("nan"), "ratio", "national",
                    "fell in the 2020 lockdowns and rebounded; no published figure, not compared", per=1.0,
                    nothing=f"no school-sourced request in {label} 2019")
        else:
            t.add(figure, float("nan"), float("nan"), "ratio", "national",
                  "not compared: the window does not hold 2019 and 2020")
