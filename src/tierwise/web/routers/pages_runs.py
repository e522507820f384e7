"""The runs page (admins, analysts): the runs, the books to analyse, and the analyses in
progress (the page polls ``/runs/live`` with htmx while one is queued or running)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tierwise.web.auth import DbDep
from tierwise.web.deps import CatalogDep, TemplatesDep, ViewerDep
from tierwise.web.services import run_list
from tierwise.web.services.jobs import JobBoard
from tierwise.web.services.viewer import Viewer

router = APIRouter(include_in_schema=False)


def _jobs(request: Request) -> JobBoard:
    return request.app.state.jobs  # type: ignore[no-any-return]


JobsDep = Annotated[JobBoard, Depends(_jobs)]


def _context(db: DbDep, viewer: Viewer, catalog: CatalogDep, jobs: JobBoard) -> dict[str, object]:
    found = jobs.jobs(viewer)
    rows = run_list.listing(db, viewer, catalog)
    return {
        "jobs": found,
        "polling": any(j.active for j in found),
        "runs": rows,
        "links": run_list.catalog_ids(rows),
        "active": "runs",
    }


@router.get("/runs")
def runs_page(
    request: Request,
    db: DbDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    jobs: JobsDep,
    templates: TemplatesDep,
) -> Response:
    context = _context(db, viewer, catalog, jobs)
    context["books"] = list(jobs.choices(viewer).values())
    return templates.TemplateResponse(request, "runs.html.j2", context)


@router.get("/runs/live")
def runs_live(
    request: Request,
    db: DbDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    jobs: JobsDep,
    templates: TemplatesDep,
) -> Response:
    """The analyses and the runs, as the fragment the page polls."""
    context = _context(db, viewer, catalog, jobs)
    return templates.TemplateResponse(request, "_runs_live.html.j2", context)


@router.post("/runs")
def start_run(
    viewer: ViewerDep, jobs: JobsDep, book: Annotated[str, Form(min_length=1, max_length=100)]
) -> Response:
    job = jobs.start(viewer, book)
    return RedirectResponse(f"/runs#job-{job.id}", 303)
