"""Login, sessions, CSRF, throttling, bearer tokens and the audit of refusals (ASVS L2).

Each test runs the real app on a fresh workspace (SQLite, and PostgreSQL where the
test command provides it) with the people of
tests/web_support.py (their password: ``PASSWORD``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.db_fixtures import fresh_pg_database
from tests.web_support import PASSWORD, make_workspace
from tierwise.web import WebSettings, create_app
from tierwise.web.security import sessions
from tierwise.workspace import Workspace
from tierwise.workspace.models import AuditEntry
from tierwise.workspace.web_tables import LoginThrottle, WebSession

COOKIE = "tierwise_session"


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The workspace every SQLite test starts from, built once: (database file, runs folder).
    Building it hashes seven passwords with argon2, slow on purpose; a copy is quick."""
    folder = tmp_path_factory.mktemp("template")
    root = make_workspace(f"sqlite:///{folder / 'ws.db'}", folder / "runs")
    return folder / "ws.db", root


@pytest.fixture(scope="module")
def pg_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The same workspace on PostgreSQL, built once, copied by CREATE DATABASE ... TEMPLATE."""
    folder = tmp_path_factory.mktemp("template-pg")
    with fresh_pg_database() as url:
        yield url, make_workspace(url, folder / "runs")


@pytest.fixture(params=["sqlite", "postgresql"])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A fresh copy of the workspace (its URL, its runs folder), on SQLite and on PostgreSQL.
    The runs folder is shared: the app only reads it."""
    if request.param == "sqlite":
        db, root = request.getfixturevalue("sqlite_template")
        shutil.copyfile(db, tmp_path / "ws.db")
        yield f"sqlite:///{tmp_path / 'ws.db'}", root
    else:
        template, root = request.getfixturevalue("pg_template")
        with fresh_pg_database(template) as url:
            yield url, root


@pytest.fixture
def setup(workspace: tuple[str, Path]) -> Iterator[tuple[TestClient, str]]:
    """The app on a fresh workspace, once on SQLite and once on PostgreSQL."""
    url, root = workspace
    app = create_app(WebSettings(runs_dir=root, db_url=url, login_max_failures=3))
    with TestClient(app, follow_redirects=False) as client:
        yield client, url


def login(client: TestClient, name: str, password: str = PASSWORD, **extra: str):
    return client.post("/login", data={"name": name, "password": password, **extra})


