"""Two people deciding at once, and an audit trail nobody can rewrite (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from tests.db_fixtures import fresh_pg_database, register_run
from tierwise.workspace import Conflict, Workspace
from tierwise.workspace.audit import AuditIsAppendOnly
from tierwise.workspace.models import AuditEntry

PW = "long enough password"


def _build(url: str) -> str:
    ws = Workspace(url, migrate=False)
    ws.upgrade()
    ws.add_user("ada", role="admin", password=PW)
    ws.add_user("lee", role="leader", password=PW, actor="ada")
    ws.add_user("rosa", role="rep", password=PW, manager="lee", actor="lee")
    register_run(ws, [("R1", "core", "rosa")])
    ws.close()
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The workspace every test starts from, built once per database (argon2 is slow)."""
    if request.param == "sqlite":
        yield _build(f"sqlite:///{tmp_path_factory.mktemp('template') / 'ws.db'}")
    else:
        with fresh_pg_database() as url:
            yield _build(url)


@pytest.fixture
def ws(template: str, tmp_path: Path) -> Iterator[Workspace]:
    """A fresh copy of the template for each test."""
    if template.startswith("sqlite:///"):
        shutil.copyfile(template.removeprefix("sqlite:///"), tmp_path / "ws.db")
        ws = Workspace(f"sqlite:///{tmp_path / 'ws.db'}", migrate=False)
        yield ws
        ws.close()
    else:
        with fresh_pg_database(template) as url:
            ws = Workspace(url, migrate=False)
            yield ws
            ws.close()


def test_concurrent_approvals_end_in_one_approval_and_one_clear_refusal(ws: Workspace):
    oid = ws.request_override("rosa", "R1", tier="growth", reason="why").id
    # two connections (two engines): each thread approves through its own workspace
    deciders = [Workspace(ws.url), Workspace(ws.url)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def approve(i: int, actor: str) -> None:
        barrier.wait()
        try:
            outcomes[i] = deciders[i].approve_override(actor, oid, f"by {actor}")
        except Conflict as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=approve, args=(i, a)) for i, a in enumerate(["lee", "ada"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    approvals = [o for o in outcomes if not isinstance(o, Conflict)]
    assert len(approvals) == 1 and len(refusals) == 1, outcomes
    winner = approvals[0].decided_by  # type: ignore[union-attr]
    assert f"is approved by '{winner}', no longer pending" in str(refusals[0])
    assert [e["action"] for e in ws.audit("R1")].count("override.approve") == 1
    for d in deciders:
        d.close()


def test_the_orm_refuses_to_change_or_delete_audit_rows(ws: Workspace):
    with pytest.raises(AuditIsAppendOnly, match="append-only"), ws.transaction() as s:
        entry = s.scalars(select(AuditEntry)).first()
        assert entry is not None
        entry.comment = "rewritten"
        s.flush()
    with pytest.raises(AuditIsAppendOnly), ws.transaction() as s:
        s.delete(s.scalars(select(AuditEntry)).first())
        s.flush()
    for statement in (update(AuditEntry).values(actor="x"), delete(AuditEntry)):
        with pytest.raises(AuditIsAppendOnly), ws.transaction() as s:
            s.execute(statement)
    entries = ws.audit()
    assert len(entries) >= 3 and all(e["comment"] != "rewritten" for e in entries)


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_the_database_refuses_raw_sql_that_changes_audit_rows(ws: Workspace, sql: str):
    before = ws.audit()
    with ws.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))
        conn.rollback()
    assert ws.audit() == before and len(before) >= 3


def test_appending_audit_rows_still_works(ws: Workspace):
    n = len(ws.audit())
    ws.request_override("rosa", "R1", tier="growth", reason="why")
    assert len(ws.audit()) == n + 1
