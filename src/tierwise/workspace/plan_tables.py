"""Account plans in the workspace database: the plan, its versions and its actions.

A plan is one per customer; every save adds a version (the whole plan as JSON, who,
when, why) and replaces the plan's rows in ``account_plan_actions``, so the open actions
of a person are one indexed query (the agenda reads them). Shipped as migration
``0103_account_plans``; the audit trail records each save (``plan.create``, ``plan.edit``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tierwise.workspace.models import Base


class AccountPlanRecord(Base):
    """One customer's plan: its current version and when it was last edited."""

    __tablename__ = "account_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), unique=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class AccountPlanVersion(Base):
    """A saved version of a plan: the whole plan as JSON, never changed afterwards."""

    __tablename__ = "account_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("account_plans.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class AccountPlanAction(Base):
    """An action of a plan's current version (replaced at each save)."""

    __tablename__ = "account_plan_actions"
    __table_args__ = (UniqueConstraint("plan_id", "action_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("account_plans.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(200))
    action_key: Mapped[str] = mapped_column(String(40))
    objective: Mapped[str | None] = mapped_column(String(60), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
