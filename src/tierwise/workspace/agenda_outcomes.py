"""What people did with their agenda items: done, snoozed or skipped, with the reason.

The table ``agenda_outcomes`` (migration ``0102_agenda_outcomes``) extends the workspace's
schema; every outcome is written with its audit row in one transaction. Skipping and
snoozing need a reason, so a manager's team view can show why work did not happen.
Agenda items are identified by their stable id (``tierwise.agenda``), so an outcome
holds across runs for as long as the item's condition does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tierwise.workspace import audit
from tierwise.workspace.errors import BadRequest, NotAllowed
from tierwise.workspace.models import Base, User
from tierwise.workspace.permissions import require_active, team_ids
from tierwise.workspace.users import owns

ACTIONS = {"done": "done", "snooze": "snoozed", "skip": "skipped"}
MIN_REASON = 3


class AgendaOutcome(Base):
    """One decision about one agenda item: done, snoozed until a date, or skipped for a day."""

    __tablename__ = "agenda_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(40), index=True)
    owner: Mapped[str] = mapped_column(String(200), index=True)
    customer_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    on: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ItemRef:
    """The agenda item an outcome is about (from ``Agenda.records``)."""

    item_id: str
    owner: str
    customer_id: str
    kind: str
    title: str | None = None


def may_act_for(session: Session, actor: User, owner: str) -> bool:
    """The owner themself, a leader or admin, or the manager of the owner's user."""
    if owns(actor, owner) or actor.role in ("admin", "leader"):
        return True
    if actor.role != "manager":
        return False
    team = session.scalars(select(User).where(User.id.in_(team_ids(session, actor))))
    return any(owns(member, owner) for member in team)


def record(
    session: Session,
    actor: User,
    item: ItemRef,
    *,
    verb: str,
    day: date,
    reason: str | None = None,
    until: date | None = None,
) -> AgendaOutcome:
    """Record ``done``/``snooze``/``skip`` of ``item`` on ``day``, with its audit row."""
    require_active(actor)
    if verb not in ACTIONS:
        raise BadRequest(f"unknown agenda action {verb!r}; use one of {sorted(ACTIONS)}")
    reason = (reason or "").strip() or None
    if verb in ("snooze", "skip") and (reason is None or len(reason) < MIN_REASON):
        raise BadRequest(
            f"{verb} needs a reason (at least {MIN_REASON} characters) so the team view can "
            "show why; add --reason TEXT"
        )
    if verb == "snooze":
        until = until or day + timedelta(days=1)
        if until <= day:
            raise BadRequest(
                f"snooze until {until.isoformat()} is not after {day.isoformat()}; "
                "give a later --until date"
            )
    else:
        until = None
    if not may_act_for(session, actor, item.owner):
        raise NotAllowed(
            f"user {actor.name!r} may not record outcomes of {item.owner!r}'s agenda; "
            "only the owner, their manager, a leader or an admin may"
        )
    outcome = AgendaOutcome(
        item_id=item.item_id,
        owner=item.owner,
        customer_id=item.customer_id,
        kind=item.kind,
        title=item.title,
        action=ACTIONS[verb],
        reason=reason,
        on=day,
        until=until,
        user_id=actor.id,
        at=audit.now(),
    )
    session.add(outcome)
    audit.record(
        session,
        actor=actor.name,
        action=f"agenda.{verb}",
        object_type="agenda_item",
        object_id=item.item_id,
        customer_id=item.customer_id,
        after={
            "action": ACTIONS[verb],
            "owner": item.owner,
            "kind": item.kind,
            "on": day.isoformat(),
            "until": until.isoformat() if until else None,
        },
        comment=reason,
    )
    return outcome


COLUMNS = ["item_id", "owner", "customer_id", "kind", "title", "action", "reason", "on"]
COLUMNS += ["until", "by", "at"]


def outcomes_frame(session: Session, owners: list[str] | None = None) -> pd.DataFrame:
    """Every recorded outcome (of ``owners``), newest first, with who recorded it."""
    query = select(AgendaOutcome, User.name).join(User, User.id == AgendaOutcome.user_id)
    if owners is not None:
        query = query.where(AgendaOutcome.owner.in_(owners))
    rows: list[dict[str, Any]] = []
    for o, by in session.execute(query.order_by(AgendaOutcome.at.desc(), AgendaOutcome.id.desc())):
        rows.append(
            {
                "item_id": o.item_id,
                "owner": o.owner,
                "customer_id": o.customer_id,
                "kind": o.kind,
                "title": o.title,
                "action": o.action,
                "reason": o.reason,
                "on": o.on,
                "until": o.until,
                "by": by,
                "at": o.at.isoformat(timespec="seconds") if o.at else None,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def open_overrides(session: Session) -> pd.DataFrame:
    """Overrides awaiting a decision or carrying a review-by date, for the agenda."""
    from tierwise.workspace.models import Override

    query = select(Override).where(Override.status.in_(("pending", "approved")))
    rows = [
        {
            "override_id": str(o.id),
            "customer_id": o.customer_id,
            "tier": o.tier,
            "status": o.status,
            "review_by": o.review_by,
        }
        for o in session.scalars(query)
    ]
    return pd.DataFrame(rows, columns=["override_id", "customer_id", "tier", "status", "review_by"])


PLAN_ACTION_COLUMNS = ["customer_id", "action_key", "title", "owner", "due", "objective", "version"]


def open_plan_actions_frame(session: Session) -> pd.DataFrame:
    """The open actions of every kept account plan, for the agenda (CONTRACT §7: a plan's
    actions feed its owner's day)."""
    from tierwise.workspace.plan_tables import AccountPlanAction, AccountPlanRecord

    query = (
        select(AccountPlanAction, AccountPlanRecord.current_version)
        .join(AccountPlanRecord, AccountPlanRecord.id == AccountPlanAction.plan_id)
        .where(AccountPlanAction.status == "open")
    )
    rows = [
        {
            "customer_id": a.customer_id,
            "action_key": a.action_key,
            "title": a.title,
            "owner": a.owner,
            "due": a.due,
            "objective": a.objective,
            "version": version,
        }
        for a, version in session.execute(query)
    ]
    return pd.DataFrame(rows, columns=PLAN_ACTION_COLUMNS)
