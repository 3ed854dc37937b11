"""Performance measures: a catalogue of named Early Help indicators, computed from any Dataset.

>>> import earlyhelp
>>> from earlyhelp import measures
>>> ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.2)
>>> cat = measures.catalogue()                       # one row per measure
>>> monthly = measures.compute(ds, ["requests", "closed_within_16_weeks"], period="month", by="locality")
>>> chart = measures.xmr(monthly.query("locality == 'South'").set_index("period")["value"])

``compute`` returns a tidy frame (``measure, period, <by>, numerator, denominator, value, lo, hi``
and year-on-year change); ``xmr`` and ``funnel`` are the statistical process control views.
"""
from __future__ import annotations

from ._catalogue import Measure, catalogue, get, ids, measure_from_spec, register, unregister
from .engine import PERIODS, MeasuresBlockedWarning, PopulationUnknownWarning, StrayDatesWarning, blocked_by, compute
from .sources import DIMENSIONS, describe

__all__ = ["DIMENSIONS", "PERIODS", "Measure", "MeasuresBlockedWarning", "PopulationUnknownWarning",
           "StrayDatesWarning", "blocked_by", "catalogue",
           "compute",
           "describe", "get", "ids", "measure_from_spec", "register", "unregister", "xmr", "funnel",
           "variation_summary", "load_measures_toml"]


def __getattr__(name: str):
    if name in ("spc", "xmr", "funnel", "variation_summary", "assurance", "variation"):
        import importlib

        spc = importlib.import_module(f"{__name__}.spc")
        return spc if name == "spc" else getattr(spc, name)
    if name == "load_measures_toml":
        from .custom import load_measures_toml

        return load_measures_toml
    raise AttributeError(name)
