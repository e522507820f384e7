"""``create_app(settings)``: the FastAPI application, its middleware, routers and assets."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tierwise import __version__
from tierwise.report import takeaways as tw
from tierwise.web import errors
from tierwise.web.auth import csrf_guard
from tierwise.web.routers import (
    agenda,
    api_customers,
    api_health,
    api_runs,
    auth,
    overrides,
    pages_accounts,
    pages_plans,
    pages_portfolio,
    pages_runs,
    pages_users,
)
from tierwise.web.routers import audit as audit_routes
from tierwise.web.routers.params import query_string
from tierwise.web.security.headers import SecurityHeaders
from tierwise.web.services.portfolio import PortfolioService
from tierwise.web.services.runs import RunCatalog
from tierwise.web.services.scorecard import ScorecardStore
from tierwise.web.settings import WebSettings

HERE = Path(__file__).resolve().parent
STATIC_MAX_AGE = 86400


def create_app(settings: WebSettings) -> FastAPI:
    """A new application for ``settings``; tests build one per database or runs folder."""
    app = FastAPI(
        title="tierwise",
        version=__version__,
        description="The tierwise JSON API (CONTRACT §8). Errors: "
        '`{"error": {"code", "message"}}`.',
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
        dependencies=[Depends(csrf_guard)],
    )
    from tierwise.workspace.workspace import Workspace

    app.state.settings = settings
    app.state.workspace = Workspace(settings.db_url)
    app.state.catalog = RunCatalog(
        settings.runs_dir, registered=lambda: registered_runs(app.state.workspace)
    )
    app.state.store = ScorecardStore()
    app.state.portfolio = PortfolioService(app.state.store, app.state.catalog)
    app.state.templates = _templates()
    app.state.jobs = _job_board(app, settings)
    errors.install(app)
    for router in (api_health, api_runs, api_customers, auth, pages_portfolio):
        app.include_router(router.router)
    app.include_router(overrides.api)
    app.include_router(overrides.pages)  # before the accounts pages: /accounts/{id}/overrides
    app.include_router(pages_accounts.router)
    app.include_router(agenda.api)
    app.include_router(agenda.pages)
    for extra in (pages_runs.router, pages_users.router, audit_routes.api, audit_routes.pages):
        app.include_router(extra)
    app.include_router(pages_plans.router)
    app.add_api_route("/static/vega.js", _vega_bundle, include_in_schema=False)
    app.add_api_route("/static/report.css", _report_css, include_in_schema=False)
    app.mount("/static", CachedStatic(directory=HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders, tls=settings.secure_cookies)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    warming = _warm(app)
    yield
    warming.join()  # never leave a thread inside DuckDB while the process ends
    app.state.jobs.close()  # a running analysis finishes writing its folder first
    app.state.store.close()
    app.state.workspace.close()


def _job_board(app: FastAPI, settings: WebSettings) -> Any:
    from tierwise.web.services.books import load_books
    from tierwise.web.services.jobs import JobBoard

    books = load_books(settings.books_file) if settings.books_file else {}
    return JobBoard(
        app.state.workspace, settings.runs_dir, books, on_finished=app.state.catalog.invalidate
    )


def registered_runs(workspace: Any) -> list[Path]:
    """Run folders the workspace database knows, that still exist."""
    from sqlalchemy import select

    from tierwise.workspace.models import Run

    with workspace.transaction() as db:
        folders = db.scalars(select(Run.run_dir).where(Run.run_dir.is_not(None))).all()
    return [Path(f) for f in folders if f and Path(f).is_dir()]


class CachedStatic(StaticFiles):
    """Our own assets, cacheable for a day (they change only with the installed version)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
        return response


def _vega_bundle() -> Response:
    """The Vega, Vega-Lite and Vega-Embed JavaScript the report inlines, as a file here."""
    from tierwise.report.html import vega_bundle

    return Response(
        str(vega_bundle()),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={STATIC_MAX_AGE}"},
    )


def _report_css() -> Response:
    """The report's stylesheet: the app's pages look like the report they extend."""
    from importlib import resources

    css = (resources.files("tierwise.report") / "template" / "report.css").read_text("utf-8")
    return Response(
        css,
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={STATIC_MAX_AGE}"},
    )


def _warm(app: FastAPI) -> threading.Thread:
    """Build the latest run's portfolio and the Vega bundle in the background at start,
    so the first visitor does not wait for them."""

    def work() -> None:
        try:
            from tierwise.report.html import vega_bundle

            vega_bundle()
            runs = app.state.catalog.runs()
            if runs:
                app.state.portfolio.sections(runs[-1])
        except Exception:  # warming is an optimisation; the page builds on demand
            errors.log.exception("warming the portfolio failed")

    thread = threading.Thread(target=work, name="tierwise-warm", daemon=True)
    thread.start()
    return thread


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(
        directory=str(HERE / "templates"), context_processors=[_page_context]
    )
    env = templates.env
    env.autoescape = True  # every template, whatever its extension (.html.j2 is not matched)
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        money=tw.money, share=tw.share, count=tw.count, hours=tw.hours, figure=figure
    )
    env.globals["version"] = __version__
    env.globals["qs"] = query_string
    return templates


def _page_context(request: Request) -> dict[str, Any]:
    """What every page needs: the logged-in viewer and the session's CSRF token."""
    auth = getattr(request.state, "auth", None)
    return {
        "viewer": auth.viewer if auth is not None else None,
        "csrf_token": auth.csrf_token if auth is not None else None,
    }


def figure(value: Any, kind: str) -> str:
    """A value as the pages show it, by kind (money, share, score, count, …)."""
    if value is None:
        return "—"
    if kind == "money":
        return tw.money(value)
    if kind == "share":
        return tw.share(value)
    if kind == "score":
        return f"{100 * float(value):.0f}/100"
    if kind == "count":
        return tw.count(value)
    if kind == "hours":
        return f"{float(value):,.1f} h"
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "date" and isinstance(value, (date, datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
