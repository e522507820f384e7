"""The web app (`tierwise serve`): pages and the JSON API over run folders and the workspace.

Needs the ``web`` extra (FastAPI, uvicorn); ``import tierwise`` does not load this package.
Layout: ``services/`` hold the logic and the permission checks (no web framework inside),
``routers/`` one module per resource that only parses, calls a service and renders,
``app.py`` builds the application, ``security/`` the headers, sessions and CSRF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tierwise.web.settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(settings: WebSettings) -> FastAPI:
    """The FastAPI application for ``settings`` (imported here: FastAPI loads only when used)."""
    from tierwise.web.app import create_app as _create

    return _create(settings)


__all__ = ["WebSettings", "create_app"]
