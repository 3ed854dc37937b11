"""The multi-agency network around families, as known at a date.

:class:`FamilyNetwork` joins persons, families, practitioners, agencies and
localities from a :class:`earlyhelp.Dataset` and answers the questions
partnerships ask: who is in the Team Around each Family, which families have
several agencies and nobody coordinating, which agencies work together, which
households are linked through shared members, how loaded each practitioner is,
and who leads episodes (council or partners).

What "as known at a date" means
-------------------------------
With ``at`` given, the data is cut at that date with ``ds.snapshot(at)``: rows
that start after ``at`` are hidden and periods that end after ``at`` are open. A period is *current* when it
has started on or before ``at`` and has no end. With ``at=None`` the data is
used as it is: current = no end date.

Tables that were not supplied
-----------------------------
A Dataset may lack the persons, agencies or localities table (its load report lists the
references it could not check). The ids the other tables name still stand: a person named by
a membership, an agency named by a practitioner and a locality named by a family are vertices
of the graph, so no link is lost. An agency known only by id has a missing name and
``agency_type``, and sector ``unknown``; ``unknown_agencies`` counts them.

A current practitioner with no ``agency_id`` at all (it is optional) stays in the team around
their families and in ``caseloads``, but belongs to no agency: their links to families are in
no agency's figures (``n_agencies``, ``agency_collaboration``). ``team_around_family`` counts
them per family (``n_practitioners_without_agency``), ``agency_collaboration`` in all
(``links_without_agency``), and ``excluded`` says how many links the agency figures leave out.

Tables are pandas work; graph work (projections, components, centrality) runs
in the C++ engine (:class:`earlyhelp.network.Graph`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pandas as pd

from .._docstrings import with_sections
from .._errors import Problem, ValidationError
from ..data import codes
from ..data.coerce import _as_text, row_labels
from ..data.dataset import check_dataset, check_unique_ids
from ..data.events import date_argument
from ..results import Excluded, Exclusions
from .graph import Graph, _whole, bipartite_projection

__all__ = ["FamilyNetwork", "AgencyCollaboration", "plot_agency_network", "snapshot_at"]

NODE_KINDS = ("person", "family", "practitioner", "agency", "locality")
#: the tables the network looks rows up in by id: a repeated id makes those lookups ambiguous
KEYED_TABLES = (("families", "family_id"), ("episodes", "episode_id"), ("practitioners", "practitioner_id"),
                ("agencies", "agency_id"))
#: the tables the network reads: checked as Dataset.validate checks them before it reads them
NETWORK_TABLES = ("families", "family_members", "persons", "agencies", "practitioners", "localities", "episodes",
                  "involvements", "assessments", "family_needs")

def snapshot_at(ds: Any, at: Any) -> Any:
    """The Dataset as known at ``at`` (``ds.snapshot(at)``); ``at=None`` returns ``ds``."""
    if at is None:
        return ds
    return ds.snapshot(pd.Timestamp(at))


def _check_period_freq(freq: Any) -> None:
    """A pandas period frequency (``"Q"``, ``"Y"``, ``"M"``, ...), or a ValidationError naming ``freq``."""
    try:
        pd.Period("2000-01-01", freq=freq)
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(Problem("lead_share", "freq", "must be a pandas period frequency such as 'Q', "
                                      "'Y' or 'M', or None", value=freq)) from None


def _ids(series: pd.Series) -> pd.Series:
    return series.astype("string[pyarrow]")


def _check_capacity(practitioners: pd.DataFrame) -> None:
    """Caseload capacities are whole numbers of families, at least 0, naming the practitioners
    whose capacity is not (the table check below names only the column's type)."""
    if "caseload_capacity" not in practitioners.columns:
        return
    cap = pd.to_numeric(practitioners["caseload_capacity"], errors="coerce").astype("float64")
    given = practitioners["caseload_capacity"].notna().to_numpy()
    bad = given & ~(np.isfinite(cap) & (cap >= 0) & (cap == np.round(cap))).to_numpy()
    if bad.any():
        raise ValidationError(Problem("practitioners", "caseload_capacity", "must be a whole number of families, at "
                                      "least 0", list(practitioners.loc[bad, "practitioner_id"].astype(str)[:10]),
                                      int(bad.sum()), float(cap[bad].iloc[0])))


def _checked(ds: Any, snapshot: bool) -> Any:
    """``ds`` with its ids as text and the tables it is read from checked as
    :meth:`~earlyhelp.Dataset.validate` checks them (once per Dataset), as risk and measures
    do: a table given with :meth:`~earlyhelp.Dataset.replace` may hold text where numbers or
    dates belong, and would fail inside pandas. ``snapshot``: every table with rows, as
    ``ds.snapshot`` cuts them all by their dates; else :data:`NETWORK_TABLES`.

    Raises
    ------
    ValidationError
        naming each table, column and rows with a problem.
    """
    if "practitioners" not in ds._checked:
        _check_capacity(ds.practitioners)
    ds = _ids_as_text(ds)   # ids held as numbers are tolerated: as text they match
    ds.check_tables([name for name, frame in ds.tables.items() if len(frame)] if snapshot else NETWORK_TABLES)
    return ds


def _ids_as_text(ds: Any) -> Any:
    """``ds`` with every id column as text: ids given as whole numbers (a table replaced by
    hand) would otherwise match nothing the network looks up as text, and every link of theirs
    would be dropped as unknown.

    Raises
    ------
    ValidationError
        an id held as a float that is not a whole number (or too large to keep its digits),
        naming the table, the column and the rows.
    """
    from ..data.schema import TABLES

    changed = {}
    for name, table in TABLES.items():
        frame = ds[name]
        cols = [c.name for c in table.columns if c.kind == "id" and c.name in frame.columns
                and not pd.api.types.is_string_dtype(frame[c.name])]
        if cols:
            changed[name] = frame.assign(**{c: _id_column_as_text(frame, name, table.key[0], c) for c in cols})
    return ds.replace(**changed) if changed else ds


def _id_column_as_text(frame: pd.DataFrame, table: str, key: str, column: str) -> pd.Series:
    """One id column as text. Floats (what pandas makes of a numeric id column with a blank cell)
    read as the integer they hold, 7.0 as '7', so they match the same id given as 7 or '7'."""
    values = frame[column]
    if not pd.api.types.is_float_dtype(values.dtype):
        return _ids(values)
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(v) & (np.mod(v, 1) == 0) & (np.abs(v) < 2.0 ** 53)
    bad = ~np.isnan(v) & ~whole
    if bad.any():
        raise ValidationError(Problem(table, column, "an id held as a number must be a whole number below 2**53 "
                                      "(else it matches no id given as text): give the id column as text",
                                      row_labels(frame, key, bad), int(bad.sum()), float(v[bad][0])))
    return _as_text(values)


def _sorted_lists(column) -> pd.Series:
    """Per group, its distinct values as a sorted list of text (an object column of Python lists:
    ``agg`` returning lists would give pandas 3's Arrow list dtype instead)."""
    return pd.Series({key: sorted(set(values.dropna().astype(str))) for key, values in column}, dtype=object)


_plot_doc = with_sections(plot_parameters="ax : matplotlib Axes, optional\n    where to draw (default a new figure).\n"
                                          "top : int or None, default 40\n    draw this many agencies (None: all).\n"
                                          "seed : int, default 0\n    seed of the layout.")


@dataclass
class AgencyCollaboration:
    """Agencies joined by the families they work with at the same time.

    Parameters
    ----------
    graph : Graph
        Undirected agency graph (labels = agency ids), weight = shared families.
    agencies : DataFrame
        One row per agency: agency_id, name, agency_type, sector (council/partner),
        families, partners (degree), shared_families (strength), pagerank, betweenness.
    edges : DataFrame
        agency_id_a, agency_id_b, shared_families, jaccard, with names and types.
    links_without_agency : int, default 0
        current family-practitioner links whose practitioner has no ``agency_id``: in no
        agency's ``families`` (counted in :attr:`FamilyNetwork.excluded` too).
    """

    graph: Graph
    agencies: pd.DataFrame
    edges: pd.DataFrame
    links_without_agency: int = 0

    @_plot_doc
    def plot(self, ax: Any = None, top: Optional[int] = 40, seed: int = 0) -> Any:
        """Draw the network (see :func:`plot_agency_network`).

        Parameters
        ----------
        {plot_parameters}

        Returns
        -------
        matplotlib Axes
        """
        return plot_agency_network(self, ax=ax, top=top, seed=seed)

    def to_networkx(self) -> Any:
        """A ``networkx.Graph`` of agencies (every column of ``agencies`` as node
        attributes) with ``shared_families`` (also as ``weight``) and ``jaccard`` on edges.

        Nodes are added in the order of the graph attribute's vertices (by agency id), so
        ``nx.betweenness_centrality(G, k=k, seed=seed)`` draws the sources that
        ``agency_collaboration(betweenness_samples=k, seed=seed)`` drew, and gives its numbers.

        Returns
        -------
        networkx.Graph
        """
        import networkx as nx

        g = nx.Graph()
        key = self.agencies["agency_id"].astype(str)
        order = (pd.Series(np.arange(len(self.graph.labels)), index=[str(x) for x in self.graph.labels])
                 if self.graph.labels is not None else pd.Series(dtype="int64"))
        rows = self.agencies.assign(_vertex=key.map(order).to_numpy(dtype="float64", na_value=np.inf), _key=key) \
            .sort_values(["_vertex", "_key"], kind="stable").drop(columns=["_vertex", "_key"])
        for row in rows.to_dict("records"):
            g.add_node(str(row["agency_id"]), **{k: v for k, v in row.items() if k != "agency_id"})
        for row in self.edges.to_dict("records"):
            g.add_edge(str(row["agency_id_a"]), str(row["agency_id_b"]), weight=row["shared_families"],
                       shared_families=row["shared_families"], jaccard=row["jaccard"])
        return g


class FamilyNetwork:
    """Persons, families, practitioners, agencies and localities as one graph at a date.

    Build with :meth:`from_dataset`. ``graph`` is the multipartite graph
    (undirected; vertices described by ``nodes``: kind and id), with edges
    family-person (membership), family-practitioner (current involvement or lead
    of the open episode), practitioner-agency (employment), family-locality.

    Parameters
    ----------
    ds : Dataset
        the data, already cut at ``at`` (use :meth:`from_dataset`).
    at : Timestamp or None
        the date the network is known at.

    Raises
    ------
    ValidationError
        ``ds`` is not a Dataset, an id repeats in one of ``KEYED_TABLES`` (families,
        episodes, practitioners, agencies), or a table the network reads (``NETWORK_TABLES``)
        fails the checks of :meth:`~earlyhelp.Dataset.validate` (a value of the wrong type,
        out of its range or code list, a reference to a row that does not exist, ...),
        naming the table, the column and the rows.
    """

    def __init__(self, ds: Any, at: Optional[pd.Timestamp]) -> None:
        check_dataset(ds, "network")
        check_unique_ids(ds, KEYED_TABLES, "the network looks rows up by it")
        self.at = at
        self.ds = _checked(ds, snapshot=False)
        self._build_tables()
        self._graph: Optional[Graph] = None

    @classmethod
    def from_dataset(cls, ds: Any, at: Any = None) -> "FamilyNetwork":
        """The network as known at ``at`` (a date; ``None`` = the data as given).

        An ``at`` that is not a date (a bare number such as ``2024`` included) raises
        :class:`earlyhelp.ValidationError`; a time zone is dropped, keeping the clock date.

        The tables are checked first, as :meth:`~earlyhelp.Dataset.validate` checks them (once
        per Dataset: a Dataset loaded with validation is not checked again): the tables the
        network reads, and with ``at`` every table with rows, as the snapshot cuts them all by
        their dates. Ids held as numbers (a table replaced by hand) are read as text.

        Parameters
        ----------
        ds : Dataset
            the council's data.
        at : date-like, optional
            the date (default: the data as given).

        Returns
        -------
        FamilyNetwork

        Raises
        ------
        ValidationError
            ``at`` is not a date, a table fails its checks (naming the table, the column and
            the rows), or as the constructor raises.
        """
        check_dataset(ds, "network")
        if at is not None:  # the day ds.snapshot(at) cuts at, by the package's one date check
            at = date_argument(at, "network", "at")
        check_unique_ids(ds, KEYED_TABLES, "the network looks rows up by it")
        return cls(snapshot_at(_checked(ds, snapshot=at is not None), at), at)

    # -- the current picture ---------------------------------------------------
    def _build_tables(self) -> None:
        ds = self.ds
        agencies = ds.agencies[["agency_id", "name", "agency_type"]].copy()
        agencies["agency_id"] = _ids(agencies["agency_id"])
        pr = ds.practitioners
        active = pr["end_date"].isna() if "end_date" in pr.columns else pd.Series(True, index=pr.index)
        # agencies named by current practitioners but not in the agencies table (not supplied, or
        # not checked): kept by id, so their practitioners' families still count in the network
        named = pd.Index(_ids(pr.loc[active, "agency_id"]).dropna().unique())
        unknown = named.difference(pd.Index(agencies["agency_id"])).sort_values()
        self.unknown_agencies = len(unknown)
        if len(unknown):
            agencies = pd.concat([agencies, pd.DataFrame({"agency_id": pd.array(unknown, dtype="string[pyarrow]")})],
                                 ignore_index=True)
        agency_type = agencies["agency_type"].astype(object)
        agencies["agency_type"] = agency_type.astype(str).where(agency_type.notna())  # missing stays missing
        agencies["sector"] = np.where(agencies["agency_type"].isin(codes.COUNCIL_AGENCY_TYPES), "council",
                                      np.where(agencies["agency_type"].isna() | (agencies["agency_type"] == "unknown"),
                                               "unknown", "partner"))
        self.agencies = agencies
        self.practitioners = pr[active].merge(agencies[["agency_id", "agency_type", "sector"]], on="agency_id",
                                              how="left")
        tier = self.practitioners["tier"]
        self.practitioners["tier"] = tier.astype(str).where(tier.notna())   # missing stays missing, not "nan"

        episodes = ds.episodes
        open_all = episodes[episodes["end_date"].isna()]
        self.excluded_open_without_family = int(open_all["family_id"].isna().sum())
        open_all = open_all[open_all["family_id"].notna()]
        # One open episode per family: the latest started (several may overlap in raw data).
        open_eps = open_all.sort_values(["family_id", "start_date", "episode_id"]).drop_duplicates("family_id",
                                                                                                  keep="last")
        self.excluded_open_overlapping = len(open_all) - len(open_eps)
        self.open_episodes = open_eps

        inv = ds.involvements
        inv = inv[inv["end_date"].isna()].copy()
        if "episode_id" in inv.columns:
            # Involvements recorded against an episode take that episode's family.
            fam_of_ep = episodes.set_index("episode_id")["family_id"]
            missing = inv["family_id"].isna() & inv["episode_id"].notna()
            inv.loc[missing, "family_id"] = inv.loc[missing, "episode_id"].map(fam_of_ep)
        no_family = inv["family_id"].isna()
        self.excluded_involvements_without_family = int(no_family.sum())
        inv = inv[~no_family]
        inv["role"] = inv["role"].astype(str)
        # Leads of open episodes are part of the team even without an involvement row; the lead of
        # an older, overlapping open episode still works with the family.
        leads = open_all.loc[open_all["lead_practitioner_id"].notna(), ["family_id", "lead_practitioner_id"]]
        lead_rows = pd.DataFrame({"family_id": leads["family_id"].values,
                                  "practitioner_id": leads["lead_practitioner_id"].values,
                                  "role": "lead_practitioner"})
        team = pd.concat([inv[["family_id", "practitioner_id", "role"]], lead_rows], ignore_index=True)
        team["family_id"] = _ids(team["family_id"])
        team["practitioner_id"] = _ids(team["practitioner_id"])
        # Practitioners who have left are dropped from the team, and counted.
        known = team["practitioner_id"].isin(self.practitioners["practitioner_id"])
        self.excluded_involvements = int((~known).sum())
        team = team[known].merge(self.practitioners[["practitioner_id", "agency_id", "agency_type", "tier"]],
                                 on="practitioner_id", how="left")
        self.team = team.drop_duplicates(["family_id", "practitioner_id", "role"])
        # a current practitioner with no agency_id (optional) stays in the team, but their links
        # count towards no agency: counted, one per family and practitioner
        no_agency = self.team.loc[self.team["agency_id"].isna(), ["family_id", "practitioner_id"]]
        self.excluded_links_without_agency = len(no_agency.drop_duplicates())

        members = ds.family_members
        if "valid_to" in members.columns:
            members = members[members["valid_to"].isna()]
        # a membership without its person or its family links nothing: left out and counted (kept,
        # every missing person would be one "<NA>" person joining all their families into one household)
        no_id = (members["family_id"].isna() | members["person_id"].isna()).to_numpy(dtype=bool)
        self.excluded_memberships_without_id = int(no_id.sum())
        members = members[~no_id]
        self.members = members[["family_id", "person_id", "role"]].drop_duplicates(["family_id", "person_id"])
        known = self.members["family_id"].astype(str).isin(_ids(ds.families["family_id"]).astype(str))
        self.excluded_memberships = int((~known).sum())
        # a families row with no id is no vertex (nothing can link to it) and no linked household
        self.excluded_families_without_id = int(ds.families["family_id"].isna().sum())

    def __repr__(self) -> str:
        at = "(the data as given)" if self.at is None else f"at {pd.Timestamp(self.at).date()}"
        families = int(self.team["family_id"].nunique())
        lines = [f"<earlyhelp.network.FamilyNetwork {at}:",
                 f"  {len(self.open_episodes):,} families with an open episode; {families:,} with a current team",
                 f"  {len(self.practitioners):,} current practitioners in {len(self.agencies):,} agencies; "
                 f"{len(self.team):,} practitioner-family links",
                 f"  {len(self.members):,} current family memberships"]
        if self.unknown_agencies:
            lines.append(f"  {self.unknown_agencies:,} agencies known only by id (not in the agencies table)")
        if self.excluded:
            lines.append(f"  left out: {self.excluded.total():,} rows (see .excluded)")
        return "\n".join(lines) + ">"

    @property
    def excluded(self) -> Exclusions:
        """Rows the network leaves out, and why (nothing is dropped without being counted)."""
        return Exclusions([
            Excluded("involvements", "involvement or lead of a practitioner not in practitioners (left or unknown)",
                     self.excluded_involvements),
            Excluded("involvements", "current involvement with no family (none recorded, nor through its episode)",
                     self.excluded_involvements_without_family),
            Excluded("involvements", "family-practitioner link whose practitioner has no agency_id: in the team "
                     "around the family, but in no agency's figures (n_agencies, agency_collaboration)",
                     self.excluded_links_without_agency),
            Excluded("episodes", "open episode with no family", self.excluded_open_without_family),
            Excluded("episodes", "open episode of a family with a later open episode (the latest is the family's "
                     "episode; its lead stays in the team)", self.excluded_open_overlapping),
            Excluded("family_members", "family member of a family not in families", self.excluded_memberships),
            Excluded("family_members", "current family membership with no person_id or no family_id",
                     self.excluded_memberships_without_id),
            Excluded("families", "family with no family_id (no vertex of the graph, no row of linked_households)",
                     self.excluded_families_without_id),
        ])

    # -- the multipartite graph ------------------------------------------------
    @property
    def nodes(self) -> pd.DataFrame:
        """Vertices of :attr:`graph`: vertex number, kind and id."""
        self._ensure_graph()
        return self._nodes

    @property
    def graph(self) -> Graph:
        """The multipartite graph (C++ engine); labels are ``"kind:id"``."""
        self._ensure_graph()
        return self._graph

    def _ensure_graph(self) -> None:
        if self._graph is not None:
            return
        ds = self.ds
        # members of families not in families are left out (counted in excluded)
        members = self.members[self.members["family_id"].astype(str).isin(_ids(ds.families["family_id"]).astype(str))]
        # each kind's table, then the ids the links name that it lacks (a table not supplied):
        # an edge whose end were no vertex would be lost without a word
        parts = {
            "person": [ds.persons["person_id"], members["person_id"]],
            "family": [ds.families["family_id"], self.team["family_id"]],
            "practitioner": [self.practitioners["practitioner_id"]],
            "agency": [self.agencies["agency_id"]],
            "locality": [ds.localities["locality_id"], ds.families["locality_id"]],
        }
        frames = [pd.DataFrame({"kind": k, "id": pd.concat([_ids(v) for v in v_all], ignore_index=True)
                                .dropna().unique()}) for k, v_all in parts.items()]
        nodes = pd.concat(frames, ignore_index=True)
        nodes["vertex"] = np.arange(len(nodes))
        # every kind, even one with no rows at the date (groupby would leave it out)
        kinds, ids = nodes["kind"].to_numpy(), nodes["id"].astype(object).to_numpy()
        index = {k: pd.Series(nodes["vertex"].to_numpy()[kinds == k], index=ids[kinds == k]) for k in parts}

        def link(kind_a: str, a: pd.Series, kind_b: str, b: pd.Series) -> np.ndarray:
            va = _ids(a).astype(object).map(index[kind_a])
            vb = _ids(b).astype(object).map(index[kind_b])
            ok = va.notna().values & vb.notna().values
            return np.stack([va[ok].astype(np.int64).values, vb[ok].astype(np.int64).values])

        team = self.team.drop_duplicates(["family_id", "practitioner_id"])
        pieces = {
            "member": link("family", members["family_id"], "person", members["person_id"]),
            "team": link("family", team["family_id"], "practitioner", team["practitioner_id"]),
            "employment": link("practitioner", self.practitioners["practitioner_id"], "agency",
                               self.practitioners["agency_id"]),
            "lives_in": link("family", ds.families["family_id"], "locality", ds.families["locality_id"]),
        }
        edges = np.concatenate(list(pieces.values()), axis=1)
        relation = np.repeat(list(pieces), [p.shape[1] for p in pieces.values()])
        labels = (nodes["kind"] + ":" + nodes["id"].astype(str)).tolist()
        self._graph = Graph.from_edges(edges[0], edges[1], n=len(nodes), labels=labels)
        self._nodes = nodes[["vertex", "kind", "id"]]
        kind, ident = nodes["kind"].to_numpy(), nodes["id"].to_numpy()
        self._edges = pd.DataFrame({"source": edges[0], "target": edges[1], "relation": relation,
                                    "source_kind": kind[edges[0]], "source_id": ident[edges[0]],
                                    "target_kind": kind[edges[1]], "target_id": ident[edges[1]]})

    @property
    def edges(self) -> pd.DataFrame:
        """Edges of :attr:`graph`: source and target vertex, relation (``member``: family-person,
        ``team``: family-practitioner, ``employment``: practitioner-agency, ``lives_in``:
        family-locality), and each end's kind and id."""
        self._ensure_graph()
        return self._edges

    def to_networkx(self) -> Any:
        """The multipartite graph as a ``networkx.Graph``: nodes ``"kind:id"`` with ``kind`` and
        ``id`` attributes, edges with a ``relation`` attribute.

        Returns
        -------
        networkx.Graph
            vertices named by kind and id, with ``kind`` and ``id`` attributes; edges with
            ``relation``.
        """
        import networkx as nx

        g = nx.Graph()
        labels = self.graph.labels
        g.add_nodes_from((labels[v], {"kind": k, "id": i}) for v, k, i in self.nodes.itertuples(index=False))
        e = self.edges
        g.add_edges_from((labels[s], labels[t], {"relation": r})
                         for s, t, r in zip(e["source"].to_numpy(), e["target"].to_numpy(), e["relation"]))
        return g

    # -- questions ----------------------------------------------------------------
    def team_around_family(self) -> pd.DataFrame:
        """Per family with an open episode or a current involvement: who is around it.

        Columns: family_id, locality_id, episode_id (open episode or missing; the latest
        started when a family has several open, whose leads all stay in the team), level,
        n_practitioners, practitioners, n_agencies, agencies, agency_types,
        n_practitioners_without_agency, has_lead, lead_left, lead_practitioner_id, lead_tier,
        lead_agency_id, lead_agency_type, has_assessment (an assessment started for the open episode).

        ``n_agencies``, ``agencies`` and ``agency_types`` are the agencies known: a current
        practitioner with no ``agency_id`` is in ``practitioners`` and counted in
        ``n_practitioners_without_agency`` (their agency may be one of the family's others, or not).

        ``has_lead`` is True when the named lead practitioner is current at the date;
        a lead who has left (no longer in the practitioners table as current) keeps
        ``lead_practitioner_id`` but has ``has_lead`` False and ``lead_left`` True.

        Returns
        -------
        DataFrame
        """
        team = self.team
        grouped = team.groupby("family_id", observed=True)
        taf = pd.DataFrame({
            "n_practitioners": grouped["practitioner_id"].nunique(),
            "practitioners": _sorted_lists(grouped["practitioner_id"]),
            "n_agencies": grouped["agency_id"].nunique(),
            "agencies": _sorted_lists(grouped["agency_id"]),
            "agency_types": _sorted_lists(grouped["agency_type"]),
            "n_practitioners_without_agency": team.loc[team["agency_id"].isna()]
            .groupby("family_id", observed=True)["practitioner_id"].nunique(),
        })
        families = pd.Index(_ids(self.open_episodes["family_id"])).union(taf.index)
        taf = taf.reindex(families)
        for col in ("n_practitioners", "n_agencies", "n_practitioners_without_agency"):
            taf[col] = taf[col].fillna(0).astype(int)
        for col in ("practitioners", "agencies", "agency_types"):
            taf[col] = taf[col].apply(lambda v: v if isinstance(v, list) else [])
        taf.index.name = "family_id"
        taf = taf.reset_index()
        eps = self.open_episodes[["family_id", "episode_id", "level", "lead_practitioner_id", "lead_agency_id"]].copy()
        eps["family_id"] = _ids(eps["family_id"])
        taf = taf.merge(eps, on="family_id", how="left")
        # A lead named by involvement role counts when the episode names none.
        inv_leads = (team[team["role"] == "lead_practitioner"].drop_duplicates("family_id")
                     .set_index("family_id")["practitioner_id"])
        taf["lead_practitioner_id"] = _ids(taf["lead_practitioner_id"]).fillna(_ids(taf["family_id"].map(inv_leads)))
        prac = self.practitioners.set_index("practitioner_id")
        named = taf["lead_practitioner_id"].notna()
        current = taf["lead_practitioner_id"].isin(prac.index)
        taf["has_lead"] = named & current
        taf["lead_left"] = named & ~current
        taf["lead_tier"] = taf["lead_practitioner_id"].map(prac["tier"])
        lead_agency = taf["lead_practitioner_id"].map(prac["agency_id"])
        taf["lead_agency_id"] = _ids(taf["lead_agency_id"].fillna(lead_agency))
        taf["lead_agency_type"] = taf["lead_agency_id"].map(self.agencies.set_index("agency_id")["agency_type"])
        assessed = set(self.ds.assessments["episode_id"].dropna().astype(str))
        taf["has_assessment"] = taf["episode_id"].astype(object).map(lambda e: isinstance(e, str) and e in assessed)
        fam_loc = self.ds.families.set_index("family_id")["locality_id"]
        taf.insert(1, "locality_id", _ids(taf["family_id"].map(fam_loc)))
        return taf

    def coordination_gaps(self, min_agencies: int = 3) -> pd.DataFrame:
        """Families with ``min_agencies`` or more agencies involved but no lead practitioner or no assessment.

        The ``reason`` column says which: ``no lead practitioner`` (or ``lead
        practitioner has left`` when the named lead is no longer current),
        ``no assessment``, or both (joined by ``"; "``). "No assessment" means none
        started for the open episode (or no open episode at all). Agencies are those known
        (``n_agencies``); ``n_practitioners_without_agency`` says how many of the family's
        practitioners have no ``agency_id`` (see :meth:`team_around_family`).

        Parameters
        ----------
        min_agencies : int, default 3
            the fewest agencies involved for a family to be listed.

        Returns
        -------
        DataFrame
            the families of :meth:`team_around_family` with a ``reason`` column.
        """
        min_agencies = _whole(min_agencies, "coordination_gaps", "min_agencies")
        if min_agencies < 1:
            raise ValidationError(Problem("coordination_gaps", None, f"min_agencies must be >= 1, got {min_agencies}"))
        taf = self.team_around_family()
        taf = taf[taf["n_agencies"] >= min_agencies].copy()
        no_lead = ~taf["has_lead"]
        no_assessment = ~taf["has_assessment"].astype(bool)
        taf = taf[no_lead | no_assessment].copy()
        lead_reason = np.where(taf["lead_left"], "lead practitioner has left", "no lead practitioner")
        reasons = np.where(no_lead[taf.index] & no_assessment[taf.index],
                           pd.Series(lead_reason, dtype=object) + "; no assessment",
                           np.where(no_lead[taf.index], lead_reason, "no assessment"))
        taf["reason"] = reasons
        cols = ["family_id", "locality_id", "episode_id", "n_agencies", "agency_types", "n_practitioners",
                "n_practitioners_without_agency", "has_lead", "has_assessment", "reason"]
        return taf[cols].sort_values(["n_agencies", "family_id"], ascending=[False, True]).reset_index(drop=True)

    def agency_collaboration(self, betweenness_samples: Optional[int] = None, seed: int = 0,
                             weighted_pagerank: bool = True) -> AgencyCollaboration:
        """Agency-to-agency network weighted by the families they currently share.

        Centrality (PageRank weighted by shared families; betweenness on hops,
        sampled when ``betweenness_samples`` is given) comes from the C++ engine.

        Parameters
        ----------
        betweenness_samples : int, optional
            sample this many source vertices for betweenness, an unbiased estimate (default, or as
            many as there are agencies or more: exact; see :meth:`Graph.betweenness`).
        seed : int, default 0
            seed of the sample.
        weighted_pagerank : bool, default True
            weight PageRank by the families each pair shares; False counts every link once (what
            a published table needs: the weighted rank of every agency, with the links' shown
            weights, pins a weight the table hides).

        Returns
        -------
        AgencyCollaboration
            ``agencies`` (with centrality), ``edges``, ``graph`` and ``links_without_agency`` (the
            current family-practitioner links of practitioners with no ``agency_id``, in no
            agency's ``families``).
        """
        # links of practitioners with no agency_id join no agency: counted in links_without_agency
        pairs = self.team[["family_id", "agency_id"]].dropna().drop_duplicates()
        # vertices in agency id order, not the table's row order: the sampled betweenness draws
        # its sources by vertex, so the same data and seed give the same estimate in any row order
        agencies = self.agencies.assign(_key=self.agencies["agency_id"].astype(str)) \
            .sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)
        agency_ids = agencies["agency_id"].astype(str).tolist()
        a_index = pd.Series(np.arange(len(agency_ids)), index=agency_ids)
        fam_codes, _ = pd.factorize(pairs["family_id"].astype(str))
        right = pairs["agency_id"].astype(str).map(a_index).to_numpy(dtype=np.int64)
        proj = bipartite_projection(fam_codes, right, weight="count", n_right=len(agency_ids), labels=agency_ids)
        jac = bipartite_projection(fam_codes, right, weight="jaccard", n_right=len(agency_ids), labels=agency_ids)
        table = agencies.copy()
        table["families"] = table["agency_id"].astype(str).map(pairs.groupby(pairs["agency_id"].astype(str))
                                                                  .size()).fillna(0).astype(int).values
        table["partners"] = proj.degree().astype(int)
        table["shared_families"] = proj.strength()
        if not isinstance(weighted_pagerank, (bool, np.bool_)):
            raise ValidationError(Problem("agency_collaboration", "weighted_pagerank", "must be True or False",
                                          value=weighted_pagerank))
        unweighted = Graph.from_edges(*proj._g.edges()[:2], n=proj.n)
        table["pagerank"] = proj.pagerank() if weighted_pagerank else unweighted.pagerank()
        table["betweenness"] = unweighted.betweenness(samples=betweenness_samples, seed=seed)
        edges = proj.edges().drop(columns="length").rename(  # a projection has no parallel edges
            columns={"source": "agency_id_a", "target": "agency_id_b", "weight": "shared_families"})
        edges["jaccard"] = jac.edges()["weight"].values
        info = self.agencies.set_index(self.agencies["agency_id"].astype(str))
        for side in ("a", "b"):
            edges[f"agency_type_{side}"] = edges[f"agency_id_{side}"].map(info["agency_type"])
        edges = edges.sort_values("shared_families", ascending=False).reset_index(drop=True)
        return AgencyCollaboration(proj, table.sort_values("pagerank", ascending=False, kind="stable")
                                   .reset_index(drop=True), edges,
                                   links_without_agency=self.excluded_links_without_agency)

    def linked_households(self) -> pd.DataFrame:
        """Families joined through shared current members (a parent in two households, a child in two).

        One row per family: family_id, household_group (component label), group_size
        (families in the group), shared_members (members of this family also in another).
        Sorted with the largest groups first; singletons have group_size 1. A families row with
        no family_id is left out (counted in :attr:`excluded`).

        Returns
        -------
        DataFrame
        """
        members = self.members
        families = _ids(self.ds.families["family_id"]).dropna().astype(str)   # no id: counted in excluded
        f_index = pd.Series(np.arange(len(families)), index=families.values)
        members = members[members["family_id"].astype(str).isin(f_index.index)]   # counted in excluded
        person_codes, _ = pd.factorize(members["person_id"].astype(str))
        right = members["family_id"].astype(str).map(f_index).to_numpy(dtype=np.int64)
        proj = bipartite_projection(person_codes, right, n_right=len(families))
        label = proj.components()
        sizes = np.bincount(label)
        per_person = pd.Series(person_codes).map(pd.Series(person_codes).value_counts())
        shared = pd.Series((per_person.values > 1).astype(int)).groupby(right).sum()
        out = pd.DataFrame({"family_id": families.values, "household_group": label, "group_size": sizes[label]})
        out["shared_members"] = pd.Series(np.arange(len(families))).map(shared).fillna(0).astype(int).values
        out["family_id"] = _ids(out["family_id"])
        return out.sort_values(["group_size", "household_group", "family_id"],
                               ascending=[False, True, True]).reset_index(drop=True)

    def caseloads(self) -> pd.DataFrame:
        """Per current practitioner: open families against caseload capacity and FTE.

        Columns: practitioner_id, agency_id, agency_type, locality_id, tier, fte,
        caseload_capacity, open_families (distinct families with a current
        involvement or open episode led), lead_families, spare (capacity - open,
        may be negative when over capacity), utilisation (open / capacity; +inf
        when capacity is 0 and they hold families, the most over capacity of all; NaN
        when capacity is 0 and they hold none, or capacity is missing), families_per_fte
        (NaN when fte is 0).

        Sorted by utilisation, most loaded first (ties: more open families first), then
        practitioners with no utilisation.

        Returns
        -------
        DataFrame
        """
        team = self.team
        open_fam = team.groupby("practitioner_id", observed=True)["family_id"].nunique()
        lead_fam = team[team["role"] == "lead_practitioner"].groupby("practitioner_id", observed=True)["family_id"] \
            .nunique()
        p = self.practitioners[["practitioner_id", "agency_id", "agency_type", "locality_id", "tier", "fte",
                                "caseload_capacity"]].copy()
        p["open_families"] = p["practitioner_id"].map(open_fam).fillna(0).astype(int).values
        p["lead_families"] = p["practitioner_id"].map(lead_fam).fillna(0).astype(int).values
        cap = p["caseload_capacity"].astype("float64")
        p["spare"] = (cap - p["open_families"]).astype("Int64")
        # families held with no capacity at all is over capacity, not unknown: +inf sorts them first
        over_zero = (cap == 0) & (p["open_families"] > 0)
        p["utilisation"] = np.where(cap > 0, p["open_families"] / cap.where(cap > 0),
                                    np.where(over_zero, np.inf, np.nan))
        fte = p["fte"].astype("float64")
        p["families_per_fte"] = np.where(fte > 0, p["open_families"] / fte.where(fte > 0), np.nan)
        return p.sort_values(["utilisation", "open_families"], ascending=False, na_position="last",
                             kind="stable").reset_index(drop=True)

    def lead_share(self, freq: Optional[str] = "Q", by_locality: bool = True) -> pd.DataFrame:
        """Share of episodes led by each agency type, per locality and period of episode start.

        Parameters
        ----------
        freq : str, default "Q"
            Pandas period frequency (``"Q"`` quarters, ``"Y"`` years, ``"M"`` months) or
            ``None`` for all episodes together.
        by_locality : bool, default True
            Also split by the episode's locality (else the whole council).

        Returns
        -------
        DataFrame with period, locality_id, lead_agency_type, sector (council / partner /
        no_lead / unknown), episodes, share (of the period and locality's episodes). The lead
        agency is ``lead_agency_id``, else the lead practitioner's agency. Episodes with
        neither a lead agency nor a lead practitioner count as ``no_lead``; those with a lead
        whose agency or agency type is not known (a table not supplied) as ``unknown``. Council types: ``codes.COUNCIL_AGENCY_TYPES``.
        Episodes with no locality (their own or their family's) have a missing ``locality_id``.
        """
        if freq is not None:
            _check_period_freq(freq)
        if not isinstance(by_locality, (bool, np.bool_)):
            raise ValidationError(Problem("lead_share", "by_locality", "must be True or False", value=by_locality))
        eps = self.ds.episodes.copy()
        prac_agency = self.ds.practitioners.set_index("practitioner_id")["agency_id"]
        # chosen as objects, not by fillna: pandas 3 warns when one string dtype is filled from another's
        lead = eps["lead_agency_id"].astype(object)
        by_practitioner = eps["lead_practitioner_id"].map(prac_agency).astype(object)
        agency = pd.Series(np.where(lead.notna(), lead, by_practitioner), index=eps.index, dtype=object)
        types = self.agencies.set_index(self.agencies["agency_id"].astype(str))["agency_type"]
        # a lead agency whose type is not known is "unknown", not "no_lead": the episode has a lead
        known_type = agency.astype("string").map(types).astype(object)
        led = (agency.notna() | eps["lead_practitioner_id"].notna()).to_numpy(dtype=bool)
        eps["lead_agency_type"] = np.where(~led, "no_lead",
                                           known_type.where(known_type.notna(), "unknown").astype(str))
        eps["sector"] = np.where(eps["lead_agency_type"] == "no_lead", "no_lead",
                                 np.where(eps["lead_agency_type"].isin(codes.COUNCIL_AGENCY_TYPES), "council",
                                          np.where(eps["lead_agency_type"] == "unknown", "unknown", "partner")))
        eps["period"] = eps["start_date"].dt.to_period(freq).astype(str) if freq else "all"
        if by_locality:
            fam_loc = self.ds.families.set_index("family_id")["locality_id"]
            eps["locality_id"] = eps["locality_id"].fillna(eps["family_id"].map(fam_loc))   # missing stays missing
        else:
            eps["locality_id"] = "all"
        keys = ["period", "locality_id"]
        # dropna=False: episodes with no known locality form their own group rather than vanish
        counts = eps.groupby(keys + ["lead_agency_type", "sector"], observed=True, dropna=False).size() \
            .rename("episodes").reset_index()
        counts = counts[counts["episodes"] > 0]
        counts["share"] = counts["episodes"] / counts.groupby(keys, dropna=False)["episodes"].transform("sum")
        return counts.sort_values(keys + ["episodes"], ascending=[True, True, False]).reset_index(drop=True)


