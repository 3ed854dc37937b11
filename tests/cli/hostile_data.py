"""A small synthetic council made hostile: many small cells, ids that attack the outputs.

Locality ids carry a ``/`` (which once split a locality off its council), spreadsheet
formulas (``=``, ``+``, ``@``, ``-``, tab) and TeX (``$\\nosuchcmd{$``, which once killed
matplotlib); agency names carry formulas too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict

import pandas as pd

HOSTILE_LOCALITIES = {
    "L0000001": "South/1",
    "L0000002": '=HYPERLINK("http://example.invalid","x")',
    "L0000003": "+cmd|' /C calc'!A0",
    "L0000004": "@SUM(1+1)",
    "L0000005": "$\\nosuchcmd{$",
    "L0000006": "-2+3",
    "L0000007": "\tTAB",
}
HOSTILE_AGENCY_NAMES = ["=1+1", "+1", "@A1", "-1", "\rCR"]
# raw ids of people and cases: none of them may appear in a pseudonymised output
ID_COLUMNS = {"persons": "person_id", "families": "family_id", "episodes": "episode_id", "requests": "request_id",
              "practitioners": "practitioner_id", "csc_referrals": "referral_id", "assessments": "assessment_id",
              "involvements": "involvement_id"}


def write_hostile_council(folder: Path, *, scale: float = 0.05, years: int = 3, seed: int = 0) -> Dict[str, set]:
    """Write the hostile council as Parquet tables into ``folder``; return its raw ids per kind."""
    from earlyhelp import synthetic

    ds = synthetic.council(preset="coventry", years=years, scale=scale, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    raw: Dict[str, set] = {}
    for name in ds.table_names if hasattr(ds, "table_names") else ds.tables:
        frame = pd.DataFrame(ds[name]).copy()
        for col in frame.columns:
            if col.endswith("locality_id"):
                frame[col] = frame[col].astype(object).map(lambda v: HOSTILE_LOCALITIES.get(v, v))
        if name == "localities":  # names as hostile as the ids: reports show names
            hostile = frame["locality_id"].isin(list(HOSTILE_LOCALITIES.values()))
            frame["name"] = frame["name"].astype(object).where(~hostile, frame["locality_id"])
        if name == "agencies":
            names = frame["name"].astype(object).copy()
            for k, text in enumerate(HOSTILE_AGENCY_NAMES):
                if k < len(names):
                    names.iloc[k] = text
            frame["name"] = names
        if name in ID_COLUMNS:
            raw[ID_COLUMNS[name]] = set(frame[ID_COLUMNS[name]].dropna().astype(str))
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return raw
