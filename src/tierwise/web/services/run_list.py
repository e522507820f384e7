"""The runs page's list: the run folders the catalog found, joined to the workspace's runs
table (its run number, when it was registered), and registered runs whose folder is gone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierwise.web.services.jobs import require_runner
from tierwise.web.services.runs import RunCatalog
from tierwise.web.services.viewer import Viewer
from tierwise.workspace.models import Run


@dataclass(frozen=True)
class RunRow:
    label: str
    as_of: str
    created_at: str
    customers: int | None
    catalog_id: str | None  # None: the folder is gone
    workspace_id: int | None
    book: str


def listing(db: Session, viewer: Viewer, catalog: RunCatalog) -> list[RunRow]:
    """Every run, newest first."""
    require_runner(viewer)
    registered: dict[Path, Any] = {}
    missing = []
    for run in db.scalars(select(Run).order_by(Run.id)):
        folder = Path(run.run_dir).resolve() if run.run_dir else None
        if folder is not None and folder.is_dir():
            registered[folder] = run
        else:
            missing.append(run)
    rows = []
    for ref in catalog.runs():
        known = registered.get(ref.path)
        rows.append(
            RunRow(
                ref.label,
                ref.as_of,
                ref.created_at[:16].replace("T", " "),
                ref.customers,
                ref.id,
                known.id if known is not None else None,
                ref.book,
            )
        )
    for run in missing:
        counts = run.counts or {}
        rows.append(
            RunRow(
                f"{Path(run.book_id.rstrip('/')).name} · as of {run.as_of}",
                run.as_of.isoformat(),
                run.recorded_at.isoformat(timespec="minutes").replace("T", " ")[:16],
                counts.get("customers"),
                None,
                run.id,
                run.book_id,
            )
        )
    return sorted(rows, key=lambda r: (r.as_of, r.created_at), reverse=True)


def catalog_ids(rows: list[RunRow]) -> dict[int, str]:
    """{workspace run number: the catalog's run id}, for links to a finished job's run."""
    return {r.workspace_id: r.catalog_id for r in rows if r.workspace_id and r.catalog_id}
