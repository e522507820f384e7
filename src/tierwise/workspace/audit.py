"""The audit trail: every change, appended, never changed.

Services call ``record`` inside the transaction of the change itself, so a change and
its audit row are written together or not at all. Rows are never updated or deleted: the
ORM refuses it here (``_refuse_changes``), and the database refuses it too (triggers
created by the first migration), so raw SQL cannot do it either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Select, Update, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from tierwise.workspace.errors import WorkspaceError
from tierwise.workspace.models import AuditEntry

#: The actor of changes tierwise makes itself (expiring overrides, first user, imports).
SYSTEM = "tierwise"

COLUMNS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "customer_id",
    "before",
    "after",
    "run_id",
    "comment",
)


class AuditIsAppendOnly(WorkspaceError):
    """Someone tried to change or delete an audit row."""


def now() -> datetime:
    return datetime.now(UTC)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    customer_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    run_id: int | None = None,
    comment: str | None = None,
) -> AuditEntry:
    """Append one audit row to the session's transaction."""
    entry = AuditEntry(
        at=now(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        customer_id=customer_id,
        before=before,
        after=after,
        run_id=run_id,
        comment=comment,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: every field set must match (``since`` and ``until`` are UTC days,
    both included)."""

    customer_id: str | None = None
    since: date | None = None
    object_type: str | None = None
    actor: str | None = None
    action: str | None = None
    until: date | None = None
    object_id: str | None = None


def entries(session: Session, flt: AuditFilter | None = None) -> list[dict[str, Any]]:
    """Audit rows, oldest first, as plain dicts (time in UTC, ISO format)."""
    query = _filtered(select(AuditEntry), flt or AuditFilter()).order_by(AuditEntry.id)
    return [_row(e) for e in session.scalars(query)]


def page(
    session: Session, flt: AuditFilter, *, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    """(how many entries match, one page of them, newest first): counted and cut in SQL."""
    total = session.scalar(_filtered(select(func.count(AuditEntry.id)), flt)) or 0
    query = (
        _filtered(select(AuditEntry), flt)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return int(total), [_row(e) for e in session.scalars(query)]


def _filtered(query: Select[Any], flt: AuditFilter) -> Select[Any]:
    exact = {
        AuditEntry.customer_id: flt.customer_id,
        AuditEntry.object_type: flt.object_type,
        AuditEntry.object_id: flt.object_id,
        AuditEntry.actor: flt.actor,
        AuditEntry.action: flt.action,
    }
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if flt.since is not None:
        query = query.where(AuditEntry.at >= datetime.combine(flt.since, datetime.min.time(), UTC))
    if flt.until is not None:
        end = datetime.combine(flt.until + timedelta(days=1), datetime.min.time(), UTC)
        query = query.where(AuditEntry.at < end)
    return query


def _row(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    row = {c: getattr(entry, c) for c in COLUMNS}
    row["at"] = at.astimezone(UTC).isoformat(timespec="seconds")
    return row


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly(
                f"audit row {obj.id} cannot be changed or deleted: the audit trail is "
                "append-only; record a new entry instead"
            )


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    statement = state.statement
    table = getattr(statement, "table", None)
    if (
        isinstance(statement, (Update, Delete))
        and getattr(table, "name", None) == AuditEntry.__tablename__
    ):
        raise AuditIsAppendOnly(
            "UPDATE or DELETE of audit_log refused: the audit trail is append-only"
        )
