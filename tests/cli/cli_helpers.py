"""A small, seeded Early Help dataset with seasonal monthly demand (for CLI tests)."""
from __future__ import annotations

import os
from pathlib import Path
from html.parser import HTMLParser
import subprocess
import sys
from typing import Dict, Optional

import numpy as np
import pandas as pd

LOCALITIES = ("L1", "L2", "L3")


def service_missing(message: str) -> None:
    """Skip a test whose server or browser is missing, or fail when the run requires them.

    The test command (scripts/test.sh) installs PostgreSQL and Chromium and sets
    EARLYHELP_REQUIRE_SERVICES=1, so there a missing service is an error, not a skip;
    CI=true has the same effect.
    """
    import pytest

    required = any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("EARLYHELP_REQUIRE_SERVICES", "CI"))
    if required:
        pytest.fail(message)
    pytest.skip(message)


def make_frames(seed: int = 0, start: str = "2020-01-01", months: int = 48, base: float = 18.0) -> Dict[str, pd.DataFrame]:
    """Plain DataFrames (our column names) for localities, families, persons, requests, episodes, assessments."""
    rng = np.random.default_rng(seed)
    localities = pd.DataFrame({
        "locality_id": list(LOCALITIES), "name": ["North", "South", "East"],
        "kind": ["family_hub_area"] * 3, "council_code": ["E08000026"] * 3, "council_name": ["Coventry"] * 3,
        "region_code": ["E12000005"] * 3, "child_population": [21000, 18000, 9000], "deprivation": [0.31, 0.22, 0.12],
    })
    month_starts = pd.date_range(start, periods=months, freq="MS")
    season = 1 + 0.25 * np.sin(2 * np.pi * (np.arange(months) % 12) / 12) - 0.3 * ((np.arange(months) % 12) == 7)
    families, persons, members, requests, episodes, assessments = [], [], [], [], [], []
    n_req = n_fam = 0
    for li, loc in enumerate(LOCALITIES):
        scale = (1.0, 0.8, 0.35)[li]
        for m, ms in enumerate(month_starts):
            for _ in range(rng.poisson(base * scale * season[m] * (1 + 0.004 * m))):
                n_fam += 1
                n_req += 1
                fam, child = f"F{n_fam:05d}", f"P{n_fam:05d}"
                families.append((fam, loc))
                persons.append((child, pd.Timestamp("2012-01-01") + pd.Timedelta(days=int(rng.integers(0, 3000))),
                                rng.choice(["M", "F"]), "WBRI"))
                members.append((fam, child, "child"))
                received = ms + pd.Timedelta(days=int(rng.integers(0, 28)))
                decision = rng.choice(["early_help", "nfa", "advice_signpost"], p=[0.6, 0.25, 0.15])
                decided = received + pd.Timedelta(days=int(rng.integers(1, 10)))
                requests.append((f"R{n_req:05d}", fam, child, received, rng.choice(["2A", "3A", "6", "1A"]),
                                 "direct", decision, decided))
                if decision == "early_help":
                    eid = f"E{n_req:05d}"
                    end = decided + pd.Timedelta(days=int(rng.gamma(4.0, 28.0)))
                    if end > month_starts[-1] + pd.offsets.MonthEnd(0):
                        end, reason = pd.NaT, None
                    else:
                        reason = rng.choice(["outcomes_met", "step_up", "disengaged"], p=[0.75, 0.1, 0.15])
                    episodes.append((eid, fam, child, decided, end, 3, "early_help", None, None, loc, "request", reason))
                    assessments.append((f"A{n_req:05d}", eid, decided, decided + pd.Timedelta(days=20), None))
    return {
        "localities": localities,
        "families": pd.DataFrame(families, columns=["family_id", "locality_id"]),
        "persons": pd.DataFrame(persons, columns=["person_id", "birth_date", "sex", "ethnicity"]),
        "family_members": pd.DataFrame(members, columns=["family_id", "person_id", "role"]),
        "requests": pd.DataFrame(requests, columns=["request_id", "family_id", "person_id", "received_date", "source",
                                                    "route", "decision", "decision_date"]),
        "episodes": pd.DataFrame(episodes, columns=["episode_id", "family_id", "person_id", "start_date", "end_date",
                                                    "level", "episode_type", "lead_practitioner_id",
                                                    "lead_agency_id", "locality_id", "origin", "end_reason"]),
        "assessments": pd.DataFrame(assessments, columns=["assessment_id", "episode_id", "started", "completed",
                                                          "agency_id"]),
    }


def ssd_frames(frames: Dict[str, pd.DataFrame]) -> Dict[str, pd.DataFrame]:
    """The frames renamed as an SSD extract would name them (names from data/schema.py)."""
    from earlyhelp.sources import to_ssd_names

    return dict(to_ssd_names(name, frame) for name, frame in frames.items())


def run_cli(*args: str, env: Optional[dict] = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """The real command in a child process (stdout and stderr are pipes: not a terminal)."""
    full_env = dict(os.environ)
    full_env.pop("EARLYHELP_NO_PROGRESS", None)      # progress must be off because stderr is not a TTY
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "earlyhelp.cli.main", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


class _Tables(HTMLParser):
    """Every <table> of a page as (caption, rows of cell text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(["", []])
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th", "caption"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "caption" and self._cell is not None:
            self.tables[-1][0] = "".join(self._cell)
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell))
            self._cell = None


def html_tables(html: str) -> Dict[str, list]:
    """``{caption: rows of cell text}`` for every table of an HTML page (no lxml needed)."""
    parser = _Tables()
    parser.feed(html)
    return {caption: rows for caption, rows in parser.tables}


def write_config(path: Path, data: Path, output: Path, **forecast) -> Path:
    settings = {"measures": '["requests", "episodes_opened"]', "horizon": "6",
                "models": '["SeasonalNaive", "Naive"]', "backtest_windows": "2", "backtest_step": "3",
                "reconcile": '"bottom_up"'}
    settings.update({k: v for k, v in forecast.items()})
    lines = ["[run]", 'name = "test-run"', f'output = "{output}"', "", "[source]", 'kind = "folder"',
             f'path = "{data}"', "", "[forecast]"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    lines += ["", "[capacity]", 'measure = "episodes_opened"', "caseload_per_fte = 12", "",
              "[capacity.scenarios]", "busier = { demand_multiplier = 1.2 }", "", "[publish]",
              "suppression_threshold = 5"]
    path.write_text("\n".join(lines) + "\n")
    return path
