"""The users page's service: admins list, add, disable, reset passwords, and set roles and
managers. The rules (who may change whom, audit, sessions ending) are the workspace's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tierwise.web.services.errors import Forbidden, NotFound
from tierwise.web.services.viewer import Viewer
from tierwise.workspace import users
from tierwise.workspace.models import ROLES, User

#: What a finished action says on the page (the redirect carries only the key).
DONE = {
    "added": "added",
    "disabled": "disabled; their sessions ended",
    "password": "has a new password; their sessions ended",
    "role": "has a new role; their sessions ended",
    "manager": "has a new manager",
}


def require_admin(viewer: Viewer) -> None:
    if viewer.role != "admin":
        raise Forbidden(f"{viewer.name} is a {viewer.role}; the users page is for admins")


def listing(db: Session, viewer: Viewer) -> list[users.UserView]:
    require_admin(viewer)
    return users.list_all(db)


def target(db: Session, viewer: Viewer, user_id: int) -> User:
    """The user an action is about (an admin asks; the workspace decides the rest)."""
    require_admin(viewer)
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}; the users page lists them")
    return user


def act(db: Session, viewer: Viewer, actor: User, user_id: int, action: str, value: str) -> User:
    """Apply one action (disable, password, role, manager) to the user ``user_id``."""
    user = target(db, viewer, user_id)
    if action == "disable":
        users.disable(db, actor, user.name)
    elif action == "password":
        users.reset_password(db, actor, user.name, value)
    elif action == "role":
        users.set_role(db, actor, user.name, value)
    elif action == "manager":
        users.set_manager(db, actor, user.name, value or None)
    else:  # the routes pass only the actions above
        raise NotFound(f"no action {action!r} on users")
    return user


__all__ = ["DONE", "ROLES", "act", "listing", "require_admin", "target"]
