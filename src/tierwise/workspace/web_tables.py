"""The web app's tables in the workspace database: browser sessions and login throttling.

They extend the workspace's schema (same ``Base``, same naming convention, imported by
the package so the metadata is always complete) and ship as the migration
``0101_web_sessions``. Only hashes of session ids are stored, so a copy of the database
holds no usable session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tierwise.workspace.models import Base


class WebSession(Base):
    """A logged-in browser: found by the SHA-256 of its cookie, ended on logout or timeout."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    #: A digest of the user's password hash at login: a password change ends the session.
    credential: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class LoginThrottle(Base):
    """Failed logins per key (``user:<name>`` or ``addr:<client address>``) and the lockout."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
