"""Every catalogue measure by month x locality on five years of a synthetic England.

Runs ``earlyhelp.measures.compute`` and the same definitions written as plain pandas
(merges, ``groupby(...).sum()``, a loop over month ends for the stocks) on the same Dataset in
one run, checks that both give the same numerators and denominators, and prints the times,
the ratio and the peak resident memory.

    PYTHONPATH=python python benchmarks/bench_measures.py            # England, 5 years
    PYTHONPATH=python python benchmarks/bench_measures.py --scale 0.1 --years 2   # a quick look
"""
from __future__ import annotations

import argparse
import os
import resource
import time
import warnings

import numpy as np
import pandas as pd

import earlyhelp
from earlyhelp import measures
from earlyhelp.data.codes import COUNCIL_AGENCY_TYPES
from earlyhelp.measures._catalogue import REPEAT_CP_PLAN_DAYS
from earlyhelp.measures.sources import NOT_RECORDED, PARTNER_SOURCES, Builder

DAY = pd.Timedelta(days=1)
NO_LOCALITY = "__no_locality__"   # a child in no family: 'not recorded' on our side


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2


# -- the same definitions, plain pandas ------------------------------------------------------------
def pandas_measures(ds, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    """{measure: DataFrame(locality_id, month, numerator, denominator)} by plain pandas."""
    months = pd.period_range(start, end, freq="M")
    fam_loc = ds.families.set_index("family_id")["locality_id"]
    ag_type = ds.agencies.set_index("agency_id")["agency_type"].astype(object)
    out = {}

    def flow(frame, date, num, den=None, weight=None):
        f = frame[frame[date].notna()].copy()
        f["month"] = f[date].dt.to_period("M")
        f = f[(f["month"] >= months[0]) & (f["month"] <= months[-1])]
        f["_num"] = (f[num] if den is None else (f[num] & f[den])).astype(float)
        if weight is not None:
            f["_num"] = f["_num"] * f[weight]
        g = f.groupby(["locality_id", "month"], observed=True)
        res = g["_num"].sum().to_frame("numerator")
        if den is not None:
            res["denominator"] = g[den].sum().astype(float)
        return res

    def flows(frame, spec: str) -> None:
        """``spec``: one ``measure=date:numerator[/denominator][*weight]`` per word."""
        for item in spec.split():
            mid, rest = item.split("=")
            rest, _, weight = rest.partition("*")
            date, _, fraction = rest.partition(":")
            num, _, den = fraction.partition("/")
            out[mid] = flow(frame, date, num, den or None, weight or None)

    def stock(frame, start_col, end_col, flag, weight=None):
        rows = []
        f = frame[frame[flag]]
        for m in months:
            eom = m.to_timestamp(how="end").normalize()
            open_ = (f[start_col] <= eom) & (f[end_col].isna() | (f[end_col] > eom))
            w = f.loc[open_, weight] if weight else pd.Series(1.0, index=f.index[open_])
            s = w.groupby(f.loc[open_, "locality_id"], observed=True).sum()
            rows.append(pd.DataFrame({"locality_id": s.index, "month": m, "numerator": s.to_numpy(dtype=float)}))
        return pd.concat(rows).set_index(["locality_id", "month"])

    # requests
    rq = ds.requests.copy()
    rq["locality_id"] = rq["family_id"].map(fam_loc)
    rq["all"] = True
    rq["children_w"] = rq["children"].astype("float").fillna(1.0)
    rq["mash"] = rq["route"] == "mash_diversion"
    rq["stepdown_route"] = rq["route"] == "step_down"
    rq["partner"] = rq["source"].isin(PARTNER_SOURCES)
    rq["decided"] = rq["decision"].notna()
    rq["converted"] = rq["decision"] == "early_help"
    rq = rq.sort_values(["family_id", "received_date", "request_id"])
    # a repeat follows the family's request of an earlier day (its requests of one day are one request)
    request_days = rq[["family_id", "received_date"]].drop_duplicates()
    request_days["previous_day"] = request_days.groupby("family_id", observed=True)["received_date"].shift()
    rq = rq.merge(request_days, on=["family_id", "received_date"], how="left")
    rq["repeat"] = (rq["received_date"] - rq["previous_day"] <= pd.Timedelta(days=365)).fillna(False)
    ep = ds.episodes.copy()
    closed = ep[ep["end_date"].notna()][["family_id", "end_date", "lead_agency_id"]].sort_values("end_date")
    left = rq[["request_id", "family_id", "received_date"]].sort_values("received_date")
    asof = pd.merge_asof(left.astype({"family_id": object}), closed.astype({"family_id": object}),
                         left_on="received_date", right_on="end_date", by="family_id", allow_exact_matches=False)
    spans = ep[["family_id", "start_date", "end_date"]].astype({"family_id": object})
    j = left.astype({"family_id": object}).merge(spans, on="family_id")
    open_ids = j.loc[(j["start_date"] < j["received_date"]) & (j["end_date"].isna() | (j["end_date"] >= j["received_date"])),
                     "request_id"]
    rr = asof[(asof["received_date"] - asof["end_date"] <= pd.Timedelta(days=365))
              & ~asof["request_id"].isin(open_ids)]["request_id"]
    rq["rereferral"] = rq["request_id"].isin(rr)
    flows(rq, "requests=received_date:all children_referred=received_date:all*children_w "
              "requests_mash_diversions=received_date:mash requests_step_down=received_date:stepdown_route "
              "requests_from_partners=received_date:partner/all request_conversion=received_date:converted/decided "
              "families_two_plus_requests_12m=received_date:repeat/all rereferrals_12m=received_date:rereferral/all")
    # episodes
    ep["locality_id"] = ep["locality_id"].fillna(ep["family_id"].map(fam_loc))
    ep["all"] = True
    dur = (ep["end_date"] - ep["start_date"]).dt.days
    ep["closed"] = ep["end_date"].notna()
    ep["w16"] = ep["closed"] & (dur <= 112)
    ep["o20"] = ep["closed"] & (dur > 140)
    ep["met"] = ep["closed"] & (ep["end_reason"] == "outcomes_met")
    ep["stepup"] = ep["closed"] & (ep["end_reason"] == "step_up")
    ep["sd"] = ep["origin"] == "step_down"
    lead = ep["lead_agency_id"].map(ag_type)
    ep["lead_known"] = lead.notna()
    ep["council"] = lead.isin(COUNCIL_AGENCY_TYPES)
    ep["partner"] = ep["lead_known"] & ~ep["council"]
    ep["school"] = lead == "school"
    ep["eh_led"] = (lead == "la_early_help") & ep["lead_practitioner_id"].notna()
    ep["has_ass"] = ep["episode_id"].isin(ds.assessments["episode_id"])
    n_needs = ds.family_needs.groupby("episode_id", observed=True).size()
    ep["three"] = ep["episode_id"].map(n_needs).fillna(0) >= 3
    level = ep["level"].astype("float")
    ep["lvl"] = level.notna()
    for k in (2, 3, 4):
        ep[f"l{k}"] = level == k
    out["episodes_open"] = stock(ep, "start_date", "end_date", "all")
    flows(ep, "episodes_opened=start_date:all episodes_closed=end_date:closed "
              "episodes_with_assessment=start_date:has_ass/all closed_within_16_weeks=end_date:w16/closed "
              "closed_over_20_weeks=end_date:o20/closed outcomes_met=end_date:met/closed step_ups=end_date:stepup "
              "step_up_rate=end_date:stepup/closed step_downs=start_date:sd "
              "families_three_plus_needs=start_date:three/all level_2_share=start_date:l2/lvl "
              "level_3_share=start_date:l3/lvl level_4_share=start_date:l4/lvl "
              "episodes_partner_led=start_date:partner/lead_known episodes_school_led=start_date:school")
    pr = ds.practitioners.copy()
    pr["all"] = True
    pr["start_date"] = pr["start_date"].fillna(pd.Timestamp("1900-01-01"))
    pr["fte_w"] = pr["fte"].fillna(0.0).where(pr["agency_id"].map(ag_type) == "la_early_help", 0.0)
    cl = stock(ep, "start_date", "end_date", "eh_led").join(
        stock(pr, "start_date", "end_date", "all", weight="fte_w").rename(columns={"numerator": "denominator"}),
        how="outer").fillna(0.0)
    out["caseload_per_practitioner"] = cl
    teams = ds.agencies[ds.agencies["agency_type"] == "la_early_help"].copy()
    teams["all"], teams["start_date"], teams["end_date"] = True, pd.Timestamp("1900-01-01"), pd.NaT
    ct = stock(ep, "start_date", "end_date", "council").join(
        stock(teams, "start_date", "end_date", "all").rename(columns={"numerator": "denominator"}),
        how="outer").fillna(0.0)
    out["caseload_per_team"] = ct
    # rows that belong to an episode take its locality
    ep_loc = ep.set_index("episode_id")[["locality_id", "start_date", "end_date"]]

    def on_episode(frame):
        f = frame.merge(ep_loc, left_on="episode_id", right_index=True, how="left", suffixes=("", "_ep"))
        f["all"] = True
        return f

    a = on_episode(ds.assessments)
    a["done"] = a["completed"].notna()
    a["w45"] = a["done"] & ((a["completed"] - a["started"]).dt.days <= 45) & (a["completed"] >= a["started"])
    out["assessments_started"] = flow(a, "started", "all")
    out["assessments_timely"] = flow(a, "completed", "w45", "done")
    fn = on_episode(ds.family_needs)
    fn["ep_closed"] = fn["end_date"].notna()
    fn["res"] = fn["resolved"].fillna(False).astype(bool)
    fn["sus"] = fn["sustained"].fillna(False).astype(bool) & fn["res"]
    out["sf_outcomes_identified"] = flow(fn, "identified_date", "all")
    out["sf_outcomes_resolved"] = flow(fn, "end_date", "res", "ep_closed")
    out["sf_outcomes_sustained"] = flow(fn, "end_date", "sus", "res")
    pl = on_episode(ds.plans.rename(columns={"end_date": "plan_end"}))
    pl["w28"] = (pl["agreed_date"] - pl["start_date"]).dt.days <= 28
    out["plans_timely"] = flow(pl, "agreed_date", "w28", "all")
    rv = on_episode(ds.taf_reviews)
    rv["due"] = rv["due_date"] <= end
    rv["ontime"] = rv["due"] & rv["held_date"].notna() & (rv["held_date"] <= rv["due_date"])
    out["reviews_timely"] = flow(rv, "due_date", "ontime", "due")
    sr = ds.service_referrals.copy()
    sr["locality_id"] = sr["family_id"].map(fam_loc)
    sr["all"] = True
    for s in ("young_carers", "childrens_centre", "parenting_programme"):
        sr[s] = sr["service"] == s
    flows(sr, "service_referrals=referral_date:all referrals_young_carers=referral_date:young_carers "
              "referrals_childrens_centre=referral_date:childrens_centre "
              "referrals_parenting_programme=referral_date:parenting_programme")
    fv = ds.family_voice.copy()
    fv["locality_id"] = fv["locality_id"].fillna(fv["family_id"].map(fam_loc))
    fv["all"] = True
    fv["pos"] = fv["answer"].astype("float") >= 4
    for q in ("felt_welcomed", "got_help_needed", "experience_good"):
        fv[q] = fv["question"] == q
    flows(fv, "family_voice_positive=response_date:pos/all voice_felt_welcomed=response_date:pos/felt_welcomed "
              "voice_got_help_needed=response_date:pos/got_help_needed "
              "voice_experience_good=response_date:pos/experience_good")
    statutory_measures(ds, fam_loc, months, flows, out)
    return out


def statutory_measures(ds, fam_loc, months, flows, out) -> None:
    """Children on plans / looked after at month ends (distinct children), plans started, repeats, entries."""
    person_loc = ds.family_members.drop_duplicates("person_id").set_index("person_id")["family_id"].map(fam_loc)

    def with_locality(name):
        f = ds[name].copy()
        f["locality_id"] = f["person_id"].map(person_loc).astype(object).fillna(NO_LOCALITY)
        f["all"] = True
        return f

    def children_open(f):
        rows = []
        for m in months:
            eom = m.to_timestamp(how="end").normalize()
            open_ = (f["start_date"] <= eom) & (f["end_date"].isna() | (f["end_date"] > eom))
            s = f[open_].groupby("locality_id")["person_id"].nunique()
            rows.append(pd.DataFrame({"locality_id": s.index, "month": m, "numerator": s.to_numpy(dtype=float)}))
        return pd.concat(rows).set_index(["locality_id", "month"])

    cin, cp, cla = with_locality("cin_plans"), with_locality("cp_plans"), with_locality("cla_episodes")
    out["children_in_need_plans"] = children_open(cin)
    out["children_on_cp_plans"] = children_open(cp)
    out["children_looked_after"] = children_open(cla)
    # the child's latest other plan ended on or before this one started
    pairs = cp[["cp_plan_id", "person_id", "start_date"]].merge(
        cp[["cp_plan_id", "person_id", "end_date"]], on="person_id", suffixes=("", "_prev"))
    pairs = pairs[(pairs["cp_plan_id"] != pairs["cp_plan_id_prev"]) & (pairs["end_date"] <= pairs["start_date"])]
    last_end = pairs.groupby("cp_plan_id")["end_date"].max()
    since = (cp["start_date"] - cp["cp_plan_id"].map(last_end)).dt.days
    cp["repeat"] = (since <= REPEAT_CP_PLAN_DAYS).fillna(False)
    cla["entry"] = cla["reason_new_episode"].astype(object) == "S"
    flows(cp, "cp_plans_started=start_date:all cp_plans_repeat_2y=start_date:repeat/all")
    flows(cla, "cla_entries=start_date:entry")


def compare(ours: pd.DataFrame, theirs: dict, ds) -> int:
    """Numerators and denominators agree cell by cell; returns the number of cells compared."""
    ids, names = Builder(ds).locality_names()
    label = dict(zip(ids.astype(str), names), **{NO_LOCALITY: NOT_RECORDED})
    n = 0
    for mid, ref in theirs.items():
        mine = ours[ours["measure"] == mid].copy()
        mine["month"] = pd.PeriodIndex(mine["period"], freq="M")
        mine = mine.set_index([mine["locality"].astype(str), "month"])
        ref = ref.reset_index()
        ref["loc"] = ref["locality_id"].astype(str).map(label)
        ref = ref.set_index(["loc", "month"])
        for col in [c for c in ("numerator", "denominator") if c in ref.columns]:
            got = mine[col].reindex(ref.index).fillna(0).to_numpy(dtype=float)
            want = ref[col].to_numpy(dtype=float)
            bad = ~np.isclose(got, want)
            if bad.any():
                raise AssertionError(f"{mid}.{col}: {int(bad.sum())} of {len(want)} cells differ")
            total, ref_total = mine[col].fillna(0).sum(), ref[col].sum()
            if not np.isclose(total, ref_total):  # relative: sums of fractional caseloads differ in the last bits
                raise AssertionError(f"{mid}.{col}: totals differ by {total - ref_total}")
            n += len(want)
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--years", type=float, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t = time.perf_counter()
    ds = earlyhelp.synthetic.council(preset="england", years=args.years, scale=args.scale, seed=args.seed)
    print(f"synthetic England, {args.years:g} years, scale {args.scale:g}: {time.perf_counter() - t:.1f} s; "
          f"{ds}")
    print(f"peak memory after generating: {peak_gb():.2f} GB")
    start, end = pd.Timestamp(ds.meta["window_start"]), pd.Timestamp(ds.meta["end_date"])
    ids = measures.ids()
    with warnings.catch_warnings():
        warnings.simplefilter("error", measures.MeasuresBlockedWarning)
        t, c = time.perf_counter(), time.process_time()
        ours = measures.compute(ds, ids, period="month", by="locality")
        t_ours, c_ours = time.perf_counter() - t, time.process_time() - c
    print(f"earlyhelp.measures.compute: {len(ids)} measures by month x locality, {len(ours):,} rows: "
          f"{t_ours:.1f} s wall, {c_ours:.1f} s CPU; peak memory so far {peak_gb():.2f} GB")
    t, c = time.perf_counter(), time.process_time()
    theirs = pandas_measures(ds, start, end)
    t_pandas, c_pandas = time.perf_counter() - t, time.process_time() - c
    print(f"plain pandas, same definitions ({len(theirs)} measures): {t_pandas:.1f} s wall, {c_pandas:.1f} s CPU")
    cells = compare(ours, theirs, ds)
    print(f"numerators and denominators agree on {cells:,} (measure, locality, month) cells")
    print(f"ratio pandas / earlyhelp: {t_pandas / t_ours:.1f}x wall, {c_pandas / c_ours:.1f}x CPU; "
          f"peak memory {peak_gb():.2f} GB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
