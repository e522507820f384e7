"""The users page (admins): add, disable, reset a password, set role and manager."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from tierwise.web.auth import DbDep, UserDep
from tierwise.web.deps import TemplatesDep, ViewerDep
from tierwise.web.services import users as service
from tierwise.workspace import users

router = APIRouter(include_in_schema=False)

NameF = Annotated[str, Form(min_length=1, max_length=200)]
PasswordF = Annotated[str, Form(min_length=1, max_length=1000)]


@router.get("/users")
def users_page(
    request: Request,
    db: DbDep,
    viewer: ViewerDep,
    templates: TemplatesDep,
    done: Annotated[str | None, Query(max_length=20)] = None,
    user: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    people = service.listing(db, viewer)
    note = None
    if done in service.DONE:
        named = next((p.name for p in people if p.id == user), None)
        note = f"{named} {service.DONE[done]}" if named else None
    return templates.TemplateResponse(
        request,
        "users.html.j2",
        {"people": people, "roles": service.ROLES, "note": note, "active": "users"},
    )


@router.post("/users")
def add_user(
    db: DbDep,
    viewer: ViewerDep,
    actor: UserDep,
    name: NameF,
    role: Annotated[str, Form(max_length=20)],
    password: PasswordF,
    email: Annotated[str | None, Form(max_length=200)] = None,
    manager: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    service.require_admin(viewer)
    added = users.add(
        db,
        actor,
        name=name,
        role=role,
        password=password,
        manager=manager or None,
        email=(email or "").strip() or None,
    )
    return RedirectResponse(f"/users?done=added&user={added.id}", 303)


def _done(user_id: int, what: str) -> Response:
    return RedirectResponse(f"/users?done={what}&user={user_id}#u{user_id}", 303)


@router.post("/users/{user_id}/disable")
def disable(user_id: int, db: DbDep, viewer: ViewerDep, actor: UserDep) -> Response:
    service.act(db, viewer, actor, user_id, "disable", "")
    return _done(user_id, "disabled")


@router.post("/users/{user_id}/password")
def reset_password(
    user_id: int, db: DbDep, viewer: ViewerDep, actor: UserDep, password: PasswordF
) -> Response:
    service.act(db, viewer, actor, user_id, "password", password)
    return _done(user_id, "password")


@router.post("/users/{user_id}/role")
def set_role(
    user_id: int,
    db: DbDep,
    viewer: ViewerDep,
    actor: UserDep,
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    service.act(db, viewer, actor, user_id, "role", role)
    return _done(user_id, "role")


@router.post("/users/{user_id}/manager")
def set_manager(
    user_id: int,
    db: DbDep,
    viewer: ViewerDep,
    actor: UserDep,
    manager: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    service.act(db, viewer, actor, user_id, "manager", manager)
    return _done(user_id, "manager")
