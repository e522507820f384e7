"""GET /api/v1/health: is the app up (no login)."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise import __version__
from tierwise.web.schemas import HealthOut

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health", response_model=HealthOut)
def health() -> HealthOut:
    return HealthOut(status="ok", version=__version__)
