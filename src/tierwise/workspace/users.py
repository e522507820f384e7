"""Users, roles, passwords and API tokens.

Passwords are hashed with argon2 (argon2-cffi); API tokens are random and only their
SHA-256 is stored. Every change is audited in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from tierwise.workspace import audit
from tierwise.workspace.errors import BadRequest, Conflict, NotAllowed, NotFound
from tierwise.workspace.models import ROLES, ApiToken, User
from tierwise.workspace.permissions import require_active, require_may_manage_users, team_ids
from tierwise.workspace.web_tables import WebSession

MIN_PASSWORD = 8
TOKEN_PREFIX = "tw_"
_hasher = PasswordHasher()


@dataclass(frozen=True)
class UserView:
    """A user as interfaces show it (no password hash)."""

    id: int
    name: str
    email: str | None
    role: str
    manager: str | None
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def get(session: Session, name: str) -> User:
    """The user called ``name`` (or with that email)."""
    user = session.scalars(
        select(User).where(or_(User.name == name, func.lower(User.email) == name.lower()))
    ).first()
    if user is None:
        raise NotFound(
            f"unknown user {name!r}; `tierwise users list` shows who exists, "
            "`tierwise users add NAME --role ROLE` adds one"
        )
    return user


def acting(session: Session, name: str) -> User:
    """The active user acting under ``name``."""
    user = get(session, name)
    require_active(user)
    return user


def view(session: Session, user: User) -> UserView:
    manager = session.get(User, user.manager_id) if user.manager_id else None
    return UserView(
        user.id, user.name, user.email, user.role, manager.name if manager else None, user.active
    )


def add(
    session: Session,
    actor: User | None,
    *,
    name: str,
    role: str,
    password: str,
    manager: str | None = None,
    email: str | None = None,
) -> UserView:
    """Add a user. The first user of a workspace needs no actor; after that an admin or
    leader adds users (only an admin adds admins)."""
    name = name.strip()
    if not name:
        raise BadRequest("a user needs a name; give NAME, e.g. `tierwise users add rosa ...`")
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    _check_password(name, password)
    first = session.scalar(select(func.count()).select_from(User)) == 0
    if actor is None and not first:
        raise NotAllowed(
            "the workspace has users already; add users as an admin or leader with --as NAME"
        )
    if actor is not None:
        require_may_manage_users(actor, role)
    if session.scalars(select(User.id).where(User.name == name)).first() is not None:
        raise Conflict(f"user {name!r} exists already; pick another name")
    if (
        email
        and session.scalars(select(User.id).where(func.lower(User.email) == email.lower())).first()
    ):
        raise Conflict(f"email {email!r} belongs to another user already")
    boss = get(session, manager) if manager else None
    user = User(
        name=name,
        email=email or None,
        role=role,
        manager_id=boss.id if boss else None,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=audit.now(),
    )
    session.add(user)
    session.flush()
    shown = view(session, user)
    audit.record(
        session,
        actor=actor.name if actor else audit.SYSTEM,
        action="user.add",
        object_type="user",
        object_id=user.name,
        after={k: v for k, v in shown.as_dict().items() if k != "id"},
        comment=None if actor else "the workspace's first user",
    )
    return shown


def list_all(session: Session) -> list[UserView]:
    return [view(session, u) for u in session.scalars(select(User).order_by(User.name))]


def disable(session: Session, actor: User, name: str) -> UserView:
    """Disable a user: they can no longer act or log in; their history stays."""
    require_may_manage_users(actor)
    user = get(session, name)
    if user.id == actor.id:
        raise NotAllowed(f"user {actor.name!r} may not disable themselves; ask another admin")
    if user.role == "admin" and actor.role != "admin":
        raise NotAllowed(f"only an admin may disable admin {user.name!r}")
    if not user.active:
        raise Conflict(f"user {name!r} is disabled already")
    user.active = False
    ended = end_sessions(session, user, "user disabled")
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = audit.now()
    audit.record(
        session,
        actor=actor.name,
        action="user.disable",
        object_type="user",
        object_id=user.name,
        before={"active": True},
        after={"active": False},
        comment=f"{ended} browser sessions ended" if ended else None,
    )
    return view(session, user)


def end_sessions(session: Session, user: User, reason: str) -> int:
    """End every live browser session of ``user`` (the web app's); returns how many."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=audit.now(), end_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _managed_by(actor: User, user: User, doing: str) -> None:
    """``actor`` may change ``user``: an admin or leader, only an admin for an admin,
    never on themselves (an admin cannot lock themselves out)."""
    require_may_manage_users(actor, user.role)
    if user.id == actor.id:
        raise NotAllowed(f"user {actor.name!r} may not {doing} themselves; ask another admin")


def _check_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadRequest(
            f"the password of {name!r} is {len(password)} characters; use at least {MIN_PASSWORD}"
        )


def reset_password(session: Session, actor: User, name: str, password: str) -> UserView:
    """Set a new password for ``name``; every browser session of theirs ends (API tokens,
    separate credentials, stay until revoked)."""
    user = get(session, name)
    _managed_by(actor, user, "reset the password of")
    _check_password(user.name, password)
    user.password_hash = _hasher.hash(password)
    ended = end_sessions(session, user, "password reset")
    audit.record(
        session,
        actor=actor.name,
        action="user.password_reset",
        object_type="user",
        object_id=user.name,
        comment=f"{ended} browser sessions ended",
    )
    return view(session, user)


def set_role(session: Session, actor: User, name: str, role: str) -> UserView:
    """Give ``name`` another role; their sessions end, so they log in again under it."""
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    user = get(session, name)
    _managed_by(actor, user, "change the role of")
    require_may_manage_users(actor, role)
    if user.role == role:
        raise Conflict(f"user {user.name!r} is a {role} already")
    before = user.role
    user.role = role
    ended = end_sessions(session, user, "role changed")
    audit.record(
        session,
        actor=actor.name,
        action="user.role",
        object_type="user",
        object_id=user.name,
        before={"role": before},
        after={"role": role},
        comment=f"{ended} browser sessions ended" if ended else None,
    )
    return view(session, user)


def set_manager(session: Session, actor: User, name: str, manager: str | None) -> UserView:
    """Put ``name`` in ``manager``'s team (None: no manager). Sessions stay: a manager's
    team is read at every request."""
    user = get(session, name)
    _managed_by(actor, user, "change the manager of")
    boss = get(session, manager) if manager else None
    if boss is not None and (boss.id == user.id or boss.id in team_ids(session, user)):
        raise BadRequest(
            f"{boss.name!r} reports to {user.name!r} (or is them), so cannot be their manager"
        )
    old = session.get(User, user.manager_id) if user.manager_id else None
    if (old.id if old else None) == (boss.id if boss else None):
        raise Conflict(f"the manager of {user.name!r} is {boss.name if boss else 'nobody'} already")
    user.manager_id = boss.id if boss else None
    audit.record(
        session,
        actor=actor.name,
        action="user.manager",
        object_type="user",
        object_id=user.name,
        before={"manager": old.name if old else None},
        after={"manager": boss.name if boss else None},
    )
    return view(session, user)


def authenticate(session: Session, name: str, password: str) -> User:
    """The active user whose name (or email) and password match; else NotAllowed."""
    try:
        user = get(session, name)
        if not user.password_hash:
            raise NotAllowed("no password")
        _hasher.verify(user.password_hash, password)
    except (NotFound, NotAllowed, VerificationError, InvalidHashError):
        raise NotAllowed("unknown user or wrong password") from None
    require_active(user)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: User, name: str) -> tuple[int, str]:
    """A new API token for ``name`` (themselves, or anyone for an admin); shown once."""
    user = get(session, name)
    require_active(user)
    if actor.id != user.id:
        require_may_manage_users(actor, user.role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_digest(token), created_at=audit.now())
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.name,
        action="token.create",
        object_type="token",
        object_id=row.id,
        after={"user": user.name},
    )
    return row.id, token


