"""Small SSDA903 folders written for the flow tests (helpers, not tests)."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np
import pandas as pd

PLACES = ["U4", "U6", "K2", "H5", "P1"]


def random_return(rng: np.random.Generator, children: int = 300, start: str = "2017-04-01",
                  end: str = "2021-03-31") -> Dict[str, pd.DataFrame]:
    """One council's episodes and header rows, as a single table each (no overlaps)."""
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    span = (t1 - t0).days
    header, episodes = [], []
    for c in range(children):
        child = str(100000 + c)
        dob = t0 - pd.Timedelta(days=int(rng.integers(0, 17 * 365)))
        header.append({"CHILD": child, "SEX": str(int(rng.integers(1, 3))), "DOB": dob, "ETHNIC": "WBRI",
                       "UPN": "", "MOTHER": "", "MC_DOB": ""})
        day = t0 + pd.Timedelta(days=int(rng.integers(-400, span)))
        for k in range(int(rng.integers(1, 4))):
            length = int(rng.exponential(250)) + 1
            dec = day + pd.Timedelta(days=length)
            episodes.append({"CHILD": child, "DECOM": day, "RNE": "S" if k == 0 else "P", "LS": "C2",
                             "CIN": "N1", "PLACE": PLACES[int(rng.integers(0, len(PLACES)))], "PLACE_PROVIDER": "PR1",
                             "DEC": dec if dec <= t1 else pd.NaT, "REC": "X1", "REASON_PLACE_CHANGE": "",
                             "HOME_POST": "", "PL_POST": "", "URN": ""})
            if dec > t1:
                break
            day = dec
        if episodes[-1]["DEC"] is not pd.NaT:
            episodes[-1]["REC"] = "E4A"
    header_frame, episode_frame = pd.DataFrame(header), pd.DataFrame(episodes)
    # A child is born before its care starts and is under 18 when each episode starts (the reader
    # refuses either fault): move a DOB drawn outside those bounds to the nearest day inside them.
    starts = episode_frame.groupby("CHILD")["DECOM"]
    first, last = header_frame["CHILD"].map(starts.min()), header_frame["CHILD"].map(starts.max())
    dob = header_frame["DOB"].where(header_frame["DOB"] < first, first - pd.Timedelta(days=1))
    youngest_adult = last - pd.DateOffset(years=18)
    header_frame["DOB"] = dob.where(dob > youngest_adult, youngest_adult + pd.Timedelta(days=1))
    return {"header": header_frame, "episodes": episode_frame}


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in ("DOB", "DECOM", "DEC"):
        if col in out:
            out[col] = pd.to_datetime(out[col]).dt.strftime("%d/%m/%Y").fillna("")
    return out


def write_years(folder: Path, ret: Dict[str, pd.DataFrame], years: List[int]) -> Path:
    """Write the return as yearly files: each year holds episodes open during its year ending 31 March."""
    folder.mkdir(parents=True, exist_ok=True)
    ep, hd = ret["episodes"], ret["header"]
    for y in years:
        y0, y1 = pd.Timestamp(f"{y - 1}-04-01"), pd.Timestamp(f"{y}-03-31")
        part = ep[(ep["DECOM"] <= y1) & (ep["DEC"].isna() | (ep["DEC"] >= y0))].copy()
        part.loc[part["DEC"] > y1, "REC"] = ""
        part.loc[part["DEC"] > y1, "DEC"] = pd.NaT  # still open at that year's extract
        (folder / str(y)).mkdir(exist_ok=True)
        _fmt(part).to_csv(folder / str(y) / "episodes.csv", index=False)
        _fmt(hd[hd["CHILD"].isin(part["CHILD"])]).to_csv(folder / str(y) / "header.csv", index=False)
    return folder
