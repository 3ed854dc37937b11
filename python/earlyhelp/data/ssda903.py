"""Read a council's SSDA903 return (the children looked after return) from its yearly files.

A council keeps one header file (CHILD, SEX, DOB, ...) and one episodes file (CHILD, DECOM,
RNE, LS, PLACE, DEC, REC, ...) per year. Files are found by their columns, anywhere under the
folder; the year comes from a four-digit folder or file name (``2019/episodes.csv``,
``2019-episodes.csv``) or, failing that, from the latest DECOM in the file.

The same episode appears in several years' files (an open episode in one year is closed in the
next). Duplicates are merged the way ``cs-demand-model`` merges them, and every change is
counted with its reason in ``ds.meta['ssda903_report']``; values that disagree between years
are problems named by table, column and row.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import pandas as pd

from .._errors import Problem, ValidationError

HEADER_COLUMNS = ("CHILD", "SEX", "DOB")
EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC")
# Episode columns compared across years when the same (CHILD, DECOM) appears twice.
COMPARED = ("RNE", "LS", "PLACE", "REC")
SEX = {"1": "M", "2": "F", "1.0": "M", "2.0": "F", "M": "M", "F": "F"}


def _year_of(path: Path, root: Path) -> Optional[int]:
    for part in reversed(path.relative_to(root).parts):
        m = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", part)
        if m:
            return int(m.group(0))
    return None


def _kind(columns) -> Optional[str]:
    cols = {str(c).strip().upper() for c in columns}
    if set(EPISODE_COLUMNS) <= cols:
        return "episodes"
    if set(HEADER_COLUMNS) <= cols and "DECOM" not in cols:
        return "header"
    return None


def _dates(values: pd.Series, table: str, column: str, frame: pd.DataFrame, problems: List[Problem],
           path: str, nullable: bool) -> pd.Series:
    text = values.astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    iso = parsed.isna() & text.notna()
    if iso.any():
        parsed = parsed.where(~iso, pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce"))
    bad = parsed.isna() & text.notna() & (text != "")
    if not nullable:
        bad = bad | text.isna() | (text == "")
    if bad.any():
        rows = frame.loc[bad, "CHILD"].tolist()
        problems.append(Problem(f"{table} ({path})", column, "unreadable or missing date (dd/mm/yyyy expected)",
                                rows[:10], int(bad.sum()), None if text[bad].isna().all() else
                                str(text[bad].dropna().iloc[0])))
    return parsed


def _read_files(root: Path) -> Tuple[List[Tuple[int, str, pd.DataFrame]], List[Problem], List[str]]:
    found, problems, skipped = [], [], []
    for path in sorted(root.rglob("*.csv")):
        try:
            head = pd.read_csv(path, nrows=0)
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
            skipped.append(str(path.relative_to(root)))
            continue
        kind = _kind(head.columns)
        if kind is None:
            skipped.append(str(path.relative_to(root)))
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        frame.columns = [str(c).strip().upper() for c in frame.columns]
        year = _year_of(path, root)
        rel = str(path.relative_to(root))
        if kind == "episodes":
            frame["DECOM"] = _dates(frame["DECOM"], "episodes", "DECOM", frame, problems, rel, False)
            frame["DEC"] = _dates(frame["DEC"], "episodes", "DEC", frame, problems, rel, True)
            if year is None and frame["DECOM"].notna().any():
                year = int(frame["DECOM"].max().year)
        else:
            frame["DOB"] = _dates(frame["DOB"], "header", "DOB", frame, problems, rel, False)
        frame["_year"] = year if year is not None else -1
        frame["_file"] = rel
        found.append((year if year is not None else -1, kind, frame))
    return found, problems, skipped


def _header(frames: List[pd.DataFrame], problems: List[Problem], report: Dict[str, Any]) -> pd.DataFrame:
    header = pd.concat(frames, ignore_index=True)
    for col in ("DOB", "SEX"):
        n_values = header.groupby("CHILD")[col].nunique(dropna=True)
        differ = n_values[n_values > 1].index
        if len(differ):
            problems.append(Problem("header", col, "differs between years' files for the same child",
                                    list(differ[:10]), int(len(differ)),
                                    ", ".join(f"{f}: {v}" for f, v in
                                              header.loc[header["CHILD"] == differ[0], ["_file", col]].to_numpy())))
    n = len(header)
    header = header.drop_duplicates(subset=["CHILD"], keep="first")
    report["header_rows_repeated_across_years"] = n - len(header)
    return header


def _episodes(frames: List[pd.DataFrame], header: pd.DataFrame, problems: List[Problem],
              report: Dict[str, Any], overlaps: str) -> pd.DataFrame:
    ep = pd.concat(frames, ignore_index=True)
    known = ep["CHILD"].isin(header["CHILD"])
    report["episodes_without_header_dropped"] = int((~known).sum())
    if (~known).any():
        report["episodes_without_header_children"] = ep.loc[~known, "CHILD"].unique()[:10].tolist()
    ep = ep[known]
    # One episode in several years' files: the values must agree (a DEC filled in later is an update).
    dup = ep[ep.duplicated(["CHILD", "DECOM"], keep=False)]
    if len(dup):
        g = dup.groupby(["CHILD", "DECOM"])
        for col in COMPARED + ("DEC",):
            if col not in dup.columns:
                continue
            differ = g[col].nunique(dropna=True)
            differ = differ[differ > 1]
            if len(differ):
                child, decom = differ.index[0]
                shown = dup[(dup["CHILD"] == child) & (dup["DECOM"] == decom)]
                problems.append(Problem(
                    "episodes", col, "differs between years' files for the same episode (CHILD, DECOM)",
                    [f"{c} {d.date()}" for c, d in differ.index[:10]], int(len(differ)),
                    ", ".join(f"{f}: {v}" for f, v in zip(shown["_file"], shown[col]))))
    ep = ep.sort_values(["CHILD", "DECOM", "DEC"], na_position="first", kind="stable")
    n0 = len(ep)
    ep = ep.drop_duplicates(["CHILD", "DECOM"], keep="last")
    report["episodes_repeated_across_years"] = n0 - len(ep)
    n1 = len(ep)
    ep = ep.drop_duplicates(["CHILD", "DEC"], keep="first")
    report["episodes_sharing_an_end_date_dropped"] = n1 - len(ep)
    decom_next = ep.groupby("CHILD")["DECOM"].shift(-1)
    change = (ep["DEC"].isna() & decom_next.notna()) | ep["DEC"].gt(decom_next)
    report["overlapping_episodes"] = int(change.sum())
    if change.any():
        if overlaps == "raise":
            problems.append(Problem("episodes", "DEC", "episode ends after the next episode of the same child "
                                    "begins (or is open while a later one exists); pass overlaps='truncate' to "
                                    "end it when the next begins", ep.loc[change, "CHILD"].tolist()[:10],
                                    int(change.sum())))
        else:
            ep.loc[change, "DEC"] = decom_next[change]
            report["overlapping_episodes_truncated"] = int(change.sum())
    return ep


def read_ssda903(folder: Union[str, Path], *, overlaps: str = "truncate", unknown_codes: str = "raise",
                 validate: bool = True, as_of: Optional[Any] = None):
    """Read the yearly SSDA903 header and episodes files under ``folder`` into a Dataset.

    Parameters
    ----------
    folder : a folder holding the yearly files (any layout; files are recognised by their columns).
    overlaps : ``"truncate"`` (default, as ``cs-demand-model`` does): an episode that runs past the
        start of the same child's next episode ends when the next begins; the count is in the
        report. ``"raise"``: such episodes are problems.
    unknown_codes : ``"raise"`` (default) or ``"keep"`` (load as ``unknown`` and count them).
    validate, as_of : as for :meth:`earlyhelp.Dataset.from_frames`.

    Returns
    -------
    Dataset with ``persons`` and ``cla_episodes``; ``ds.meta['ssda903_report']`` lists the files
    read and skipped and counts every merged, dropped or shortened row with its reason.

    Raises
    ------
    ValidationError : unreadable dates, years' files that disagree about a child or an episode,
        unknown codes, overlapping episodes (with ``overlaps="raise"``).
    """
    from .dataset import Dataset

    if overlaps not in ("truncate", "raise"):
        raise ValidationError(f"overlaps must be 'truncate' or 'raise', not {overlaps!r}", table="read_ssda903",
                              column="overlaps")
    root = Path(folder)
    if not root.is_dir():
        raise ValidationError(f"{folder} is not a folder", table="read_ssda903")
    found, problems, skipped = _read_files(root)
    headers = [f for _, k, f in found if k == "header"]
    episodes = [f for _, k, f in found if k == "episodes"]
    if not headers or not episodes:
        raise ValidationError(Problem("read_ssda903", None, f"found {len(headers)} header and {len(episodes)} "
                                      "episodes files (need at least one of each)", skipped[:10], len(skipped)))
    report: Dict[str, Any] = {"files": sorted(f["_file"].iloc[0] for f in headers + episodes if len(f)),
                              "skipped_files": skipped,
                              "years": sorted({int(f["_year"].iloc[0]) for f in episodes if len(f)})}
    header = _header(headers, problems, report)
    ep = _episodes(episodes, header, problems, report, overlaps)
    if problems:
        raise ValidationError(problems)
    persons = pd.DataFrame({
        "person_id": header["CHILD"].astype(str).to_numpy(), "birth_date": header["DOB"].to_numpy(),
        "sex": header["SEX"].astype("string").str.strip().map(SEX).fillna("U").to_numpy(),
        "ethnicity": header["ETHNIC"].to_numpy() if "ETHNIC" in header else None,
    })
    cla = pd.DataFrame({
        "cla_episode_id": [f"{c}-{d:%Y%m%d}" for c, d in zip(ep["CHILD"], ep["DECOM"])],
        "person_id": ep["CHILD"].astype(str).to_numpy(), "start_date": ep["DECOM"].to_numpy(),
        "end_date": ep["DEC"].to_numpy(), "reason_new_episode": ep["RNE"].to_numpy(),
        "legal_status": ep["LS"].to_numpy(), "placement": ep["PLACE"].to_numpy(),
        "reason_for_leaving": ep["REC"].to_numpy(),
        "placement_provider": ep["PLACE_PROVIDER"].to_numpy() if "PLACE_PROVIDER" in ep else None,
    })
    return Dataset.from_frames(persons=persons, cla_episodes=cla, validate=validate, unknown_codes=unknown_codes,
                               as_of=as_of, meta={"ssda903_report": report, "source": str(root)})