def revoke_token(session: Session, actor: User, name: str, token_id: int) -> None:
    user = get(session, name)
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(f"user {name!r} has no token {token_id}")
    if actor.id != user.id:
        require_may_manage_users(actor, user.role)
    if token.revoked_at is not None:
        raise Conflict(f"token {token_id} of {name!r} is revoked already")
    token.revoked_at = audit.now()
    audit.record(
        session,
        actor=actor.name,
        action="token.revoke",
        object_type="token",
        object_id=token_id,
        before={"user": user.name, "revoked": False},
        after={"user": user.name, "revoked": True},
    )


def user_for_token(session: Session, token: str) -> User:
    """The active user a bearer token belongs to; else NotAllowed."""
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        raise NotAllowed("unknown or revoked token")
    user = session.get(User, row.user_id)
    assert user is not None
    require_active(user)
    return user


def match_owners(session: Session, owners: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map the book's owner names to users by exact name or email (case aside): the
    matched ones as {owner: user name}, and the owners no user matches, never guessed."""
    users = list(session.scalars(select(User)))
    by_key: dict[str, str] = {}
    for u in users:
        by_key[u.name.casefold()] = u.name
        if u.email:
            by_key[u.email.casefold()] = u.name
    matched, unmatched = {}, []
    for owner in sorted({o.strip() for o in owners if o and o.strip()}):
        hit = by_key.get(owner.casefold())
        if hit:
            matched[owner] = hit
        else:
            unmatched.append(owner)
    return matched, unmatched


def owns(user: User, owner: str | None) -> bool:
    """Does the book's ``owner`` value name this user (by name or email)?"""
    if not owner:
        return False
    key = owner.strip().casefold()
    return key == user.name.casefold() or (user.email is not None and key == user.email.casefold())
