"""``families_two_plus_requests_12m``: a family's requests on one day are one family request.

An SSD extract records a contact per child, so siblings referred together are two request rows
on one day. The second used to count as the family's "other request in the 365 days before" (0
days before), making a family's first request a repeat. Each row is a repeat only when the family
asked on an earlier day within 365 days; both rows of a repeat day count, as every row is in the
denominator.
"""
from __future__ import annotations

import warnings

import pandas as pd

from earlyhelp import measures
from measures_council import tiny_council


def _with_sibling_rows():
    """The tiny council with F1's other member (P6) asked about with P1 on 5 January (R1) and on
    15 March (R4)."""
    ds = tiny_council()
    rq = ds.requests
    extra = rq[rq["request_id"].isin(["R1", "R4"])].copy()
    extra["request_id"] = ["R8", "R9"]
    extra["person_id"] = "P6"
    return ds.replace(requests=pd.concat([rq, extra], ignore_index=True))


def _column(ds, column: str) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = measures.compute(ds, ["families_two_plus_requests_12m"], start="2024-01-01", end="2024-06-30")
    return [int(v) for v in r[column]]


def test_a_siblings_same_day_request_is_no_repeat():
    ds = _with_sibling_rows()
    # January: R1 and R8 are F1's first requests, one family request; March: R4 and R9 follow it
    assert _column(ds, "numerator") == [0, 0, 2, 0, 1, 0]
    assert _column(ds, "denominator") == [3, 1, 3, 1, 1, 0]


def test_without_same_day_rows_the_figures_are_unchanged():
    assert _column(tiny_council(), "numerator") == [0, 0, 1, 0, 1, 0]
