"""The "My day" page and GET /api/v1/agenda: a rep sees their own day only, a manager
their team's, leaders anyone's; errors in the API's one shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tests.web_support import PEOPLE, make_workspace
from tierwise.web import WebSettings, create_app
from tierwise.workspace import Workspace

SHORT = {"leader": "Lee Leader", "manager": "Mia Manager", "rita": "Rita Rep"}
SHORT |= {"rob": "Rob Rep", "sam": "Sam Seller", "analyst": "Ana Analyst"}


@pytest.fixture(scope="module")
def call(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    tmp = tmp_path_factory.mktemp("agenda_web")
    url = f"sqlite:///{tmp / 'ws.db'}"
    root = make_workspace(url, tmp / "runs")
    with Workspace(url) as ws:
        tokens = {name: ws.create_token(name, actor=name)[1] for name, _, _ in PEOPLE}
    app = create_app(WebSettings(runs_dir=root, db_url=url))
    with TestClient(app, follow_redirects=False) as client:

        def request(who: str | None, path: str):
            headers = {"Authorization": f"Bearer {tokens[SHORT[who]]}"} if who else {}
            return client.get(path, headers=headers)

        yield request


@pytest.mark.parametrize(
    ("who", "owner", "status"),
    [
        ("rita", None, 200),
        ("rita", "Rita Rep", 200),
        ("rita", "Rob Rep", 403),
        ("rob", "Rita Rep", 403),
        ("manager", "Rob Rep", 200),
        ("manager", "Sam Seller", 403),
        ("leader", "Sam Seller", 200),
        ("analyst", "Rita Rep", 200),
        ("sam", None, 200),
    ],
)
def test_who_sees_whose_day(call, who, owner, status) -> None:
    path = "/api/v1/agenda" + (f"?owner={owner.replace(' ', '%20')}" if owner else "")
    response = call(who, path)
    assert response.status_code == status, response.text
    if status == 200:
        body = response.json()
        assert body["owner"] == (owner or SHORT[who])
        assert {r["customer_id"] for r in body["agenda"]}  # a day with items
    else:
        assert response.json()["error"]["code"] == "forbidden"


def test_a_reps_day_holds_only_their_accounts(call) -> None:
    body = call("rita", "/api/v1/agenda").json()
    assert {r["customer_id"] for r in body["agenda"]} <= {"A", "B", "E"}
    ranks = [r["rank"] for r in body["agenda"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    reduce = [r for r in body["agenda"] if r["kind"] == "reduce"]
    assert [r["customer_id"] for r in reduce] == ["E"]  # E is over-served


def test_not_logged_in_is_401_and_a_bad_date_422(call) -> None:
    assert call(None, "/api/v1/agenda").status_code == 401
    bad = call("rita", "/api/v1/agenda?date=tomorrow")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]["message"]


def test_the_page_shows_the_day_and_the_nav_links_it(call) -> None:
    page = call("rita", "/agenda")
    assert page.status_code == 200
    assert "Rita Rep" in page.text and 'href="/agenda"' in page.text
    assert call("rita", "/agenda?owner=Rob%20Rep").status_code == 403
