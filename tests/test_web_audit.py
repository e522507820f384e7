"""``GET /api/v1/audit`` and the audit page: admins and leaders read the trail, filtered by
actor, action, object and days, newest first, in pages counted by the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import insert

from tests.web_support import PEOPLE, make_workspace
from tierwise.web import WebSettings, create_app
from tierwise.workspace import Workspace
from tierwise.workspace.models import AuditEntry

SHORT = {"admin": "Ada Admin", "leader": "Lee Leader", "analyst": "Ana Analyst"}
SHORT |= {"manager": "Mia Manager", "rita": "Rita Rep"}


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> Iterator[object]:
    root = make_workspace(db_url, tmp_path / "runs")
    with Workspace(db_url) as ws:
        tokens = {name: ws.create_token(name, actor=name)[1] for name, _, _ in PEOPLE}
        with ws.transaction() as db:  # a known trail: 30 old entries, by hand
            old = datetime(2025, 1, 10, 12, tzinfo=UTC)
            db.execute(
                insert(AuditEntry),
                [
                    {
                        "at": old + timedelta(days=i),
                        "actor": "Zed" if i % 3 == 0 else "Yan",
                        "action": "override.approve" if i % 2 else "override.reject",
                        "object_type": "override",
                        "object_id": str(i),
                        "customer_id": "A" if i < 5 else "B",
                        "comment": f"<script>entry {i}</script>",
                    }
                    for i in range(30)
                ],
            )
    app = create_app(WebSettings(runs_dir=root, db_url=db_url))
    with TestClient(app, follow_redirects=False) as client:

        def call(who: str, path: str, **params: object):
            headers = {"Authorization": f"Bearer {tokens[SHORT[who]]}"}
            return client.get(path, headers=headers, params=params)

        yield call


def expected(rows: range, keep) -> list[str]:
    """Object ids of the hand-made entries ``keep`` accepts, newest first."""
    return [str(i) for i in reversed(rows) if keep(i)]


def test_filters_by_actor_action_object_and_days(api) -> None:
    base = {"object_type": "override", "per_page": 500}
    r = api("leader", "/api/v1/audit", actor="Zed", **base).json()
    assert [e["object_id"] for e in r["items"]] == expected(range(30), lambda i: i % 3 == 0)
    assert r["total"] == 10
    r = api("admin", "/api/v1/audit", action="override.approve", actor="Zed", **base).json()
    assert [e["object_id"] for e in r["items"]] == ["27", "21", "15", "9", "3"]
    r = api("admin", "/api/v1/audit", since="2025-01-15", until="2025-01-17", **base).json()
    assert [e["object_id"] for e in r["items"]] == ["7", "6", "5"]  # both days included
    r = api("admin", "/api/v1/audit", object_id="4", **base).json()
    assert [(e["object_id"], e["customer_id"]) for e in r["items"]] == [("4", "A")]
    r = api("admin", "/api/v1/audit", customer_id="A", **base).json()
    assert r["total"] == 5


def test_pages_newest_first_with_the_total(api) -> None:
    seen = []
    for page in (1, 2, 3, 4):
        r = api("admin", "/api/v1/audit", object_type="override", per_page=8, page=page).json()
        assert r["total"] == 30 and r["per_page"] == 8
        seen += [e["object_id"] for e in r["items"]]
    assert seen == expected(range(30), lambda i: True)
    first = api("admin", "/api/v1/audit").json()["items"][0]
    assert first["action"] == "token.create"  # the newest entry of the whole trail
    assert api("admin", "/api/v1/audit", per_page=501).status_code == 422
    assert api("admin", "/api/v1/audit", since="yesterday").status_code == 422


@pytest.mark.parametrize("who", ["analyst", "manager", "rita"])
def test_only_admins_and_leaders_read_the_trail(api, who: str) -> None:
    r = api(who, "/api/v1/audit")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert api(who, "/audit").status_code == 403


def test_the_audit_page_escapes_and_links_its_pages(api) -> None:
    page = api("leader", "/audit", actor="Yan", object_type="override")
    assert page.status_code == 200
    assert "&lt;script&gt;entry 29&lt;/script&gt;" in page.text and "<script>entry" not in page.text
    assert "20 entries" in page.text
    assert 'href="/audit?actor=Yan&amp;object_type=override&amp;page=1"' not in page.text
    assert "Page 1 of 1" in page.text


def test_the_audit_route_is_in_the_openapi_document(api) -> None:
    doc = api("admin", "/api/v1/openapi.json").json()
    params = {p["name"] for p in doc["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert {"actor", "action", "object_type", "object_id", "since", "until", "page"} <= params
