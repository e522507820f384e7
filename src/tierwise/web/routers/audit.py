"""The audit trail: ``GET /api/v1/audit`` and the ``/audit`` page (admins, leaders)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tierwise.web.auth import DbDep
from tierwise.web.deps import TemplatesDep, ViewerDep
from tierwise.web.services import audit as service
from tierwise.workspace.audit import AuditFilter

api = APIRouter(prefix="/api/v1", tags=["audit"])
pages = APIRouter(include_in_schema=False)


class AuditEntryOut(BaseModel):
    id: int
    at: str = Field(description="UTC, ISO 8601.")
    actor: str
    action: str = Field(description="e.g. override.approve, user.disable, login.failed.")
    object_type: str
    object_id: str | None
    customer_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    run_id: int | None
    comment: str | None


class AuditOut(BaseModel):
    total: int = Field(description="Entries matching the filters (all pages).")
    page: int
    per_page: int
    items: list[AuditEntryOut] = Field(description="Newest first.")


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def audit_filter(
    actor: Annotated[str | None, Query(max_length=200, description="Who acted.")] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="e.g. override.approve.")
    ] = None,
    object_type: Annotated[
        str | None, Query(max_length=100, description="override, user, run, route, …")
    ] = None,
    object_id: Annotated[str | None, Query(max_length=200, description="The object's id.")] = None,
    customer_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[date | None, Query(description="From this UTC day (YYYY-MM-DD).")] = None,
    until: Annotated[date | None, Query(description="To this UTC day, included.")] = None,
) -> AuditFilter:
    return AuditFilter(
        customer_id=_blank(customer_id),
        since=since,
        object_type=_blank(object_type),
        actor=_blank(actor),
        action=_blank(action),
        until=until,
        object_id=_blank(object_id),
    )


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]
PageQ = Annotated[int, Query(ge=1, le=1_000_000)]
PerPageQ = Annotated[int, Query(ge=1, le=500)]


@api.get("/audit", response_model=AuditOut)
def read_audit(
    db: DbDep, viewer: ViewerDep, flt: FilterDep, page: PageQ = 1, per_page: PerPageQ = 100
) -> AuditOut:
    """The audit trail, newest first (admins and leaders)."""
    found = service.read(db, viewer, flt, page, per_page)
    return AuditOut(
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        items=[AuditEntryOut(**row) for row in found.items],
    )


@pages.get("/audit")
def audit_page(
    request: Request,
    db: DbDep,
    viewer: ViewerDep,
    templates: TemplatesDep,
    flt: FilterDep,
    page: PageQ = 1,
) -> Response:
    found = service.read(db, viewer, flt, page, 50)
    shown = {k: v for k, v in flt.__dict__.items() if v is not None}
    return templates.TemplateResponse(
        request,
        "audit.html.j2",
        {
            "found": found,
            "flt": flt,
            "active": "audit",
            "link": lambda p: urlencode({**shown, "page": p}),
        },
    )
