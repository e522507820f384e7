"""The workspace database's tables (SQLAlchemy 2, typed).

The schema changes only through the Alembic migrations in ``migrations/versions``; a
test checks that the migrated schema matches these models. API schemas (the web app's)
are kept apart from these classes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("admin", "leader", "manager", "rep", "analyst")
OVERRIDE_STATUSES = ("pending", "approved", "rejected", "recalled", "expired")
#: An override that still decides something: at most one per customer.
OPEN_STATUSES = ("pending", "approved")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A person who reads, requests or approves; ``manager_id`` makes the team tree."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for scripts and the API; only its SHA-256 is stored, so a leak of the
    database does not leak usable tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Run(Base):
    """One analysis of a book, registered by ``analyze`` with a database."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[str] = mapped_column(String(2000), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_dir: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    policy_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    tierwise_version: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Position(Base):
    """Where one customer stood in one run: the tier and level history."""

    __tablename__ = "positions"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tier: Mapped[str] = mapped_column(String(100))
    model_tier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    relationship_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    relationship_trend: Mapped[str | None] = mapped_column(String(40), nullable=True)
    strategic_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Override(Base):
    """A request to serve a customer at another tier than the model's, and its decision."""

    __tablename__ = "overrides"
    __table_args__ = (
        # One open (pending or approved) override per customer, enforced by the database
        # so that two people requesting at once cannot both succeed.
        Index(
            "uq_overrides_open_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'approved')"),
            postgresql_where=text("status IN ('pending', 'approved')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    tier: Mapped[str] = mapped_column(String(100))
    model_tier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_model_tier: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason_code: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    review_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)


class AuditEntry(Base):
    """One change, append-only: the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
