"""The account-plan service: save a version, read the latest, list versions, open actions,
and the leader's view (CONTRACT §7).

Functions of ``(session, acting user, …)`` like the other services, so the CLI, the API
and the web pages share the rules: admins, leaders and managers may save any plan, a rep
only the plans of accounts they own, an analyst none. Each save and its audit row are one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tierwise.plans.model import AccountPlan, plan_from_dict
from tierwise.workspace import audit
from tierwise.workspace.errors import NotAllowed, NotFound
from tierwise.workspace.models import User
from tierwise.workspace.permissions import REQUESTERS, require_role
from tierwise.workspace.plan_tables import (
    AccountPlanAction,
    AccountPlanRecord,
    AccountPlanVersion,
)
from tierwise.workspace.users import owns


@dataclass(frozen=True)
class PlanVersionView:
    customer_id: str
    version: int
    author: str
    created_at: datetime
    comment: str | None


@dataclass(frozen=True)
class PlanActionView:
    """An open action of an account plan, for the owner's agenda."""

    customer_id: str
    action_key: str
    objective: str | None
    title: str
    owner: str | None
    due: date | None
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "action_key": self.action_key,
            "objective": self.objective,
            "title": self.title,
            "owner": self.owner,
            "due": None if self.due is None else self.due.isoformat(),
            "status": self.status,
        }


def _require_may_edit(actor: User, plan: AccountPlan) -> None:
    require_role(actor, REQUESTERS, "edit account plans")
    if actor.role == "rep" and not owns(actor, plan.owner):
        raise NotAllowed(
            f"user {actor.name!r} is a rep and may edit only the plans of their own accounts; "
            f"customer {plan.customer_id} belongs to {plan.owner or 'no one'}"
        )


def save_plan(
    session: Session, actor: User, plan: AccountPlan, *, comment: str | None = None
) -> PlanVersionView:
    """Store ``plan`` as the next version of its customer's plan, with its audit row."""
    _require_may_edit(actor, plan)
    now = audit.now()
    record = session.scalar(
        select(AccountPlanRecord).where(AccountPlanRecord.customer_id == plan.customer_id)
    )
    content = plan.to_dict()
    before: dict[str, Any] | None = None
    if record is None:
        record = AccountPlanRecord(
            customer_id=plan.customer_id,
            owner=plan.owner,
            current_version=1,
            created_at=now,
            created_by=actor.name,
            updated_at=now,
            updated_by=actor.name,
        )
        session.add(record)
        session.flush()
        action = "plan.create"
    else:
        previous = session.scalar(
            select(AccountPlanVersion).where(
                AccountPlanVersion.plan_id == record.id,
                AccountPlanVersion.version == record.current_version,
            )
        )
        old = previous.content if previous is not None else {}
        changed = sorted(k for k in content if k != "version" and content.get(k) != old.get(k))
        before = {"version": record.current_version, "changed": {k: old.get(k) for k in changed}}
        record.current_version += 1
        record.owner = plan.owner
        record.updated_at = now
        record.updated_by = actor.name
        action = "plan.edit"
    version = record.current_version
    content["version"] = version
    session.add(
        AccountPlanVersion(
            plan_id=record.id,
            version=version,
            content=content,
            author=actor.name,
            created_at=now,
            comment=comment,
        )
    )
    session.execute(delete(AccountPlanAction).where(AccountPlanAction.plan_id == record.id))
    for a in plan.actions:
        session.add(
            AccountPlanAction(
                plan_id=record.id,
                customer_id=plan.customer_id,
                action_key=a.key,
                objective=a.objective,
                title=a.title,
                owner=a.owner,
                due=date.fromisoformat(a.due) if a.due else None,
                status=a.status,
            )
        )
    after: dict[str, Any] = {"version": version}
    if before is not None:
        after["changed"] = {k: content.get(k) for k in before["changed"]}
    audit.record(
        session,
        actor=actor.name,
        action=action,
        object_type="account_plan",
        object_id=plan.customer_id,
        customer_id=plan.customer_id,
        before=before,
        after=after,
        comment=comment,
    )
    return PlanVersionView(plan.customer_id, version, actor.name, now, comment)