@_plot_doc
def plot_agency_network(collab: AgencyCollaboration, ax: Any = None, top: Optional[int] = 40, seed: int = 0) -> Any:
    """Draw the agency collaboration network with matplotlib.

    Vertices are the ``top`` agencies by PageRank, sized by families and coloured
    council / partner; edge width follows shared families. Layout: NetworkX spring
    layout with ``seed``. Returns the matplotlib Axes.

    Parameters
    ----------
    collab : AgencyCollaboration
        :meth:`FamilyNetwork.agency_collaboration` output.
    {plot_parameters}

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    if top is not None:
        top = _whole(top, "plot_agency_network", "top")
        if top < 1:
            raise ValidationError(Problem("plot_agency_network", "top", "must be >= 1 or None", value=top))
    agencies = collab.agencies[collab.agencies["families"] > 0]
    if top is not None:
        agencies = agencies.nlargest(top, "pagerank")
    keep = set(agencies["agency_id"].astype(str))
    g = nx.Graph()
    g.add_nodes_from(keep)
    for r in collab.edges.itertuples():
        if r.agency_id_a in keep and r.agency_id_b in keep:
            g.add_edge(r.agency_id_a, r.agency_id_b, weight=r.shared_families)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7))
    pos = nx.spring_layout(g, weight="weight", seed=seed)
    info = agencies.set_index(agencies["agency_id"].astype(str))
    nodes = list(g.nodes())
    colors = ["tab:blue" if info.loc[v, "sector"] == "council" else "tab:orange" for v in nodes]
    sizes = [30 + 8 * float(info.loc[v, "families"]) ** 0.75 for v in nodes]
    widths = [0.3 + 3 * d["weight"] / max(1.0, max((e[2]["weight"] for e in g.edges(data=True)), default=1))
              for _, _, d in g.edges(data=True)]
    nx.draw_networkx_edges(g, pos, ax=ax, width=widths, alpha=0.4)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors, node_size=sizes)
    names = {v: f"{info.loc[v, 'name']}" for v in nodes[:15]} if len(nodes) > 15 else \
        {v: f"{info.loc[v, 'name']}" for v in nodes}
    nx.draw_networkx_labels(g, pos, labels=names, ax=ax, font_size=7)
    ax.set_title("Agencies working with the same families (blue: council, orange: partners)")
    ax.axis("off")
    return ax
