"""Overrides as the web app shows them: an account's history, the approvals queue with the
evidence beside each request, and the list the API returns, each cut to what the viewer
may see. Requests and decisions are the workspace's own services (its rules apply)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierwise.web.services.errors import Forbidden
from tierwise.web.services.viewer import BOOK_WIDE, Viewer
from tierwise.workspace import overrides
from tierwise.workspace.models import Override, Position, User
from tierwise.workspace.permissions import APPROVERS, REQUESTERS, team_ids
from tierwise.workspace.runs import latest_run, policy_of

#: Scorecard columns shown beside a request in the approvals queue.
EVIDENCE = ("name", "owner", "tier", "strategic_score", "net_profit", "clv", "reasons")


@dataclass
class RequestForm:
    """What the "request a different tier" form offers, or why it is not offered."""

    tiers: tuple[str, ...]
    reason_codes: tuple[str, ...]
    default_code: str | None
    open_request: overrides.OverrideView | None
    allowed: bool


@dataclass
class Pending:
    override: overrides.OverrideView
    evidence: dict[str, Any]


def history(db: Session, customer_id: str) -> list[overrides.OverrideView]:
    """Every override of one customer, newest first (the caller checked the account)."""
    return list(reversed(overrides.list_overrides(db, customer_id=customer_id)))


def request_form(db: Session, viewer: Viewer, customer_id: str) -> RequestForm:
    run = latest_run(db)
    policy = policy_of(run) if run is not None else None
    open_ = next((o for o in history(db, customer_id) if o.status in ("pending", "approved")), None)
    return RequestForm(
        tiers=policy.tiers if policy else (),
        reason_codes=policy.reason_codes if policy else (),
        default_code=policy.default_code if policy else None,
        open_request=open_,
        allowed=run is not None and viewer.role in REQUESTERS and open_ is None,
    )


def open_customer_ids(db: Session) -> frozenset[str]:
    """Customers with a pending or approved override (the accounts table's filter)."""
    rows = db.scalars(
        select(Override.customer_id).where(Override.status.in_(("pending", "approved")))
    )
    return frozenset(rows)


def pending_for(
    db: Session, user: User, viewer: Viewer, scorecard: ir.Table | None
) -> list[Pending]:
    """Requests waiting for this person: a manager's team's, or everyone's for a leader or
    admin; never their own. Each with the scorecard's evidence of the latest run."""
    if viewer.role not in APPROVERS:
        raise Forbidden("approvals are for managers, leaders and admins")
    waiting = overrides.list_overrides(db, status="pending")
    requesters = {u.name: u.id for u in db.scalars(select(User))}
    if viewer.role == "manager":
        team = team_ids(db, user)
        waiting = [o for o in waiting if requesters.get(o.requested_by) in team]
    waiting = [o for o in waiting if o.requested_by != user.name]
    evidence: dict[str, dict[str, Any]] = {}
    if scorecard is not None and waiting:
        ids = sorted({o.customer_id for o in waiting})
        cols = [c for c in ("customer_id", *EVIDENCE) if c in scorecard.columns]
        rows = scorecard.filter(scorecard.customer_id.isin(ids)).select(cols).to_pyarrow()
        evidence = {r["customer_id"]: r for r in rows.to_pylist()}
    return [Pending(o, evidence.get(o.customer_id, {})) for o in waiting]


def visible(
    db: Session, viewer: Viewer, status: str | None, customer_id: str | None
) -> list[overrides.OverrideView]:
    """The overrides the viewer may see: all for book-wide roles, else those of the accounts
    in their scope (by the owner in the latest run) or requested by them."""
    found = overrides.list_overrides(db, status=status, customer_id=customer_id)
    if viewer.role in BOOK_WIDE:
        return found
    run = latest_run(db)
    owners: dict[str, str | None] = {}
    if run is not None and found:
        ids = sorted({o.customer_id for o in found})
        owners = dict(
            db.execute(
                select(Position.customer_id, Position.owner).where(
                    Position.run_id == run.id, Position.customer_id.in_(ids)
                )
            ).all()
        )
    return [
        o
        for o in found
        if o.requested_by == viewer.name or viewer.sees_owner(owners.get(o.customer_id))
    ]