def put_cookie(client: TestClient, value: str) -> None:
    """The browser now holds only this session cookie (a planted or a kept copy)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, value, domain="testserver.local")


def csrf_token(client: TestClient) -> str:
    page = client.get("/accounts").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def audit_actions(url: str) -> list[tuple[str, str]]:
    with Workspace(url) as ws, ws.transaction() as db:
        return [(e.actor, e.action) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_login_sets_an_opaque_httponly_lax_cookie_and_redirects(setup) -> None:
    client, url = setup
    r = login(client, "Rita Rep", next="/accounts/A")
    assert r.status_code == 303 and r.headers["location"] == "/accounts/A"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    value = client.cookies[COOKIE]
    with Workspace(url) as ws, ws.transaction() as db:
        stored = [row.id_hash for row in db.scalars(select(WebSession))]
    assert stored == [sessions.digest(value)]  # only the hash is kept
    assert ("Rita Rep", "login") in audit_actions(url)


def test_over_tls_the_cookie_is_host_prefixed_and_secure(
    sqlite_template: tuple[Path, Path], tmp_path: Path
) -> None:
    db, root = sqlite_template
    shutil.copyfile(db, tmp_path / "ws.db")
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    app = create_app(WebSettings(runs_dir=root, db_url=url, secure_cookies=True))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        r = login(client, "Rita Rep")
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("__Host-tierwise_session=") and "Secure" in cookie
        assert "strict-transport-security" in r.headers


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(setup, target) -> None:
    client, _ = setup
    assert login(client, "Rita Rep", next=target).headers["location"] == "/"


def test_wrong_password_is_refused_alike_for_unknown_users_and_audited(setup) -> None:
    client, url = setup
    wrong = login(client, "Rita Rep", "nope")
    unknown = login(client, "Nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an active user" in wrong.text and "do not match" in unknown.text
    assert COOKIE not in client.cookies
    assert ("Rita Rep", "login.failed") in audit_actions(url)


def test_session_fixation_a_new_id_at_every_login(setup) -> None:
    client, _ = setup
    put_cookie(client, "planted-by-an-attacker")
    login(client, "Rita Rep")
    first = client.cookies[COOKIE]
    assert first != "planted-by-an-attacker"
    login(client, "Rita Rep")
    second = client.cookies[COOKIE]
    assert second != first
    put_cookie(client, first)
    assert client.get("/api/v1/customers").status_code == 401  # the old id is dead


def test_logout_ends_the_session_on_the_server(setup) -> None:
    client, url = setup
    login(client, "Rita Rep")
    value = client.cookies[COOKIE]
    r = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    put_cookie(client, value)  # a copy of the cookie kept by someone
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get("/accounts").headers["location"].startswith("/login")
    assert ("Rita Rep", "logout") in audit_actions(url)


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=13))],
)
def test_idle_and_absolute_timeouts_end_the_session(setup, column, age) -> None:
    client, url = setup
    login(client, "Rita Rep")
    assert client.get("/api/v1/customers").status_code == 200
    with Workspace(url) as ws, ws.transaction() as db:
        moment = sessions.now() - age
        db.execute(update(WebSession).values({column: moment, "last_seen_at": moment}))
    r = client.get("/api/v1/customers")
    assert r.status_code == 401 and "session has ended" in r.json()["error"]["message"]


def test_disabling_a_user_ends_their_sessions(setup) -> None:
    client, url = setup
    login(client, "Rita Rep")
    with Workspace(url) as ws:
        ws.disable_user("Rita Rep", actor="Ada Admin")
    assert client.get("/api/v1/customers").status_code == 401


def test_a_password_change_ends_the_sessions(setup) -> None:
    client, url = setup
    login(client, "Rita Rep")
    from tierwise.workspace.models import User

    with Workspace(url) as ws, ws.transaction() as db:
        db.execute(update(User).where(User.name == "Rita Rep").values(password_hash="changed"))
    assert client.get("/api/v1/customers").status_code == 401


def test_csrf_token_is_required_on_state_changes(setup) -> None:
    client, _ = setup
    login(client, "Rita Rep")
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/api/v1/customers").status_code == 200  # still logged in


def test_cross_site_origin_is_refused_even_with_the_token(setup) -> None:
    client, _ = setup
    login(client, "Rita Rep")
    token = csrf_token(client)
    r = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    r = client.post("/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/logout", headers={"X-CSRF-Token": token, "Origin": "http://testserver"})
    assert r.status_code == 303


def test_login_from_another_site_is_refused(setup) -> None:
    client, _ = setup
    r = client.post(
        "/login",
        data={"name": "Rita Rep", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and COOKIE not in client.cookies


def test_repeated_failures_lock_the_account_then_it_backs_off(setup) -> None:
    client, url = setup
    for _ in range(3):
        assert login(client, "Rob Rep", "wrong").status_code == 401
    locked = login(client, "Rob Rep")  # the right password, but locked
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert COOKIE not in client.cookies
    with Workspace(url) as ws, ws.transaction() as db:
        first = db.get(LoginThrottle, "user:rob rep")
        assert first is not None and first.locked_until is not None
        db.execute(update(LoginThrottle).values(locked_until=sessions.now() - timedelta(seconds=1)))
    assert login(client, "Rob Rep", "wrong").status_code == 401  # 4th failure: longer lockout
    with Workspace(url) as ws, ws.transaction() as db:
        row = db.get(LoginThrottle, "user:rob rep")
        assert row is not None and row.locked_until is not None
        wait = row.locked_until.replace(tzinfo=None) - row.last_failure_at.replace(tzinfo=None)
    assert wait == timedelta(seconds=60)  # 30 s doubled
    assert ("Rob Rep", "login.locked") in audit_actions(url)


def test_bearer_tokens_work_for_scripts_and_stop_when_revoked(setup) -> None:
    client, url = setup
    with Workspace(url) as ws:
        token_id, token = ws.create_token("Rob Rep", actor="Rob Rep")
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/customers", headers=auth)
    assert r.status_code == 200
    assert {c["customer_id"] for c in r.json()["items"]} == {"C", "D"}
    with Workspace(url) as ws:
        ws.revoke_token("Rob Rep", token_id, actor="Rob Rep")
    r = client.get("/api/v1/customers", headers=auth)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_refused_access_is_audited(setup) -> None:
    client, url = setup
    login(client, "Rita Rep")
    assert client.get("/api/v1/customers/C").status_code == 403
    assert ("Rita Rep", "access.refused") in audit_actions(url)
