"""Who may do what: role × route × object, through the API with each person's bearer token,
and the override flow (a rep asks, their manager decides, the rep sees the decision)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.web_support import PEOPLE, make_workspace
from tierwise.web import WebSettings, create_app
from tierwise.workspace import Workspace

SHORT = {"admin": "Ada Admin", "leader": "Lee Leader", "analyst": "Ana Analyst"}
SHORT |= {"manager": "Mia Manager", "rita": "Rita Rep", "rob": "Rob Rep", "sam": "Sam Seller"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    tmp = tmp_path_factory.mktemp("perm")
    url = f"sqlite:///{tmp / 'ws.db'}"
    root = make_workspace(url, tmp / "runs")
    with Workspace(url) as ws:
        tokens = {name: ws.create_token(name, actor=name)[1] for name, _, _ in PEOPLE}
    app = create_app(WebSettings(runs_dir=root, db_url=url))
    with TestClient(app, follow_redirects=False) as client:

        def call(who: str, method: str, path: str, **kwargs: object):
            headers = {"Authorization": f"Bearer {tokens[SHORT[who]]}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield call


# A, B, E: Rita's; C, D: Rob's (both in Mia's team); F: Sam's; G: no owner.
READS = [
    ("/api/v1/customers/A", {"admin", "leader", "analyst", "manager", "rita"}),
    ("/api/v1/customers/C", {"admin", "leader", "analyst", "manager", "rob"}),
    ("/api/v1/customers/F", {"admin", "leader", "analyst", "sam"}),
    ("/api/v1/customers/G", {"admin", "leader", "analyst"}),
    ("/portfolio", {"admin", "leader", "analyst"}),
    ("/accounts/E", {"admin", "leader", "analyst", "manager", "rita"}),
    ("/accounts/C/plan", {"admin", "leader", "analyst", "manager", "rob"}),
    ("/approvals", {"admin", "leader", "manager"}),
    ("/runs", {"admin", "analyst"}),
    ("/runs/live", {"admin", "analyst"}),
    ("/users", {"admin"}),
    ("/audit", {"admin", "leader"}),
    ("/api/v1/audit", {"admin", "leader"}),
]


@pytest.mark.parametrize(("path", "allowed"), READS)
@pytest.mark.parametrize("who", sorted(SHORT))
def test_read_matrix(api, who, path, allowed) -> None:
    r = api(who, "GET", path)
    assert r.status_code == (200 if who in allowed else 403), r.text[:200]


@pytest.mark.parametrize(
    ("who", "count"),
    [("admin", 7), ("analyst", 7), ("manager", 5), ("rita", 3), ("rob", 2), ("sam", 1)],
)
def test_lists_hold_only_what_each_may_see(api, who, count) -> None:
    assert api(who, "GET", "/api/v1/customers").json()["total"] == count


def test_the_override_flow_and_its_refusals(api) -> None:
    ask = {"customer_id": "A", "tier": "core", "reason": "buying through a distributor now"}
    assert api("analyst", "POST", "/api/v1/overrides", json=ask).status_code == 403
    assert api("rob", "POST", "/api/v1/overrides", json=ask).status_code == 403
    made = api("rita", "POST", "/api/v1/overrides", json=ask)
    assert made.status_code == 201, made.text
    oid = made.json()["id"]
    assert made.json()["status"] == "pending" and made.json()["model_tier"] == "strategic"
    assert api("rita", "POST", "/api/v1/overrides", json=ask).status_code == 409  # one open
    for who in ("rita", "rob", "analyst"):  # own request; a rep; an analyst
        assert api(who, "POST", f"/api/v1/overrides/{oid}/approve", json={}).status_code == 403
    r = api("manager", "POST", f"/api/v1/overrides/{oid}/reject", json={})
    assert r.status_code == 422  # a rejection needs a comment
    r = api("manager", "POST", f"/api/v1/overrides/{oid}/approve", json={"comment": "agreed"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    seen = api("rita", "GET", "/api/v1/overrides", params={"customer_id": "A"}).json()["items"]
    assert [(o["id"], o["status"], o["decided_by"]) for o in seen] == [
        (oid, "approved", "Mia Manager")
    ]
    assert api("rob", "GET", "/api/v1/overrides").json()["items"] == []
    overridden = api("rita", "GET", "/accounts", params={"overridden": "yes"})
    assert ">A</a>" in overridden.text and ">B</a>" not in overridden.text


def test_a_manager_decides_only_for_their_team(api) -> None:
    ask = {"customer_id": "F", "tier": "strategic", "reason": "new framework contract"}
    oid = api("sam", "POST", "/api/v1/overrides", json=ask).json()["id"]
    assert api("manager", "POST", f"/api/v1/overrides/{oid}/approve", json={}).status_code == 403
    assert 'data-override="' + str(oid) not in api("manager", "GET", "/approvals").text
    assert 'data-override="' + str(oid) in api("leader", "GET", "/approvals").text
    r = api("leader", "POST", f"/api/v1/overrides/{oid}/reject", json={"comment": "not yet"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_an_unknown_override_is_404(api) -> None:
    r = api("leader", "POST", "/api/v1/overrides/999/approve", json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
