"""The users page and the workspace services behind it: add, disable, reset a password,
set role and manager; each audited, each ending the person's sessions where it should,
refused to anyone but an admin. On SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web_support import PASSWORD, make_workspace
from tierwise.web import WebSettings, create_app
from tierwise.workspace import Workspace
from tierwise.workspace.models import AuditEntry, User
from tierwise.workspace.web_tables import WebSession

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def setup(tmp_path: Path, db_url: str) -> Iterator[tuple[object, str]]:
    root = make_workspace(db_url, tmp_path / "runs")
    app = create_app(WebSettings(runs_dir=root, db_url=db_url))
    clients: list[TestClient] = []

    def client_for(name: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        r = client.post("/login", data={"name": name, "password": password})
        assert r.status_code == 303, r.text[:300]
        page = client.get("/accounts").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return client, token

    yield client_for, db_url
    for client in clients:
        client.__exit__(None, None, None)


def user_id(url: str, name: str) -> int:
    with Workspace(url) as ws, ws.transaction() as db:
        return int(db.scalars(select(User.id).where(User.name == name)).one())


def audited(url: str, action: str) -> list[AuditEntry]:
    with Workspace(url) as ws, ws.transaction() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def ended(url: str, name: str) -> list[str | None]:
    uid = user_id(url, name)
    with Workspace(url) as ws, ws.transaction() as db:
        return [
            s.end_reason for s in db.scalars(select(WebSession).where(WebSession.user_id == uid))
        ]


def test_the_admin_sees_everyone_and_adds_a_user_who_can_log_in(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    page = admin.get("/users")
    assert page.status_code == 200 and page.text.count("data-user=") == 7
    r = admin.post(
        "/users",
        data={
            "name": "Nia <b>New</b>",
            "role": "rep",
            "manager": "Mia Manager",
            "email": "nia@example.com",
            "password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    shown = admin.get(r.headers["location"]).text
    assert "Nia &lt;b&gt;New&lt;/b&gt; added" in shown and "<b>New</b>" not in shown
    client_for("nia@example.com", NEW_PASSWORD)  # logs in
    (entry,) = audited(url, "user.add")[-1:]
    assert entry.actor == "Ada Admin" and entry.after["manager"] == "Mia Manager"  # type: ignore[index]


def test_disabling_a_user_ends_their_sessions_at_once(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    rita, _ = client_for("Rita Rep")
    assert rita.get("/api/v1/customers").status_code == 200
    rid = user_id(url, "Rita Rep")
    r = admin.post(f"/users/{rid}/disable", data={"csrf_token": token})
    assert r.status_code == 303
    assert ended(url, "Rita Rep") == ["user disabled"]  # ended in the same transaction
    assert rita.get("/api/v1/customers").status_code == 401
    assert "disabled; their sessions ended" in admin.get(r.headers["location"]).text
    (entry,) = audited(url, "user.disable")
    assert entry.after == {"active": False} and entry.comment == "1 browser sessions ended"


def test_a_password_reset_ends_the_sessions_and_only_the_new_password_works(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    rob, _ = client_for("Rob Rep")
    rid = user_id(url, "Rob Rep")
    short = admin.post(f"/users/{rid}/password", data={"password": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 8" in short.text
    r = admin.post(f"/users/{rid}/password", data={"password": NEW_PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    assert rob.get("/api/v1/customers").status_code == 401
    assert ended(url, "Rob Rep") == ["password reset"]
    fresh = TestClient(admin.app, follow_redirects=False)
    assert fresh.post("/login", data={"name": "Rob Rep", "password": PASSWORD}).status_code == 401
    client_for("Rob Rep", NEW_PASSWORD)
    (entry,) = audited(url, "user.password_reset")
    assert entry.before is None and entry.after is None  # no hash in the audit trail
    assert NEW_PASSWORD not in str(entry.comment)


def test_a_new_role_ends_the_sessions_and_applies_at_the_next_login(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    rita, _ = client_for("Rita Rep")
    assert rita.get("/api/v1/customers").json()["total"] == 3
    rid = user_id(url, "Rita Rep")
    assert (
        admin.post(f"/users/{rid}/role", data={"role": "analyst", "csrf_token": token}).status_code
        == 303
    )
    assert rita.get("/api/v1/customers").status_code == 401
    again, _ = client_for("Rita Rep")
    assert again.get("/api/v1/customers").json()["total"] == 7  # an analyst reads the book
    (entry,) = audited(url, "user.role")
    assert (entry.before, entry.after) == ({"role": "rep"}, {"role": "analyst"})
    bad = admin.post(f"/users/{rid}/role", data={"role": "owner", "csrf_token": token})
    assert bad.status_code == 422 and "unknown role" in bad.text


def test_a_new_manager_changes_their_team_without_ending_sessions(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    mia, _ = client_for("Mia Manager")
    assert mia.get("/api/v1/customers").json()["total"] == 5
    sid = user_id(url, "Sam Seller")
    r = admin.post(f"/users/{sid}/manager", data={"manager": "Mia Manager", "csrf_token": token})
    assert r.status_code == 303
    assert mia.get("/api/v1/customers").json()["total"] == 6  # Sam's account F joins
    (entry,) = audited(url, "user.manager")
    assert (entry.before, entry.after) == ({"manager": None}, {"manager": "Mia Manager"})
    mid = user_id(url, "Mia Manager")
    loop = admin.post(f"/users/{mid}/manager", data={"manager": "Sam Seller", "csrf_token": token})
    assert loop.status_code == 422 and "reports to" in loop.text  # no cycles
    cleared = admin.post(f"/users/{sid}/manager", data={"manager": "", "csrf_token": token})
    assert cleared.status_code == 303
    assert mia.get("/api/v1/customers").json()["total"] == 5


def test_an_admin_cannot_disable_or_demote_themselves(setup) -> None:
    client_for, url = setup
    admin, token = client_for("Ada Admin")
    aid = user_id(url, "Ada Admin")
    assert admin.post(f"/users/{aid}/disable", data={"csrf_token": token}).status_code == 403
    r = admin.post(f"/users/{aid}/role", data={"role": "rep", "csrf_token": token})
    assert r.status_code == 403
    page = admin.get("/users").text
    assert 'aria-label="Disable Ada Admin"' not in page  # not offered either
    assert 'aria-label="Disable Rob Rep"' in page


@pytest.mark.parametrize("who", ["Lee Leader", "Ana Analyst", "Mia Manager", "Rita Rep"])
def test_only_an_admin_uses_the_users_page(setup, who: str) -> None:
    client_for, url = setup
    client, token = client_for(who)
    rob = user_id(url, "Rob Rep")
    assert client.get("/users").status_code == 403
    for path, data in [
        ("/users", {"name": "x", "role": "rep", "password": NEW_PASSWORD}),
        (f"/users/{rob}/disable", {}),
        (f"/users/{rob}/password", {"password": NEW_PASSWORD}),
        (f"/users/{rob}/role", {"role": "admin"}),
        (f"/users/{rob}/manager", {"manager": ""}),
    ]:
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 403, path
    assert ended(url, "Rob Rep") == []
    assert not audited(url, "user.disable") and not audited(url, "user.role")


def test_the_users_forms_need_the_csrf_token(setup) -> None:
    client_for, url = setup
    admin, _ = client_for("Ada Admin")
    rob = user_id(url, "Rob Rep")
    assert admin.post(f"/users/{rob}/disable", data={"csrf_token": "forged"}).status_code == 403
    assert not audited(url, "user.disable")


def test_an_unknown_user_is_404(setup) -> None:
    client_for, _ = setup
    admin, token = client_for("Ada Admin")
    assert admin.post("/users/9999/disable", data={"csrf_token": token}).status_code == 404
