"""The runs the app can show: run folders found under the runs folder, newest last.

Run folders registered in the workspace database (``analyze --db``) are listed too.
A run is named by its folder's path relative to the runs folder (``demo/run``); a request
names a run by that id and the catalog looks it up among the folders it found, so no
request text ever becomes a path. Folders are rescanned at most every few seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tierwise.web.services.errors import NotFound

#: How deep under the runs folder run folders are looked for (runs/<book>/<run> is depth 2).
SCAN_DEPTH = 2
RESCAN_SECONDS = 5.0


@dataclass(frozen=True)
class RunRef:
    """One run folder: its id, where it is, and what run.json says about it."""

    id: str
    path: Path
    book: str
    as_of: str
    created_at: str
    customers: int | None
    tierwise_version: str | None

    @property
    def label(self) -> str:
        book = Path(self.book.rstrip("/"))
        name = book.parent.name if book.name == "book" and book.parent.name else book.name
        return f"{name or self.id} · as of {self.as_of}"


class RunCatalog:
    """Every run folder under ``root`` (and ``root`` itself when it is one)."""

    def __init__(self, root: Path, registered: Callable[[], list[Path]] | None = None) -> None:
        self.root = Path(root)
        #: run folders the workspace database knows (``analyze --db``), wherever they are
        self.registered = registered or (lambda: [])
        self._lock = threading.Lock()
        self._runs: list[RunRef] = []
        self._scanned_at = -RESCAN_SECONDS
        self._scanned = False
        self._scanning = False

    def runs(self) -> list[RunRef]:
        """All runs, oldest first (by as-of date, then creation time).

        One caller rescans while the others keep the last list: the rescan asks the
        workspace database for its runs, and a request waiting on the lock would hold its
        own database connection, so under load every pooled connection could end up held
        by a request waiting for the one that needs a connection to finish.
        """
        with self._lock:
            due = time.monotonic() - self._scanned_at >= RESCAN_SECONDS
            if not due or (self._scanning and self._scanned):
                return list(self._runs)
            self._scanning = True
        try:
            found = _scan(self.root, self.registered())
        finally:
            with self._lock:
                self._scanning = False
        with self._lock:
            self._runs, self._scanned_at, self._scanned = found, time.monotonic(), True
            return list(found)

    def invalidate(self) -> None:
        """Rescan at the next call (a run was just written)."""
        with self._lock:
            self._scanned_at = -RESCAN_SECONDS

    def get(self, run_id: str | None) -> RunRef:
        """The run named ``run_id``, or the latest when None; ``NotFound`` otherwise."""
        runs = self.runs()
        if not runs:
            raise NotFound(
                f"no run folders under {self.root}; write one with `tierwise analyze BOOK "
                f"--out {self.root}/NAME` (or `tierwise demo`)"
            )
        if run_id is None:
            return runs[-1]
        for run in runs:
            if run.id == run_id:
                return run
        raise NotFound(f"no run {run_id!r}; GET /api/v1/runs lists them")

    def previous(self, run: RunRef) -> RunRef | None:
        """The run of the same book just before ``run``, if any."""
        earlier = [r for r in self.runs() if r.book == run.book and r.id != run.id]
        earlier = [r for r in earlier if (r.as_of, r.created_at) < (run.as_of, run.created_at)]
        return earlier[-1] if earlier else None

    def of_book(self, run: RunRef) -> list[RunRef]:
        """Every run of ``run``'s book, oldest first."""
        return [r for r in self.runs() if r.book == run.book]


def _scan(root: Path, extra: list[Path]) -> list[RunRef]:
    found: dict[Path, RunRef] = {}
    for folder in [*_candidates(root), *extra]:
        ref = _read(root, folder)
        if ref is not None:
            found.setdefault(ref.path, ref)
    return sorted(found.values(), key=lambda r: (r.as_of, r.created_at, r.id))


def _candidates(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    folders = [root]
    level = [root]
    for _ in range(SCAN_DEPTH):
        level = [c for f in level for c in _subfolders(f)]
        folders.extend(level)
    return folders


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(
            c for c in folder.iterdir() if c.is_dir() and not c.name.startswith((".", "_"))
        )
    except OSError:
        return []


def _read(root: Path, folder: Path) -> RunRef | None:
    info = _json(folder / "run.json")
    if info is None or not (folder / "scorecard.parquet").is_file():
        return None
    portfolio = _json(folder / "portfolio.json") or {}
    path = folder.resolve()
    try:
        run_id = path.relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        run_id = path.as_posix()
    customers = portfolio.get("customers")
    return RunRef(
        id=run_id,
        path=path,
        book=str(info.get("book") or path),
        as_of=str(info.get("as_of") or ""),
        created_at=str(info.get("created_at") or ""),
        customers=int(customers) if isinstance(customers, (int, float)) else None,
        tierwise_version=info.get("tierwise_version"),
    )


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
