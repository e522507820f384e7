"""Dependency aliases the routers declare: ``SettingsDep``, ``CatalogDep``, ``ViewerDep``, ...

The app's long-lived objects live on ``app.state`` (built by ``create_app``); these
aliases hand them to routes, so a route's signature says what it uses.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from tierwise.web.auth import current_viewer
from tierwise.web.services.portfolio import PortfolioService
from tierwise.web.services.runs import RunCatalog
from tierwise.web.services.scorecard import ScorecardStore
from tierwise.web.services.viewer import Viewer
from tierwise.web.settings import WebSettings


def _settings(request: Request) -> WebSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _catalog(request: Request) -> RunCatalog:
    return request.app.state.catalog  # type: ignore[no-any-return]


def _store(request: Request) -> ScorecardStore:
    return request.app.state.store  # type: ignore[no-any-return]


def _portfolio(request: Request) -> PortfolioService:
    return request.app.state.portfolio  # type: ignore[no-any-return]


def _templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates  # type: ignore[no-any-return]


SettingsDep = Annotated[WebSettings, Depends(_settings)]
CatalogDep = Annotated[RunCatalog, Depends(_catalog)]
StoreDep = Annotated[ScorecardStore, Depends(_store)]
PortfolioDep = Annotated[PortfolioService, Depends(_portfolio)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
