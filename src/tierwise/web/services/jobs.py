"""Analyses started from the runs page: run one at a time on a worker thread, so the server
keeps answering; each reports its stage and percent (the pipeline's stage callbacks,
``tierwise.progress.Progress``), writes its run folder and registers it in the workspace
(``Workspace.analyze``: overrides applied, history recorded, ``save_run`` writes the
folder and the report), and is audited: run.start, run.finish, run.fail.

Jobs are kept in memory (the last ``KEEP``): a finished run is in the runs table and its
folder, and the audit trail keeps who started what; a restart forgets the job list only.
Admins and analysts start analyses.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tierwise.errors import TierwiseError
from tierwise.web.services.books import BookChoice, registered_books
from tierwise.web.services.errors import Conflict, Forbidden, NotFound
from tierwise.web.services.viewer import Viewer

log = logging.getLogger("tierwise.web")

RUNNERS = frozenset({"admin", "analyst"})
KEEP = 50
WRITING = "writing the run folder and the report"

Analyze = Callable[..., Any]


@dataclass
class Job:
    """One analysis: queued, running, finished or failed."""

    id: int
    book: BookChoice
    started_by: str
    queued_at: datetime
    state: str = "queued"
    stage: str = "waiting for the worker"
    percent: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    run_dir: Path | None = None
    run_id: int | None = None
    customers: int | None = None
    stages_done: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


class JobProgress:
    """``tierwise.progress.Progress`` for one job: the stage's name and the percent done,
    counting the writing of the run folder as a last stage."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.total = 1

    def start(self, total_stages: int) -> None:
        self.total = max(1, total_stages) + 1

    def stage(self, name: str) -> None:
        self.job.stages_done.append(name)
        self.job.stage = name
        self.job.percent = int(100 * (len(self.job.stages_done) - 1) / self.total)

    def finish(self) -> None:
        self.job.stage = WRITING
        self.job.percent = int(100 * (self.total - 1) / self.total)


def require_runner(viewer: Viewer) -> None:
    if viewer.role not in RUNNERS:
        raise Forbidden(f"{viewer.name} is a {viewer.role}; runs are for admins and analysts")


class JobBoard:
    """The app's analyses: a queue, one worker thread, and the recent jobs."""

    def __init__(
        self,
        workspace: Any,
        runs_dir: Path,
        configured: dict[str, BookChoice],
        *,
        on_finished: Callable[[], None] = lambda: None,
        analyze: Analyze | None = None,
    ) -> None:
        self.workspace = workspace
        self.runs_dir = Path(runs_dir)
        self.configured = configured
        self.on_finished = on_finished
        self.analyze = analyze or workspace.analyze
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._jobs: list[Job] = []
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    # --- what the page shows ----------------------------------------------------------
    def choices(self, viewer: Viewer) -> dict[str, BookChoice]:
        """The books the viewer may analyse: configured ones, then the workspace's."""
        require_runner(viewer)
        return {**self.configured, **registered_books(self._registered(), self.configured)}

    def jobs(self, viewer: Viewer) -> list[Job]:
        """Recent jobs, newest first."""
        require_runner(viewer)
        with self._lock:
            return list(reversed(self._jobs))

    def get(self, viewer: Viewer, job_id: int) -> Job:
        for job in self.jobs(viewer):
            if job.id == job_id:
                return job
        raise NotFound(f"no analysis {job_id}; the runs page lists them")

    # --- starting ---------------------------------------------------------------------
    def start(self, viewer: Viewer, key: str) -> Job:
        """Queue an analysis of the book ``key`` names (one of ``choices``)."""
        choices = self.choices(viewer)
        choice = choices.get(key)
        if choice is None:
            raise NotFound(f"no book {key!r} to analyse; the runs page lists them")
        with self._lock:
            if any(j.active and j.book.book == choice.book for j in self._jobs):
                raise Conflict(
                    f"an analysis of {choice.label} is queued or running already; wait for it"
                )
            job = Job(next(self._ids), choice, viewer.name, _now())
            self._jobs.append(job)
            del self._jobs[:-KEEP]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._work, name="tierwise-analyses", daemon=True
                )
                self._worker.start()
        self._audit(job, "run.start", None)
        self._queue.put(job)
        return job

    def close(self) -> None:
        """Stop taking jobs; a running analysis finishes writing first, queued ones are
        dropped (and said so)."""
        with self._lock:
            for job in self._jobs:
                if job.state == "queued":
                    job.state, job.error = "failed", "the server stopped before it ran"
            worker = self._worker
        self._queue.put(None)
        if worker is not None:
            worker.join()

    # --- the worker -------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.state != "queued":
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state, job.started_at, job.stage = "running", _now(), "starting"
        try:
            recorded = self.analyze(
                job.book.book,
                lambda result: self._target(job.book, result),
                progress=JobProgress(job),
                **{k: v for k, v in job.book.options.items() if v is not None},
            )
        except TierwiseError as exc:
            self._fail(job, str(exc))
        except Exception as exc:  # the details go to the server log, never to the page
            log.exception("analysis %s of %s failed", job.id, job.book.book)
            self._fail(
                job,
                f"an unexpected error stopped the analysis ({type(exc).__name__}); "
                "the server log has the details",
            )
        else:
            job.run_dir = Path(recorded.run_dir)
            job.run_id = int(recorded.run["id"])
            job.customers = (recorded.run.get("counts") or {}).get("customers")
            job.finished_at = _now()
            self._audit(job, "run.finish", None)
            self.on_finished()
            # last: whoever sees "finished" finds the run listed and the audit written
            job.state, job.stage, job.percent = "finished", "done", 100

    def _fail(self, job: Job, message: str) -> None:
        job.error, job.finished_at = message, _now()
        self._audit(job, "run.fail", message)
        job.state = "failed"

    def _target(self, choice: BookChoice, result: Any) -> Path:
        """A new folder ``<runs>/<book>/<as-of>`` (``-2``, ``-3``, … when taken), outside
        the book's folder."""
        base = self.runs_dir / choice.folder_name
        if _inside(base, choice.book):  # never write runs into the book's own folder
            base = self.runs_dir / f"{choice.folder_name}-runs"
        name = str(result.as_of)
        folder, n = base / name, 1
        while folder.exists():
            n += 1
            folder = base / f"{name}-{n}"
        return folder

    def _audit(self, job: Job, action: str, error: str | None) -> None:
        from tierwise.workspace import audit

        after: dict[str, Any] = {"job": job.id, "book": job.book.book}
        if job.run_id is not None:
            after |= {"run_id": job.run_id, "run_dir": str(job.run_dir)}
        try:
            with self.workspace.transaction() as db:
                audit.record(
                    db,
                    actor=job.started_by,
                    action=action,
                    object_type="book",
                    object_id=job.book.label[:200],
                    after=after,
                    run_id=job.run_id,
                    comment=error[:1000] if error else None,
                )
        except Exception:  # the job's own state is what the page shows
            log.exception("could not audit %s of analysis %s", action, job.id)

    def _registered(self) -> list[dict[str, Any]]:
        from sqlalchemy import select

        from tierwise.workspace.models import Run

        with self.workspace.transaction() as db:
            return [
                {"id": r.id, "book": r.book_id, "run_dir": r.run_dir, "policy": r.policy}
                for r in db.scalars(select(Run).order_by(Run.id))
            ]


def _inside(folder: Path, book: str) -> bool:
    if "://" in book:
        return False
    here, there = folder.resolve(), Path(book).resolve()
    return here == there or there in here.parents


def _now() -> datetime:
    return datetime.now(UTC)
