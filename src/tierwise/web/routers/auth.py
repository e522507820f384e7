"""Log in (form) and log out. Failed logins, lockouts, logins and logouts are audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from tierwise.web.auth import AuthDep, DbDep
from tierwise.web.deps import SettingsDep, TemplatesDep
from tierwise.web.security import sessions, throttle
from tierwise.workspace import audit, users
from tierwise.workspace.errors import NotAllowed

router = APIRouter(include_in_schema=False)
FAILED = "That name and password do not match an active user."


def safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/login")
def login_form(
    request: Request, templates: TemplatesDep, auth: AuthDep, next: str | None = None
) -> Response:
    if auth is not None and auth.via == "session":
        return RedirectResponse(safe_next(next), 303)
    return templates.TemplateResponse(request, "login.html.j2", {"next": safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    name: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    # Every outcome returns a response (nothing raises), so the request's transaction
    # commits the throttle counts and the audit rows of failures too.
    address = request.client.host if request.client else None
    keys = throttle.keys(name, address)
    at = sessions.now()
    wait = throttle.locked_for(db, keys, at)
    if wait:
        audit.record(
            db,
            actor=name[:200],
            action="login.locked",
            object_type="session",
            comment=f"refused for {wait} s more after repeated failures",
        )
        message = f"Too many failed attempts; try again in {wait} seconds."
        return _form_again(request, templates, next, 429, message, {"Retry-After": str(wait)})
    try:
        user = users.authenticate(db, name, password)
    except NotAllowed:
        throttle.failed(db, keys, settings, at)
        audit.record(db, actor=name[:200], action="login.failed", object_type="session")
        return _form_again(request, templates, next, 401, FAILED)
    old = request.cookies.get(settings.session_cookie)
    if old:
        sessions.end(db, old, "replaced at login")
    started = sessions.start(db, user, at)
    throttle.succeeded(db, keys)
    audit.record(db, actor=user.name, action="login", object_type="session")
    response = RedirectResponse(safe_next(next), 303)
    response.set_cookie(
        settings.session_cookie,
        started.token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


def _form_again(
    request: Request,
    templates: TemplatesDep,
    next: str | None,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    return templates.TemplateResponse(
        request,
        "login.html.j2",
        {"next": safe_next(next), "error": message},
        status_code=status,
        headers=headers,
    )


@router.post("/logout")
def logout(request: Request, db: DbDep, settings: SettingsDep, auth: AuthDep) -> Response:
    cookie = request.cookies.get(settings.session_cookie)
    if cookie:
        ended = sessions.end(db, cookie)
        if ended is not None and auth is not None:
            audit.record(db, actor=auth.user.name, action="logout", object_type="session")
    response = RedirectResponse("/login", 303)
    response.delete_cookie(
        settings.session_cookie, path="/", secure=settings.secure_cookies, httponly=True
    )
    return response
