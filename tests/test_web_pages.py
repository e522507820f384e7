"""The pages on a TestClient: portfolio from the report's own sections, the accounts table
(whole page and the htmx fragment), the account page, CSV export, the run switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.web_support import LEADER, MANAGER, RITA, write_runs
from tierwise.web import WebSettings, create_app
from tierwise.web.deps import current_viewer
from tierwise.web.services.viewer import Viewer


@pytest.fixture(scope="module")
def client_for(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One app for the module: its tests only read (GET), each as the viewer it names."""
    tmp_path = tmp_path_factory.mktemp("web")
    app = create_app(
        WebSettings(runs_dir=write_runs(tmp_path), db_url=f"sqlite:///{tmp_path / 'ws.db'}")
    )
    who: dict[str, Viewer] = {"v": LEADER}
    app.dependency_overrides[current_viewer] = lambda: who["v"]
    with TestClient(app, follow_redirects=False) as client:

        def call(viewer: Viewer) -> TestClient:
            who["v"] = viewer
            return client

        yield call


def test_home_sends_leaders_to_the_portfolio_and_reps_to_their_accounts(client_for) -> None:
    assert client_for(LEADER).get("/").headers["location"] == "/portfolio"
    assert client_for(RITA).get("/").headers["location"] == "/accounts"


def test_portfolio_shows_the_report_sections_and_the_moves(client_for) -> None:
    r = client_for(LEADER).get("/portfolio")
    assert r.status_code == 200
    assert 'id="headline"' in r.text and 'data-chart="pareto"' in r.text
    # B moved growth -> strategic; D's level changed
    assert "<strong>1</strong> of 7 customers in both runs changed tier" in r.text
    assert "<td>growth</td><td>strategic</td>" in r.text
    assert "<script>" not in r.text  # no inline script (CSP)
    specs = client_for(LEADER).get("/portfolio/charts.json").json()
    assert "pareto" in specs and specs["pareto"]["width"] == "container"


def test_portfolio_is_not_for_reps(client_for) -> None:
    assert client_for(RITA).get("/portfolio").status_code == 403


def test_accounts_page_and_htmx_fragment(client_for) -> None:
    full = client_for(MANAGER).get("/accounts", params={"tier": "core"})
    assert full.status_code == 200 and "<html" in full.text
    assert '<a href="/accounts/C?run=acme/2026-07-01">C</a>' in full.text
    assert "Zeta Inc" not in full.text  # Sam's account, not in Mia's team
    fragment = client_for(MANAGER).get(
        "/accounts",
        params={"tier": "core"},
        headers={"HX-Request": "true", "HX-Target": "accounts-table"},
    )
    assert "<html" not in fragment.text and "Delta Ltd" in fragment.text


def test_account_page_shows_reasons_costs_and_history(client_for) -> None:
    r = client_for(RITA).get("/accounts/B")
    assert r.status_code == 200
    assert "strategic: score 80/100; level 1; improving" in r.text
    assert "Order handling" in r.text
    assert "<td>2026-06-01</td><td>growth</td>" in r.text


def test_other_reps_account_page_is_403_page(client_for) -> None:
    r = client_for(RITA).get("/accounts/C")
    assert r.status_code == 403 and "Not allowed" in r.text


def test_csv_export_of_the_current_view(client_for) -> None:
    r = client_for(RITA).get("/accounts/export.csv", params={"sort": "revenue"})
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ['"E"', '"B"', '"A"']


def test_names_are_escaped(client_for) -> None:
    r = client_for(RITA).get("/accounts", params={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
