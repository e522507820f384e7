"""The home page and the portfolio page (leaders, analysts, admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tierwise.web.deps import CatalogDep, PortfolioDep, TemplatesDep, ViewerDep
from tierwise.web.routers.params import RunParam
from tierwise.web.services.viewer import BOOK_WIDE

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(viewer: ViewerDep) -> Response:
    return RedirectResponse("/portfolio" if viewer.role in BOOK_WIDE else "/accounts", 303)


@router.get("/portfolio")
def portfolio(
    request: Request,
    viewer: ViewerDep,
    catalog: CatalogDep,
    service: PortfolioDep,
    templates: TemplatesDep,
    run: RunParam = None,
) -> Response:
    ref = catalog.get(run)
    view = service.view(viewer, ref)
    return templates.TemplateResponse(
        request,
        "portfolio.html.j2",
        {"view": view, "runs": catalog.runs(), "run": ref},
    )


@router.get("/portfolio/charts.json")
def chart_specs(
    viewer: ViewerDep, catalog: CatalogDep, service: PortfolioDep, run: RunParam = None
) -> Response:
    """The portfolio's chart specs (the page's script fetches them; no inline script)."""
    from fastapi.responses import JSONResponse

    view = service.view(viewer, catalog.get(run))
    return JSONResponse(view.specs)
