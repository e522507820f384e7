"""Server-side sessions (ASVS V7): an opaque random id in the cookie, its hash in the
database, a new id at every login, idle and absolute timeouts, ended on logout, when the
user is disabled and when their password changes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tierwise.web.settings import WebSettings
from tierwise.workspace.models import User
from tierwise.workspace.web_tables import WebSession

#: last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass
class Started:
    """A new session: the cookie value (shown once, never stored) and its CSRF token."""

    token: str
    csrf_token: str


def now() -> datetime:
    return datetime.now(UTC)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def credential(user: User) -> str:
    return digest(user.password_hash or "")


def start(db: Session, user: User, at: datetime | None = None) -> Started:
    """A fresh session for ``user`` (never reuses an id the browser brought: no fixation)."""
    at = at or now()
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            id_hash=digest(token),
            user_id=user.id,
            csrf_token=csrf_token,
            credential=credential(user),
            created_at=at,
            last_seen_at=at,
        )
    )
    return Started(token, csrf_token)


def load(
    db: Session, token: str, settings: WebSettings, at: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session behind a cookie value and its user; None (and the session ended)
    when it timed out, the user was disabled or changed their password."""
    at = at or now()
    row = db.get(WebSession, digest(token))
    if row is None or row.ended_at is not None:
        return None
    user = db.get(User, row.user_id)
    reason = None
    if user is None or not user.active:
        reason = "user disabled"
    elif row.credential != credential(user):
        reason = "password changed"
    elif at - _aware(row.last_seen_at) > timedelta(minutes=settings.session_idle_minutes):
        reason = "idle timeout"
    elif at - _aware(row.created_at) > timedelta(hours=settings.session_absolute_hours):
        reason = "absolute timeout"
    if reason is not None:
        row.ended_at, row.end_reason = at, reason
        return None
    if at - _aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = at
    assert user is not None
    return row, user


def end(db: Session, token: str, reason: str = "logout") -> WebSession | None:
    row = db.get(WebSession, digest(token))
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = now(), reason
    return row


def end_all(db: Session, user_id: int, reason: str) -> int:
    """End every live session of a user (disabled, password reset); returns how many."""
    result = db.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now(), end_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_count(db: Session, user_id: int) -> int:
    rows = db.scalars(
        select(WebSession.id_hash).where(
            WebSession.user_id == user_id, WebSession.ended_at.is_(None)
        )
    )
    return len(list(rows))


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
