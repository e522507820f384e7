"""One error shape for the API, a plain page for people, and never a stack trace or SQL.

API paths (``/api/``) answer ``{"error": {"code", "message"}}`` with the status the
contract names (401, 403, 404, 422, ...). Pages answer a short HTML page; a page that
needs a login sends the browser to the login form instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tierwise.web.services.errors import Forbidden, NotLoggedIn, ServiceError

log = logging.getLogger("tierwise.web")

CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "bad_input",
    429: "too_many_requests",
    500: "internal_error",
}
TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    422: "That request could not be used",
    429: "Too many attempts",
    500: "Something went wrong",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    """The error as JSON for the API, as a page for a browser."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 and is_api(request) else None
    if is_api(request):
        return JSONResponse(
            {"error": {"code": code, "message": message}}, status_code=status, headers=headers
        )
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html.j2",
        {"status": status, "title": TITLES.get(status, "Error"), "message": message},
        status_code=status,
    )


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, NotLoggedIn) and not is_api(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if isinstance(exc, Forbidden):
        await run_in_threadpool(_audit_refusal, request, str(exc))
    return error_response(request, exc.status, exc.code, str(exc))


async def _workspace_error(request: Request, exc: Exception) -> Response:
    from tierwise.workspace import errors as ws

    status, code = 422, "bad_input"
    if isinstance(exc, ws.NotAllowed):
        status, code = 403, "forbidden"
        await run_in_threadpool(_audit_refusal, request, str(exc))
    elif isinstance(exc, ws.NotFound):
        status, code = 404, "not_found"
    elif isinstance(exc, ws.Conflict):
        status, code = 409, "conflict"
    elif isinstance(exc, ws.DatabaseError):
        log.error("workspace database: %s", exc)
        return error_response(
            request, 503, "unavailable", "the workspace database cannot be reached right now"
        )
    return error_response(request, status, code, str(exc))


def _audit_refusal(request: Request, reason: str) -> None:
    """Refused access goes to the audit trail (in its own transaction: the request's own
    was rolled back by the refusal). Never fails the response."""
    viewer = getattr(request.state, "viewer", None)
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None:
        return
    try:
        from tierwise.workspace import audit

        with workspace.transaction() as db:
            audit.record(
                db,
                actor=viewer.name if viewer is not None else "anonymous",
                action="access.refused",
                object_type="route",
                object_id=f"{request.method} {request.url.path}"[:200],
                comment=reason[:500],
            )
    except Exception:
        log.exception("could not audit a refused access")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    response = error_response(request, exc.status_code, code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 422, "bad_input", _describe(exc.errors()))


def _describe(errors: Any) -> str:
    """Pydantic's errors as one sentence naming each parameter (without echoing values)."""
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path"))
        parts.append(f"{where or 'request'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(
        request, 500, "internal_error", "an unexpected error happened; it has been logged"
    )


def install(app: FastAPI) -> None:
    from tierwise.workspace.errors import WorkspaceError

    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(WorkspaceError, _workspace_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
