"""The "My day" page (``/agenda``) and ``GET /api/v1/agenda?owner=&date=``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tierwise.web.deps import CatalogDep, TemplatesDep, ViewerDep
from tierwise.web.routers.params import RunParam
from tierwise.web.services.agenda import day_view

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["agenda"])

OwnerParam = Annotated[
    str | None, Query(max_length=200, description="Whose day; default: your own.")
]
DateParam = Annotated[
    str | None, Query(max_length=10, description="YYYY-MM-DD; default: the run's as-of date.")
]


@pages.get("/agenda")
def agenda_page(
    request: Request,
    viewer: ViewerDep,
    catalog: CatalogDep,
    templates: TemplatesDep,
    owner: OwnerParam = None,
    date: DateParam = None,
    run: RunParam = None,
) -> Response:
    ref = catalog.get(run)
    view = day_view(viewer, ref, owner, date, request.app.state.workspace)
    return templates.TemplateResponse(
        request, "agenda.html.j2", {"view": view, "runs": catalog.runs(), "run": ref}
    )


@api.get("/agenda")
def agenda_api(
    request: Request,
    viewer: ViewerDep,
    catalog: CatalogDep,
    owner: OwnerParam = None,
    date: DateParam = None,
    run: RunParam = None,
) -> dict[str, Any]:
    """One person's ranked day (CONTRACT §6): a rep's own, a manager's team's, anyone's
    for leaders, analysts and admins."""
    ref = catalog.get(run)
    view = day_view(viewer, ref, owner, date, request.app.state.workspace)
    return {"run": ref.id, **view.summary, "notes": view.notes, "agenda": view.items}
