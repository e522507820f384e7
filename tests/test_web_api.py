"""The JSON API of CONTRACT §8 on a TestClient: shapes, filters, errors, OpenAPI.

The logged-in person is set through the ``current_viewer`` dependency here; the login
itself is tested in test_web_security.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.web_support import LEADER, RITA, write_runs
from tierwise.web import WebSettings, create_app
from tierwise.web.deps import current_viewer
from tierwise.web.services.viewer import Viewer


@pytest.fixture(scope="module")
def as_viewer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One app for the module: its tests only read (GET), each as the viewer it names."""
    tmp_path = tmp_path_factory.mktemp("web")
    app = create_app(
        WebSettings(runs_dir=write_runs(tmp_path), db_url=f"sqlite:///{tmp_path / 'ws.db'}")
    )
    state: dict[str, Viewer | None] = {"viewer": LEADER}

    def viewer() -> Viewer:
        from tierwise.web.services.errors import NotLoggedIn

        if state["viewer"] is None:
            raise NotLoggedIn("log in first")
        return state["viewer"]

    app.dependency_overrides[current_viewer] = viewer
    with TestClient(app) as client:

        def call(who: Viewer | None) -> TestClient:
            state["viewer"] = who
            return client

        yield call


def test_health_needs_no_login(as_viewer) -> None:
    r = as_viewer(None).get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_runs_lists_both_runs_oldest_first(as_viewer) -> None:
    r = as_viewer(LEADER).get("/api/v1/runs")
    assert [x["id"] for x in r.json()["items"]] == ["acme/2026-06-01", "acme/2026-07-01"]
    assert r.json()["items"][1]["customers"] == 7


def test_customers_are_paged_filtered_and_default_to_the_latest_run(as_viewer) -> None:
    r = as_viewer(LEADER).get("/api/v1/customers", params={"tier": "strategic"})
    body = r.json()
    assert r.status_code == 200
    assert body["run"] == "acme/2026-07-01"
    assert [c["customer_id"] for c in body["items"]] == ["A", "B"]
    old = as_viewer(LEADER).get(
        "/api/v1/customers", params={"tier": "strategic", "run": "acme/2026-06-01"}
    )
    assert [c["customer_id"] for c in old.json()["items"]] == ["A"]


def test_nan_figures_come_back_as_null(as_viewer) -> None:
    r = as_viewer(LEADER).get("/api/v1/customers/F")
    assert r.status_code == 200
    assert r.json()["scorecard"]["p_alive"] is None


def test_customer_has_every_column_and_its_history(as_viewer) -> None:
    body = as_viewer(RITA).get("/api/v1/customers/B").json()
    assert body["scorecard"]["reasons"].startswith("strategic")
    assert [(h["as_of"], h["tier"]) for h in body["history"]] == [
        ("2026-06-01", "growth"),
        ("2026-07-01", "strategic"),
    ]


@pytest.mark.parametrize(
    ("viewer", "path", "status", "code"),
    [
        (None, "/api/v1/customers", 401, "not_authenticated"),
        (None, "/api/v1/runs", 401, "not_authenticated"),
        (RITA, "/api/v1/customers/C", 403, "forbidden"),
        (LEADER, "/api/v1/customers/nope", 404, "not_found"),
        (LEADER, "/api/v1/customers?run=../../etc", 404, "not_found"),
        (LEADER, "/api/v1/customers?per_page=0", 422, "bad_input"),
        (LEADER, "/api/v1/customers?sort=password", 422, "bad_input"),
        (LEADER, "/api/v1/nothing-here", 404, "not_found"),
    ],
)
def test_every_error_has_one_shape_and_the_right_status(as_viewer, viewer, path, status, code):
    r = as_viewer(viewer).get(path)
    assert r.status_code == status
    assert r.json() == {"error": {"code": code, "message": r.json()["error"]["message"]}}
    assert r.json()["error"]["message"]


def test_an_unexpected_failure_shows_no_trace(as_viewer, monkeypatch) -> None:
    import tierwise.web.routers.api_customers as api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM users; Traceback")

    monkeypatch.setattr(api, "list_accounts", boom)
    client = as_viewer(LEADER)
    client_no_raise = TestClient(client.app, raise_server_exceptions=False)
    r = client_no_raise.get("/api/v1/customers")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "SELECT" not in r.text and "Traceback" not in r.text


def test_openapi_document_lists_the_api_and_no_pages(as_viewer) -> None:
    doc = as_viewer(None).get("/api/v1/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/runs", "/api/v1/customers"} <= set(doc["paths"])
    assert "/accounts" not in doc["paths"]


def test_security_headers_on_api_and_pages(as_viewer) -> None:
    for path in ("/api/v1/health", "/accounts"):
        r = as_viewer(LEADER).get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
