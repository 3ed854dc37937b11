"""The ``earlyhelp network`` run: the multi-agency picture at a date, written as one run folder.

The same public calls a user makes in a notebook (:class:`earlyhelp.network.FamilyNetwork`,
:func:`earlyhelp.network.allocate_leads`), with the results written through
:class:`earlyhelp.report.runfolder.RunFolder` (complete or absent) and a ``run.json``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd

from .._errors import Problem, ValidationError
from ..results import Exclusions
from .asof import as_of

#: columns computed from a count in the same row: withheld where the count is suppressed
DERIVED = {
    "caseloads": {"spare": ["open_families"], "utilisation": ["open_families"],
                  "families_per_fte": ["open_families"]},
    "agency_links": {"jaccard": ["shared_families"]},
}
#: count-named columns that are settings, not observed counts (a practitioner's agreed capacity)
NOT_COUNTS = {"caseloads": ("caseload_capacity",)}
#: figures computed without the counts of their row: the agencies' centrality comes from the list of
#: links alone (PageRank unweighted), which ``agency_links`` publishes whole
INDEPENDENT = {"agencies": ("pagerank", "betweenness")}


@dataclass
class NetworkResult:
    run_id: str
    folder: Path
    summary: List[str] = field(default_factory=list)
    excluded: Exclusions = Exclusions()


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """List cells (practitioners, agencies of a family) as ``;``-joined text, for CSV and Parquet alike."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, (list, tuple))).any():
            out[col] = out[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out.reset_index(drop=True)


def _as_of(ds, at: Optional[str]) -> Optional[pd.Timestamp]:
    end = ds.data_end()
    when = as_of(at, end,
                 after_end="the network is the data as they stand at their end, with the leaving dates of "
                           "practitioners and the end dates of episodes and involvements recorded up to --at "
                           "applied (practitioners leaving by then are left out, and their families lose them); "
                           "what begins after the end of the data is not in it")
    if when is None:   # the end of the data: a leaving date after it (a notice period) is not a leaver yet
        when = end
    first = ds.episodes["start_date"].min() if len(ds.episodes) else pd.NaT
    if when is not None and pd.notna(first) and when < first:
        # no episode is open yet: every list would be empty, which reads as "no gaps"
        raise ValidationError([Problem("option", "--at", f"is before the first episode in the data starts "
                                       f"({pd.Timestamp(first).date()}): no family is open then", value=at)])
    return when


def required_tables(ds) -> None:
    """Raise :class:`~earlyhelp.ValidationError` naming each table the network is built from that
    holds no rows (a failed or partial extract): without episodes no family is open, and without
    involvements no family has a team beside its lead, so every list would be empty or nearly so,
    which reads as an all-clear (no coordination gaps, every practitioner free)."""
    problems = []
    if len(ds.episodes) == 0:
        problems.append(Problem("episodes", None, "has no rows: the network is of the families with an open Early "
                                "Help episode, so with none every list would be empty, which reads as 'no gaps' "
                                "and every practitioner free; check that the extract exported the episodes"))
    if len(ds.involvements) == 0:
        problems.append(Problem("involvements", None, "has no rows: the agencies and practitioners working with "
                                "each family come from it, so no coordination gap could be found and caseloads "
                                "would count lead families only; check that the extract exported the involvements"))
    if problems:
        raise ValidationError(problems)


def publication_settings(policy) -> Dict[str, object]:
    """The publication policy's settings that change what a run publishes, for its parameters and
    run digest: the suppression threshold and whether ids are pseudonymised (never the key)."""
    from ..report.publish import PublishPolicy

    policy = policy if policy is not None else PublishPolicy()
    return {"suppression_threshold": int(policy.threshold), "pseudonymise": bool(policy.pseudonymise)}


def run_network(ds, output: str, *, at: Optional[str] = None, allocate: bool = True, min_agencies: int = 3,
                run_id: Optional[str] = None, policy=None) -> NetworkResult:
    """Build the family network at ``at``, write its tables to a new run folder in ``output``.

    Every table passes the publication gate with ``policy``
    (:class:`~earlyhelp.report.publish.PublishPolicy`; default: counts 1..5 hidden, raw ids).

    Raises
    ------
    ValidationError
        ``episodes`` or ``involvements`` holds no rows (the network would read as an all-clear),
        or ``at`` is not a date the data can answer for.
    """
    from ..network import FamilyNetwork, allocate_leads
    from ..report.runfolder import RunFolder, new_run_id, run_digest
    from ..report.suppression import shown_count
    from ..sources import content_hash

    required_tables(ds)
    when = _as_of(ds, at)
    timings: Dict[str, float] = {}
    start = time.perf_counter()
    inputs = content_hash(ds)
    net = FamilyNetwork.from_dataset(ds, when)
    tables = {
        "caseloads": net.caseloads(),
        "coordination_gaps": net.coordination_gaps(min_agencies=min_agencies),
        "linked_households": linked_families(net),
    }
    collab = net.agency_collaboration(seed=0, weighted_pagerank=False)
    tables["agency_links"] = collab.edges
    tables["agencies"], agencies_csv = agency_totals_shown(collab.agencies, collab.edges, tables["caseloads"],
                                                           policy)
    timings["network"] = round(time.perf_counter() - start, 3)
    excluded = net.excluded.at_step("network")
    allocation = None
    if allocate:
        start = time.perf_counter()
        allocation = allocate_leads(ds, network=net)
        tables["lead_allocation"] = allocation.assignments
        tables["lead_unallocated"] = allocation.unassigned
        timings["allocate"] = round(time.perf_counter() - start, 3)

    params = {"at": None if when is None else when.date().isoformat(), "allocate": allocate,
              "min_agencies": min_agencies,
              # what is hidden and whether ids are pseudonyms change every file (the key is never recorded)
              "publication": publication_settings(policy)}
    end = ds.data_end()
    if at is not None and when is not None and end is not None and when.normalize() > end:
        # the run says the date it was asked for lies after the data, and where they end
        params["at_after_data_end"] = end.date().isoformat()
    digest = run_digest(params, inputs)
    tables = named_tables(tables, net)
    tables["agency_links"], links_csv = jaccard_shown(tables["agency_links"], tables["agencies"])
    with RunFolder(output, run_id or new_run_id(digest, prefix="network-"), policy=policy) as folder:
        for name, frame in tables.items():
            folder.write_table(name, _flat(frame), derived=DERIVED.get(name), not_counts=NOT_COUNTS.get(name, ()),
                               independent=INDEPENDENT.get(name, ()),
                               csv_frame={"agencies": agencies_csv, "agency_links": links_csv}.get(name))
        extra = {} if allocation is None else {"allocation_total_cost": round(float(allocation.total_cost), 6)}
        folder.record("network", digest=digest, inputs=inputs, excluded=excluded, timings=timings,
                      parameters=params,
                      rows_written={name: ("c" if 1 <= len(frame) <= folder.policy.threshold else int(len(frame)))
                                    if "famil" in name
                                    or name in ("coordination_gaps", "lead_allocation", "lead_unallocated", "linked_households")
                                    else int(len(frame)) for name, frame in tables.items()},
                      **extra)
    shown = lambda n: shown_count(n, folder.policy.threshold)  # noqa: E731 - counts of families on stderr too
    summary = [f"{len(tables['caseloads']):,} current practitioners; "
               f"{shown(len(tables['coordination_gaps']))} families with {min_agencies}+ agencies and no lead or "
               "no assessment"]
    if allocation is not None:
        summary.append(f"proposed a lead for {shown(len(allocation.assignments))} families; "
                       f"{shown(len(allocation.unassigned))} could not be allocated")
    return NetworkResult(run_id=folder.run_id, folder=folder.final, summary=summary, excluded=excluded)


def agency_totals_shown(agencies: pd.DataFrame, links: pd.DataFrame, caseloads: pd.DataFrame,
                        policy) -> "tuple[pd.DataFrame, pd.DataFrame]":
    """The agencies table, typed and as CSV, with an agency's totals withheld (missing, ``"c"``)
    where one of their parts is hidden in another table of the run: ``shared_families`` is the
    sum of the agency's links in ``agency_links``, and ``families`` about the sum of its
    practitioners' ``open_families`` in ``caseloads``, so either total less the shown parts would
    give a hidden part back. PageRank (unweighted) and betweenness are read off the list of
    links, which is published whole, so they stay."""
    from ..report.publish import PublishPolicy
    from ..report.suppression import SUPPRESSED

    t = int((policy or PublishPolicy()).threshold)
    small = lambda v: pd.to_numeric(v, errors="coerce").between(1, t)  # noqa: E731 - hidden by the gate
    hidden_link = links.loc[small(links["shared_families"]), ["agency_id_a", "agency_id_b"]]
    with_hidden_link = set(hidden_link["agency_id_a"].astype(str)) | set(hidden_link["agency_id_b"].astype(str))
    parts = caseloads[["open_families", "lead_families"]].apply(small).any(axis=1)
    with_hidden_caseload = set(caseloads.loc[parts, "agency_id"].dropna().astype(str))
    typed, text = agencies.reset_index(drop=True), agencies.reset_index(drop=True).copy()
    ids = typed["agency_id"].astype(str)
    for column, withheld in (("shared_families", ids.isin(with_hidden_link)),
                             ("families", ids.isin(with_hidden_caseload))):
        # the gate's own rule as well: a column holding "c" is taken as suppressed already
        hidden = withheld.to_numpy() | small(typed[column]).to_numpy()
        counts = typed[column].round().astype("Int64")   # a sum of counts of families
        text[column] = counts.astype(object).where(~hidden, SUPPRESSED)
        typed[column] = counts.mask(hidden)
    return typed, text


def jaccard_shown(links: pd.DataFrame, agencies: pd.DataFrame) -> "tuple[pd.DataFrame, pd.DataFrame]":
    """The links table, typed and as CSV, with ``jaccard`` withheld (missing, ``"c"``) where either
    agency's ``families`` is withheld in ``agencies``: the index is shared / (families of one +
    families of the other - shared), so with ``shared_families`` it gives the two totals' sum
    back, and with one of them shown, the other (and from it a hidden caseload)."""
    from ..report.suppression import SUPPRESSED

    withheld = set(agencies.loc[agencies["families"].isna(), "agency_id"].astype(str))
    hidden = (links["agency_id_a"].astype(str).isin(withheld) | links["agency_id_b"].astype(str).isin(withheld))
    typed, text = links.reset_index(drop=True), links.reset_index(drop=True).copy()
    hidden = hidden.to_numpy()
    text["jaccard"] = typed["jaccard"].astype(object).where(~hidden, SUPPRESSED)
    typed["jaccard"] = typed["jaccard"].mask(hidden)
    return typed, text


def linked_families(net) -> pd.DataFrame:
    """:meth:`FamilyNetwork.linked_households` without the families that share no member with
    another family (groups of one): the operational list of linked households."""
    table = net.linked_households()
    return table[table["group_size"] > 1].reset_index(drop=True)


def named_tables(tables: Dict[str, pd.DataFrame], net) -> Dict[str, pd.DataFrame]:
    """The tables with locality and agency names beside their ids, and each coordination gap's
    agencies by name (what a manager reads; the ids stay as keys)."""
    from ..data.names import Names, add_names

    names = Names.of(net.ds)
    out = {name: frame if name == "agencies" else add_names(frame, names) for name, frame in tables.items()}
    gaps = out.get("coordination_gaps")
    if gaps is not None and "family_id" in gaps.columns:
        team = net.team[["family_id", "agency_id"]].dropna().drop_duplicates()
        team = team.assign(family_id=team["family_id"].astype(str), agency=names.agency(team["agency_id"]).to_numpy())
        involved = team.groupby("family_id")["agency"].agg(lambda v: sorted(set(map(str, v))))
        at = gaps.columns.get_loc("n_agencies") + 1 if "n_agencies" in gaps.columns else len(gaps.columns)
        gaps = gaps.copy()
        gaps.insert(at, "agencies", gaps["family_id"].astype(str).map(involved).map(
            lambda v: v if isinstance(v, list) else []))
        out["coordination_gaps"] = gaps
    return out
