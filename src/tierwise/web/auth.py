"""Who is asking: a bearer token (scripts) or the session cookie (people), resolved once per
request; and the CSRF guard every route runs (it does nothing on safe methods).

The database session of a request is one transaction (the workspace's), closed when the
route returns, before the response is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierwise.web.security import csrf, sessions
from tierwise.web.services.errors import NotLoggedIn
from tierwise.web.services.viewer import Viewer
from tierwise.web.settings import WebSettings
from tierwise.workspace.errors import NotAllowed
from tierwise.workspace.models import User
from tierwise.workspace.permissions import team_ids


@dataclass
class Auth:
    """An authenticated request: the user, how they proved it, and the session's CSRF token."""

    user: User
    viewer: Viewer
    via: str  # "session" | "token"
    csrf_token: str | None = None


def db_session(request: Request) -> Iterator[Session]:
    with request.app.state.workspace.transaction() as session:
        yield session


DbDep = Annotated[Session, Depends(db_session, scope="function")]


def viewer_of(db: Session, user: User) -> Viewer:
    """The services' view of a user; a manager's team is everyone below them."""
    team: set[str] = set()
    if user.role == "manager":
        ids = team_ids(db, user)
        if ids:
            for name, email in db.execute(select(User.name, User.email).where(User.id.in_(ids))):
                team.add(name)
                if email:
                    team.add(email)
    return Viewer(user.id, user.name, user.role, frozenset(team), user.email)


def authenticate(request: Request, db: DbDep) -> Auth | None:
    """The request's user from ``Authorization: Bearer`` or the session cookie, else None."""
    settings: WebSettings = request.app.state.settings
    header = request.headers.get("authorization")
    auth: Auth | None = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            from tierwise.workspace import users

            try:
                user = users.user_for_token(db, token.strip())
            except NotAllowed:
                request.state.auth_problem = "the bearer token is unknown, revoked or disabled"
                return None
            auth = Auth(user, viewer_of(db, user), "token")
    if auth is None:
        cookie = request.cookies.get(settings.session_cookie)
        if cookie:
            found = sessions.load(db, cookie, settings)
            if found is None:
                request.state.auth_problem = "your session has ended; log in again"
            else:
                row, user = found
                auth = Auth(user, viewer_of(db, user), "session", row.csrf_token)
    request.state.auth = auth
    request.state.viewer = auth.viewer if auth else None
    return auth


AuthDep = Annotated[Auth | None, Depends(authenticate)]


def current_viewer(request: Request, auth: AuthDep) -> Viewer:
    """The logged-in person; 401 (the API) or the login page (a browser) otherwise."""
    if auth is None:
        problem = getattr(request.state, "auth_problem", None)
        raise NotLoggedIn(problem or "log in first (a session cookie, or a bearer token)")
    return auth.viewer


#: Routes that start a session: only the origin check applies (there is no token yet, and a
#: login replaces whatever session the browser had).
NO_TOKEN_PATHS = frozenset({"/login"})


async def csrf_guard(request: Request, auth: AuthDep) -> None:
    """Every state-changing request: same-site origin, and the session's token if by cookie."""
    by_cookie = auth is not None and auth.via == "session"
    expected = auth.csrf_token if by_cookie and auth is not None else None
    if request.url.path in NO_TOKEN_PATHS:
        expected = None
    await csrf.check(request, expected)


def current_user(auth: AuthDep) -> User:
    if auth is None:
        raise NotLoggedIn("log in first")
    return auth.user


UserDep = Annotated[User, Depends(current_user)]
