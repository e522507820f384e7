"""GET /api/v1/runs: the runs the app knows, oldest first."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise.web.deps import CatalogDep, ViewerDep
from tierwise.web.schemas import RunOut, RunsOut

router = APIRouter(prefix="/api/v1", tags=["runs"])


@router.get("/runs", response_model=RunsOut)
def list_runs(viewer: ViewerDep, catalog: CatalogDep) -> RunsOut:
    return RunsOut(
        items=[
            RunOut(
                id=r.id,
                book=r.book,
                as_of=r.as_of,
                created_at=r.created_at,
                customers=r.customers,
                tierwise_version=r.tierwise_version,
            )
            for r in catalog.runs()
        ]
    )
