"""Tier overrides: request, approve, reject, recall, expire (CONTRACT §5).

The rules, checked here so every interface gets them: a reason code from the policy's
list and a free-text reason; no one decides their own request; a rep requests only for
the accounts they own (the owner in the latest registered run's scorecard); one open
(pending or approved) override per customer, held by a unique index too; a manager
decides for their own team, a leader or admin for anyone; analysts change nothing.

A decision is a conditional ``UPDATE … WHERE status = 'pending'``: of two people
deciding at once, one changes the row and the other gets a clear refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tierwise.workspace import audit
from tierwise.workspace.errors import BadRequest, Conflict, NotAllowed, NotFound
from tierwise.workspace.models import OPEN_STATUSES, OVERRIDE_STATUSES, Override, Position, User
from tierwise.workspace.permissions import REQUESTERS, require_may_decide, require_role, team_ids
from tierwise.workspace.runs import latest_run, policy_of
from tierwise.workspace.users import owns

#: Columns of the frame the pipeline applies (``approved_frame``).
APPLY_COLUMNS = ("customer_id", "override_id", "tier", "reason", "approved_model_tier")


@dataclass(frozen=True)
class OverrideView:
    """An override as interfaces show it."""

    id: int
    customer_id: str
    tier: str
    model_tier: str | None
    approved_model_tier: str | None
    reason_code: str
    reason: str
    status: str
    requested_by: str
    requested_at: str
    review_by: str | None
    decided_by: str | None
    decided_at: str | None
    comment: str | None
    run_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def view(session: Session, o: Override) -> OverrideView:
    requester = session.get(User, o.requested_by)
    decider = session.get(User, o.decided_by) if o.decided_by else None
    return OverrideView(
        id=o.id,
        customer_id=o.customer_id,
        tier=o.tier,
        model_tier=o.model_tier,
        approved_model_tier=o.approved_model_tier,
        reason_code=o.reason_code,
        reason=o.reason,
        status=o.status,
        requested_by=requester.name if requester else "?",
        requested_at=_iso(o.requested_at) or "",
        review_by=o.review_by.isoformat() if o.review_by else None,
        decided_by=decider.name if decider else None,
        decided_at=_iso(o.decided_at),
        comment=o.comment,
        run_id=o.run_id,
    )


def _state(o: Override) -> dict[str, Any]:
    return {
        "status": o.status,
        "tier": o.tier,
        "model_tier": o.model_tier,
        "review_by": o.review_by.isoformat() if o.review_by else None,
    }


def get(session: Session, override_id: int) -> Override:
    found = session.get(Override, override_id)
    if found is None:
        raise NotFound(
            f"unknown override {override_id}; `tierwise override list` shows the overrides"
        )
    return found


def request(
    session: Session,
    actor: User,
    *,
    customer_id: str,
    tier: str,
    reason: str,
    reason_code: str | None = None,
    review_by: date | None = None,
    today: date | None = None,
) -> OverrideView:
    """Ask to serve ``customer_id`` at ``tier``; pending until someone else decides."""
    require_role(actor, REQUESTERS, "request overrides")
    today = today or datetime.now(UTC).date()
    run = latest_run(session)
    if run is None:
        raise NotFound(
            "no run is registered in this workspace; run `tierwise analyze BOOK --db URL` "
            "first, so tierwise knows the customers and their tiers"
        )
    position = session.get(Position, (run.id, customer_id))
    if position is None:
        raise NotFound(
            f"unknown customer {customer_id!r}: not in the latest run (run {run.id}, "
            f"{run.book_id} as of {run.as_of}); check the id in its scorecard"
        )
    settings = policy_of(run)
    if tier not in settings.tiers:
        raise BadRequest(
            f"unknown tier {tier!r}; the policy's tiers are {', '.join(settings.tiers)}"
        )
    if tier == position.model_tier:
        raise BadRequest(
            f"customer {customer_id!r} is in tier {tier!r} already by the model; "
            "an override asks for another tier"
        )
    code = reason_code or settings.default_code
    if code not in settings.reason_codes:
        raise BadRequest(
            f"unknown reason code {code!r}; the policy's codes are "
            f"{', '.join(settings.reason_codes)} (overrides.reason_codes)"
        )
    if not reason or not reason.strip():
        raise BadRequest("an override needs a reason: say why with --reason TEXT")
    if review_by is not None and review_by <= today:
        raise BadRequest(
            f"review-by date {review_by} is not in the future (today is {today}); "
            "give a later date or leave it out"
        )
    if actor.role == "rep" and not owns(actor, position.owner):
        raise NotAllowed(
            f"user {actor.name!r} is a rep and customer {customer_id!r} is owned by "
            f"{position.owner or 'no one'!r}; a rep requests overrides for their own accounts"
        )
    if actor.role == "manager" and not _team_owns(session, actor, position.owner):
        raise NotAllowed(
            f"customer {customer_id!r} is owned by {position.owner or 'no one'!r}, who is not "
            f"in {actor.name!r}'s team; ask a leader"
        )
    _refuse_second_open(session, customer_id)
    override = Override(
        customer_id=customer_id,
        tier=tier,
        model_tier=position.model_tier or position.tier,
        reason_code=code,
        reason=reason.strip(),
        status="pending",
        requested_by=actor.id,
        requested_at=audit.now(),
        review_by=review_by,
        run_id=run.id,
    )
    session.add(override)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # someone else opened one in the meantime
        _refuse_second_open(session, customer_id)
        raise
    audit.record(
        session,
        actor=actor.name,
        action="override.request",
        object_type="override",
        object_id=override.id,
        customer_id=customer_id,
        after={**_state(override), "reason_code": code, "reason": override.reason},
        run_id=run.id,
    )
    return view(session, override)


def _team_owns(session: Session, manager: User, owner: str | None) -> bool:
    if owns(manager, owner):
        return True
    members = session.scalars(select(User).where(User.id.in_(team_ids(session, manager))))
    return any(owns(m, owner) for m in members)


def _refuse_second_open(session: Session, customer_id: str) -> None:
    open_one = session.scalars(
        select(Override).where(
            Override.customer_id == customer_id, Override.status.in_(OPEN_STATUSES)
        )
    ).first()
    if open_one is not None:
        raise Conflict(
            f"customer {customer_id!r} has an open override already (#{open_one.id}, "
            f"{open_one.status}); decide or recall it before asking again"
        )


def approve(
    session: Session, actor: User, override_id: int, comment: str | None = None
) -> OverrideView:
    """Approve a pending request: from the next run on, the customer is served at its tier."""
    return _decide(session, actor, override_id, "approved", comment)


def reject(session: Session, actor: User, override_id: int, comment: str) -> OverrideView:
    """Reject a pending request; a comment saying why is required."""
    if not comment or not comment.strip():
        raise BadRequest("a rejection needs a comment saying why: --comment TEXT")
    return _decide(session, actor, override_id, "rejected", comment)


def _decide(
    session: Session, actor: User, override_id: int, status: str, comment: str | None
) -> OverrideView:
    override = get(session, override_id)
    verb = "approve" if status == "approved" else "reject"
    requester = session.get(User, override.requested_by)
    assert requester is not None
    require_may_decide(session, actor, requester, verb)
    if override.status != "pending":
        raise _closed(session, override, verb)
    before = _state(override)
    run = latest_run(session)
    model_now = None
    if run is not None:
        position = session.get(Position, (run.id, override.customer_id))
        model_now = (position.model_tier or position.tier) if position else None
    values: dict[str, Any] = {
        "status": status,
        "decided_by": actor.id,
        "decided_at": audit.now(),
        "comment": comment,
    }
    if status == "approved":
        values["approved_model_tier"] = model_now or override.model_tier
    if not _transition(
        session,
        override,
        ("pending",),
        values,
        actor=actor.name,
        action=f"override.{verb}",
        before=before,
        run_id=run.id if run else None,
        comment=comment,
    ):
        raise _closed(session, override, verb)
    return view(session, override)


def _transition(
    session: Session,
    override: Override,
    from_statuses: tuple[str, ...],
    values: dict[str, Any],
    *,
    actor: str,
    action: str,
    before: dict[str, Any],
    run_id: int | None = None,
    comment: str | None = None,
) -> bool:
    """Move ``override`` on only if it is still in ``from_statuses`` (a conditional UPDATE
    checked by its row count, so of two concurrent deciders one wins), and audit the move;
    False when someone else moved it first."""
    changed = session.execute(
        update(Override)
        .where(Override.id == override.id, Override.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        session.expire(override)
        return False
    session.refresh(override)
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="override",
        object_id=override.id,
        customer_id=override.customer_id,
        before=before,
        after=_state(override),
        run_id=run_id,
        comment=comment,
    )
    return True


def _closed(session: Session, override: Override, verb: str) -> Conflict:
    session.refresh(override)
    decider = session.get(User, override.decided_by) if override.decided_by else None
    by = f" by {decider.name!r}" if decider else ""
    return Conflict(
        f"override {override.id} is {override.status}{by}, no longer pending, so it cannot be "
        f"{verb}d; request a new one if needed"
    )


def recall(
    session: Session, actor: User, override_id: int, comment: str | None = None
) -> OverrideView:
    """Withdraw a pending or approved override: its requester, or someone who may decide it."""
    override = get(session, override_id)
    requester = session.get(User, override.requested_by)
    assert requester is not None
    if actor.id != requester.id:
        require_may_decide(session, actor, requester, "recall")
    else:
        require_role(actor, REQUESTERS, "recall overrides")
    if override.status not in OPEN_STATUSES:
        raise _closed(session, override, "recall")
    if not _transition(
        session,
        override,
        OPEN_STATUSES,
        {
            "status": "recalled",
            "decided_by": actor.id,
            "decided_at": audit.now(),
            "comment": comment,
        },
        actor=actor.name,
        action="override.recall",
        before=_state(override),
        comment=comment,
    ):
        raise _closed(session, override, "recall")
    return view(session, override)


def expire_due(session: Session, today: date, run_id: int | None = None) -> list[OverrideView]:
    """Expire the open overrides whose review-by date has come (actor: tierwise)."""
    due = list(
        session.scalars(
            select(Override).where(
                Override.status.in_(OPEN_STATUSES),
                Override.review_by.is_not(None),
                Override.review_by <= today,
            )
        )
    )
    done = []
    for override in due:
        if _transition(
            session,
            override,
            (override.status,),
            {"status": "expired", "decided_at": audit.now()},
            actor=audit.SYSTEM,
            action="override.expire",
            before=_state(override),
            run_id=run_id,
            comment=f"review-by date {override.review_by} reached",
        ):
            done.append(view(session, override))
    return done


def list_overrides(
    session: Session, status: str | None = None, customer_id: str | None = None
) -> list[OverrideView]:
    if status is not None and status not in OVERRIDE_STATUSES:
        raise BadRequest(f"unknown status {status!r}; use one of {', '.join(OVERRIDE_STATUSES)}")
    query = select(Override).order_by(Override.id)
    if status is not None:
        query = query.where(Override.status == status)
    if customer_id is not None:
        query = query.where(Override.customer_id == customer_id)
    return [view(session, o) for o in session.scalars(query)]


def approved_frame(session: Session) -> pd.DataFrame:
    """The approved overrides, as the pipeline applies them (``APPLY_COLUMNS``)."""
    rows = session.execute(
        select(
            Override.customer_id,
            Override.id,
            Override.tier,
            Override.reason_code,
            Override.reason,
            Override.approved_model_tier,
        ).where(Override.status == "approved")
    ).all()
    return pd.DataFrame(
        [(c, i, t, f"{code}: {text}", m) for c, i, t, code, text, m in rows],
        columns=list(APPLY_COLUMNS),
    )