def latest_plan(
    session: Session, customer_id: str, version: int | None = None
) -> AccountPlan | None:
    """The kept plan of ``customer_id`` (its current version, or ``version``); None if none."""
    record = session.scalar(
        select(AccountPlanRecord).where(AccountPlanRecord.customer_id == customer_id)
    )
    if record is None:
        return None
    wanted = record.current_version if version is None else version
    row = session.scalar(
        select(AccountPlanVersion).where(
            AccountPlanVersion.plan_id == record.id, AccountPlanVersion.version == wanted
        )
    )
    if row is None:
        raise NotFound(
            f"the plan of customer {customer_id} has no version {wanted}; "
            f"versions 1..{record.current_version} exist"
        )
    return plan_from_dict(row.content, source=f"plan of {customer_id}, version {wanted}")


def plan_versions(session: Session, customer_id: str) -> list[PlanVersionView]:
    rows = session.execute(
        select(AccountPlanVersion)
        .join(AccountPlanRecord, AccountPlanRecord.id == AccountPlanVersion.plan_id)
        .where(AccountPlanRecord.customer_id == customer_id)
        .order_by(AccountPlanVersion.version)
    ).scalars()
    return [
        PlanVersionView(customer_id, r.version, r.author, r.created_at, r.comment) for r in rows
    ]


def open_plan_actions(
    session: Session, owner: str, *, due_by: date | None = None
) -> list[PlanActionView]:
    """The open actions of kept account plans that ``owner`` carries (due first): what the
    daily agenda lists for that person. ``due_by`` keeps those due on or before a day."""
    query = select(AccountPlanAction).where(
        AccountPlanAction.owner == owner, AccountPlanAction.status == "open"
    )
    if due_by is not None:
        query = query.where(AccountPlanAction.due <= due_by)
    rows = session.scalars(
        query.order_by(
            AccountPlanAction.due, AccountPlanAction.customer_id, AccountPlanAction.action_key
        )
    )
    return [_action_view(r) for r in rows]


def _action_view(r: AccountPlanAction) -> PlanActionView:
    return PlanActionView(
        r.customer_id, r.action_key, r.objective, r.title, r.owner, r.due, r.status
    )


@dataclass(frozen=True)
class PlanStatus:
    """The leader's view of the strategic accounts' plans."""

    no_plan: list[str]
    stale: list[dict[str, Any]]
    overdue: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"no_plan": self.no_plan, "stale": self.stale, "overdue": self.overdue}


def plan_status(
    session: Session, strategic: list[str], *, today: date, stale_after_days: int
) -> PlanStatus:
    """Which of the ``strategic`` customers have no plan, a plan older than
    ``stale_after_days``, or open actions due before ``today``."""
    wanted = set(strategic)  # plans are few (people write them): filter here, not in SQL
    records = {
        r.customer_id: r
        for r in session.scalars(select(AccountPlanRecord))
        if r.customer_id in wanted
    }
    no_plan = [c for c in strategic if c not in records]
    limit = today - timedelta(days=stale_after_days)
    stale = [
        {
            "customer_id": c,
            "updated_at": r.updated_at.date().isoformat(),
            "days": (today - r.updated_at.date()).days,
            "owner": r.owner,
        }
        for c, r in sorted(records.items())
        if r.updated_at.date() < limit
    ]
    rows = session.scalars(
        select(AccountPlanAction)
        .where(AccountPlanAction.status == "open", AccountPlanAction.due < today)
        .order_by(AccountPlanAction.due, AccountPlanAction.customer_id)
    )
    overdue = [_action_view(r).as_dict() for r in rows if r.customer_id in wanted]
    return PlanStatus(no_plan, stale, overdue)
