"""Overrides: the API (GET|POST /api/v1/overrides, approve, reject), the request form on the
account page and the approvals page. Routes parse, call a service, render."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from tierwise.web.auth import DbDep, UserDep
from tierwise.web.deps import CatalogDep, StoreDep, TemplatesDep, ViewerDep
from tierwise.web.services import overrides as service
from tierwise.web.services.accounts import get_account
from tierwise.web.services.errors import BadInput
from tierwise.workspace import overrides

api = APIRouter(prefix="/api/v1", tags=["overrides"])
pages = APIRouter(include_in_schema=False)


class OverrideOut(BaseModel):
    id: int
    customer_id: str
    tier: str
    model_tier: str | None
    reason_code: str
    reason: str
    status: str
    requested_by: str
    requested_at: str
    review_by: str | None
    decided_by: str | None
    decided_at: str | None
    comment: str | None


class OverridesOut(BaseModel):
    items: list[OverrideOut]


class OverrideIn(BaseModel):
    customer_id: str = Field(max_length=200)
    tier: str = Field(max_length=100)
    reason: str = Field(min_length=1, max_length=4000)
    reason_code: str | None = Field(default=None, max_length=100)
    review_by: date | None = None


class DecisionIn(BaseModel):
    comment: str | None = Field(default=None, max_length=4000)


def _out(o: overrides.OverrideView) -> OverrideOut:
    return OverrideOut(**{k: v for k, v in o.as_dict().items() if k in OverrideOut.model_fields})


@api.get("/overrides", response_model=OverridesOut)
def list_overrides(
    db: DbDep,
    viewer: ViewerDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    customer_id: Annotated[str | None, Query(max_length=200)] = None,
) -> OverridesOut:
    return OverridesOut(items=[_out(o) for o in service.visible(db, viewer, status, customer_id)])


@api.post("/overrides", response_model=OverrideOut, status_code=201)
def request_override(
    body: OverrideIn,
    db: DbDep,
    user: UserDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
) -> OverrideOut:
    get_account(store.table(catalog.get(None).path), viewer, body.customer_id)
    made = overrides.request(
        db,
        user,
        customer_id=body.customer_id,
        tier=body.tier,
        reason=body.reason,
        reason_code=body.reason_code,
        review_by=body.review_by,
    )
    return _out(made)


@api.post("/overrides/{override_id}/approve", response_model=OverrideOut)
def approve(override_id: int, body: DecisionIn, db: DbDep, user: UserDep) -> OverrideOut:
    return _out(overrides.approve(db, user, override_id, body.comment))


@api.post("/overrides/{override_id}/reject", response_model=OverrideOut)
def reject(override_id: int, body: DecisionIn, db: DbDep, user: UserDep) -> OverrideOut:
    return _out(overrides.reject(db, user, override_id, body.comment or ""))


@pages.post("/accounts/{customer_id}/overrides")
def request_from_page(
    customer_id: str,
    db: DbDep,
    user: UserDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
    tier: Annotated[str, Form(max_length=100)],
    reason: Annotated[str, Form(max_length=4000)],
    reason_code: Annotated[str | None, Form(max_length=100)] = None,
    review_by: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    get_account(store.table(catalog.get(None).path), viewer, customer_id)
    overrides.request(
        db,
        user,
        customer_id=customer_id,
        tier=tier,
        reason=reason,
        reason_code=reason_code or None,
        review_by=_day(review_by),
    )
    return RedirectResponse(f"/accounts/{customer_id}#overrides", 303)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"review-by date {value!r} is not a date; use YYYY-MM-DD") from None


@pages.get("/approvals")
def approvals(
    request: Request,
    db: DbDep,
    user: UserDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
    templates: TemplatesDep,
) -> Response:
    runs = catalog.runs()
    scorecard = store.table(runs[-1].path) if runs else None
    waiting = service.pending_for(db, user, viewer, scorecard)
    return templates.TemplateResponse(
        request, "approvals.html.j2", {"waiting": waiting, "active": "approvals"}
    )


@pages.post("/approvals/{override_id}")
def decide(
    override_id: int,
    db: DbDep,
    user: UserDep,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    comment: Annotated[str | None, Form(max_length=4000)] = None,
) -> Response:
    if decision == "approve":
        overrides.approve(db, user, override_id, comment or None)
    else:
        overrides.reject(db, user, override_id, comment or "")
    return RedirectResponse("/approvals", 303)
