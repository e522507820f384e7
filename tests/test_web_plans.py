"""The account-plan page: a draft or the kept plan, the joint version, and who may see it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.web_support import LEADER, RITA, ROB, write_runs
from tierwise.plans.model import AccountPlan, Action
from tierwise.web import WebSettings, create_app
from tierwise.web.deps import current_viewer
from tierwise.web.services.viewer import Viewer


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[object, str]]:
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    app = create_app(WebSettings(runs_dir=write_runs(tmp_path), db_url=url))
    who: dict[str, Viewer] = {"v": LEADER}
    app.dependency_overrides[current_viewer] = lambda: who["v"]
    with TestClient(app, follow_redirects=False) as client:

        def call(viewer: Viewer) -> TestClient:
            who["v"] = viewer
            return client

        yield call, url


def test_the_plan_page_shows_a_draft_with_its_figures(web) -> None:
    call, _ = web
    page = call(RITA).get("/accounts/A/plan")
    assert page.status_code == 200
    assert "Account plan: Alpha AG" in page.text and "draft from run" in page.text
    assert "Net profit 200" in page.text and "scorecard.net_profit" in page.text
    assert "<script>" not in page.text and "style=" not in page.text  # CSP: nothing inline


def test_the_joint_page_leaves_out_internal_figures(web) -> None:
    call, _ = web
    page = call(LEADER).get("/accounts/A/plan", params={"joint": "true"})
    assert page.status_code == 200
    assert "Joint business plan" in page.text
    assert "Net profit" not in page.text and "net_profit" not in page.text


def test_a_rep_sees_only_the_plans_of_their_accounts(web) -> None:
    call, _ = web
    assert call(ROB).get("/accounts/A/plan").status_code == 403
    assert call(LEADER).get("/accounts/NOPE/plan").status_code == 404


def test_a_kept_plan_is_shown_with_its_version(web) -> None:
    call, url = web
    from tierwise.workspace import Workspace
    from tierwise.workspace import plans as service
    from tierwise.workspace.users import acting

    plan = AccountPlan("A", "Alpha AG", "Rita Rep", "strategic", "2026-07-01", "r")
    plan.actions = [Action("A1", "grow", "Offer <valves>", "Rita Rep", "2026-08-01")]
    with Workspace(url) as ws:
        ws.add_user("Lee Leader", role="leader", password="a long enough password")
        with ws.transaction() as s:
            service.save_plan(s, acting(s, "Lee Leader"), plan)
    page = call(RITA).get("/accounts/A/plan")
    assert "kept, version 1" in page.text
    assert "Offer &lt;valves&gt;" in page.text
