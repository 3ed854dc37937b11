"""A measure of the localities theme gets its tile and its XmR chart, on the localities page.

The catalogue accepts ``theme = "localities"``, but the dashboard drew tiles and charts for the
four other themes only: such a measure showed in the 12-month table and nowhere else, with no
variation icon, and nothing said so."""
from __future__ import annotations

import re
import warnings

import pytest

import earlyhelp
from earlyhelp import measures as M
from earlyhelp.report.dashboard import render_dashboard
from earlyhelp.report.pack import PackOptions, build_pack


@pytest.fixture
def hub_measure():
    M.register(dict(id="hub_requests_test", title="Requests at the hubs (custom)", definition="requests",
                    source="requests", date="received_date", theme="localities"), replace_existing=True)
    yield "hub_requests_test"
    M.unregister("hub_requests_test")


def test_a_localities_theme_measure_has_a_tile_and_a_chart_on_the_localities_page(hub_measure):
    ds = earlyhelp.synthetic.council("coventry", years=2, scale=0.05, seed=2)
    options = PackOptions(months=6, measures=["requests", hub_measure])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = render_dashboard(build_pack(ds, options), options)
    title = "Requests at the hubs (custom)"
    assert html.count(f"<h3>{title}</h3>") == 1
    assert html.count(f"<figcaption>{title},") == 1
    page = re.search(r'<section class="page" id="p-localities">(.*?)</section>', html, re.S).group(1)
    assert f"<h3>{title}</h3>" in page and f"<figcaption>{title}," in page
    assert "Measures by locality" in page
