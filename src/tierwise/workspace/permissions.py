"""Who may do what: the one place the roles' rules live, so every interface gets them.

Roles: ``admin`` (everything), ``leader`` (whole book; approves for anyone; manages
users other than admins), ``manager`` (approves for their team), ``rep`` (their own
accounts), ``analyst`` (reads everything, changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierwise.workspace.errors import NotAllowed
from tierwise.workspace.models import User

APPROVERS = ("admin", "leader", "manager")
REQUESTERS = ("admin", "leader", "manager", "rep")
USER_MANAGERS = ("admin", "leader")


def require_active(actor: User) -> None:
    if not actor.active:
        raise NotAllowed(
            f"user {actor.name!r} is disabled; an admin can add a new account for them"
        )


def require_role(actor: User, roles: Iterable[str], doing: str) -> None:
    """Refuse unless the actor is active and has one of ``roles``."""
    require_active(actor)
    roles = tuple(roles)
    if actor.role not in roles:
        raise NotAllowed(
            f"user {actor.name!r} is a {actor.role} and may not {doing}; "
            f"that needs the role {' or '.join(roles)}"
        )


def team_ids(session: Session, manager: User) -> set[int]:
    """Ids of everyone who reports to ``manager``, directly or not (not the manager)."""
    found: set[int] = set()
    frontier = {manager.id}
    while frontier:
        below = set(session.scalars(select(User.id).where(User.manager_id.in_(frontier))))
        frontier = below - found - {manager.id}
        found |= frontier
    return found


def require_may_manage_users(actor: User, role: str | None = None) -> None:
    require_role(actor, USER_MANAGERS, "add, change or disable users")
    if role == "admin" and actor.role != "admin":
        raise NotAllowed(f"user {actor.name!r} is a leader; only an admin may add another admin")


def require_may_decide(session: Session, actor: User, requester: User, doing: str) -> None:
    """Approve or reject: a manager for their own team, a leader or admin for anyone,
    never one's own request."""
    require_role(actor, APPROVERS, doing)
    if actor.id == requester.id:
        raise NotAllowed(
            f"user {actor.name!r} requested this override and may not {doing} it; "
            "ask their manager or a leader"
        )
    if actor.role == "manager" and requester.id not in team_ids(session, actor):
        raise NotAllowed(
            f"user {actor.name!r} manages a team that {requester.name!r} is not in, so may "
            f"not {doing} their request; ask {requester.name!r}'s manager or a leader"
        )
