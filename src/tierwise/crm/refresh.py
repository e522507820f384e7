"""The scheduled refresh: book -> analysis -> exports -> optional steps -> retention.

One command for cron or a CI schedule. It is safe to run again: when neither the book's
files, the policy nor the refresh file changed since the last refresh, it does nothing
and says so. A lock on the runs folder keeps two refreshes from overlapping. Each step
logs one line. The run is registered in the workspace database (its tier history stays
there); retention removes the run folders beyond ``keep`` -- only folders tierwise wrote,
by their manifest -- and clears their folder in the run history. Each refresh, how it
ended and its log lines are a row of the workspace's ``refreshes`` table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from tierwise.errors import InputError, TierwiseError, validation_problems
from tierwise.yaml_text import load_yaml

Log = Callable[[str], None]
#: A step after the exports: fn(run_dir, its settings, log) -> the line it logs.
Step = Callable[[Path, dict[str, Any], Log], str | None]
LOCK_FILE = ".tierwise-refresh.lock"
STATE_FILE = ".tierwise-refresh.json"


class AgendaStep(BaseModel):
    """``steps: agenda:`` -- every person's day of the new run, as files in ``out``."""

    model_config = ConfigDict(extra="forbid")

    out: str = Field(description="The agenda folder (tierwise's own), replaced each refresh.")
    formats: list[Literal["md", "ics", "json", "txt"]] = ["md", "ics"]
    owners: list[str] | None = None


def agenda_settings(options: dict[str, Any]) -> AgendaStep:
    try:
        return AgendaStep.model_validate(options)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(list(exc.errors())))  # type: ignore[arg-type]
        raise InputError(f"steps.agenda: {problems}") from exc


def agenda_step(run_dir: Path, options: dict[str, Any], log: Log) -> str:
    """Write each owner's day (Markdown and a calendar file by default) into ``out``."""
    from tierwise.agenda.files import write_day_files

    step = agenda_settings(options)
    written = write_day_files(run_dir, Path(step.out), formats=step.formats, owners=step.owners)
    return f"{written.owners} people's days, {written.files} files in {written.folder}"


#: Steps a refresh file may name under ``steps:``, run after the exports.
STEPS: dict[str, Step] = {"agenda": agenda_step}


class RefreshBusy(TierwiseError):
    """Another refresh holds the lock of the runs folder."""


class BookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="The book: a folder of exports, a file, or an Ibis URL.")
    preset: str | None = None
    map: dict[str, str] = Field(default_factory=dict)
    where: dict[str, str | list[str]] | str | list[str] | None = None
    tables: dict[str, str] = Field(default_factory=dict)
    policy: str | None = None


class ExportSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["salesforce", "hubspot", "csv"] = Field(description="salesforce, hubspot or csv")
    out: str = Field(description="The export folder (tierwise's own), replaced each refresh.")
    fields: list[str] | None = None
    changed_only: bool = False


class RefreshSettings(BaseModel):
    """A refresh file: what to read, where runs go, what to export, how many runs to keep."""

    model_config = ConfigDict(extra="forbid")

    book: BookSettings
    database: str | None = None
    runs: str = "runs"
    keep: int = Field(12, ge=1, description="Run folders kept; older ones are removed.")
    exports: list[ExportSettings] = Field(default_factory=list)
    steps: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Optional steps by name, e.g. agenda: {...}."
    )
    _text: str = PrivateAttr("")  # the refresh file as written: a change means a new run

    @field_validator("keep", mode="before")
    @classmethod
    def _keep_in_words(cls, value: object) -> object:
        """``keep: 12 runs`` reads as 12."""
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+)\s*(runs?)?\s*", value)
            if match:
                return int(match[1])
        return value


def load_config(path: Path) -> RefreshSettings:
    """Read and check a refresh file; paths in it are relative to the file's folder."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(f"refresh file {path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"refresh file {path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"refresh file {path}: needs a book: section (and runs:, exports:)")
    base = path.resolve().parent
    try:
        settings = RefreshSettings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(list(exc.errors())))  # type: ignore[arg-type]
        raise InputError(f"refresh file {path}: {problems}") from exc
    book = settings.book
    if "://" not in book.path:
        book.path = str(base / book.path)
    if book.policy:
        book.policy = str(base / book.policy)
    settings.runs = str(base / settings.runs)
    for export in settings.exports:
        export.out = str(base / export.out)
    for name, options in settings.steps.items():
        if isinstance(options, dict) and isinstance(options.get("out"), str):
            options["out"] = str(base / options["out"])
        if name == "agenda":
            try:
                agenda_settings(options)
            except InputError as exc:
                raise InputError(f"refresh file {path}: {exc}") from exc
    settings._text = path.read_text(encoding="utf-8")
    return settings


@contextlib.contextmanager
def refresh_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``folder``'s lock file, or raise RefreshBusy.

    ``fcntl.flock``: the operating system drops the lock when the process ends, so a
    refresh that was killed never leaves a stale lock behind.
    """
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK_FILE, "a+")  # noqa: SIM115  (held for the whole block)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshBusy(
                f"another refresh of {folder} is under way (lock {folder / LOCK_FILE}); "
                "try again when it has finished"
            ) from None
        yield
    finally:
        handle.close()


def fingerprint(settings: RefreshSettings) -> str:
    """What the refresh reads: the book's files (name, size, time), policy and settings."""
    digest = hashlib.sha256(settings._text.encode())
    book = Path(settings.book.path)
    files = sorted(p for p in book.rglob("*") if p.is_file()) if book.is_dir() else [book]
    for path in files:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    if "://" in settings.book.path:
        digest.update(datetime.now(UTC).isoformat().encode())  # a database: always re-read
    if settings.book.policy and Path(settings.book.policy).is_file():
        digest.update(Path(settings.book.policy).read_bytes())
    return digest.hexdigest()


def refresh(
    settings: RefreshSettings, *, db: str | None = None, force: bool = False, log: Log
) -> Path | None:
    """Run one refresh; the run folder written, or None when the book had not changed.

    Each refresh is a row of the workspace's refresh history (``refreshes``): how it
    ended, the run it registered, its log lines; a failed one keeps the error.
    """
    runs = Path(settings.runs)
    url = db or settings.database
    with refresh_lock(runs):
        lines: list[str] = []

        def logged(line: str) -> None:
            lines.append(line)
            log(line)

        record = _start_record(url, runs)
        try:
            run_dir, run_id = _refresh(settings, url, force, runs, logged)
        except BaseException as exc:
            _finish_record(url, record, "failed", None, str(exc)[:2000], lines)
            raise
        status = "done" if run_dir is not None else "up_to_date"
        _finish_record(url, record, status, run_id, None, lines)
        return run_dir


def _refresh(
    settings: RefreshSettings, db: str | None, force: bool, runs: Path, log: Log
) -> tuple[Path | None, int | None]:
    state_path = runs / STATE_FILE
    state = _read_state(state_path)
    print_ = _stepper(log)
    mark = fingerprint(settings)
    if not force and state.get("fingerprint") == mark and Path(state.get("run", "")).is_dir():
        print_("check", f"up to date: nothing changed since {state.get('at')}; run {state['run']}")
        return None, None
    run_dir, run_id = print_("analyze", None, lambda: _analyze(settings, db, runs))
    previous = state.get("run")
    for export in settings.exports:
        since = Path(previous) if export.changed_only and previous else None
        if since is not None and (not since.is_dir() or since.resolve() == run_dir.resolve()):
            since = None  # no earlier run left to compare with: every account
        print_(f"export {export.to}", None, lambda e=export, s=since: _export(run_dir, e, s))
    for name, options in settings.steps.items():
        step = STEPS.get(name)
        if step is None:
            print_(name, f"skipped: no {name!r} step is installed")
            continue
        print_(name, None, lambda s=step, o=options: s(run_dir, o, log))
    print_("retention", None, lambda: retain_runs(runs, settings.keep, db))
    state_path.write_text(
        json.dumps({"fingerprint": mark, "run": str(run_dir), "at": datetime.now(UTC).isoformat()}),
        encoding="utf-8",
    )
    return run_dir, run_id


def _start_record(db: str | None, runs: Path) -> int:
    from tierwise.workspace import Workspace
    from tierwise.workspace.refresh_tables import RefreshRecord

    with Workspace(db) as ws, ws.transaction() as s:
        record = RefreshRecord(
            runs_folder=str(runs.resolve()), started_at=datetime.now(UTC), status="running"
        )
        s.add(record)
        s.flush()
        return int(record.id)


def _finish_record(
    db: str | None,
    record_id: int,
    status: str,
    run_id: int | None,
    message: str | None,
    lines: list[str],
) -> None:
    from tierwise.workspace import Workspace
    from tierwise.workspace.refresh_tables import RefreshRecord

    with Workspace(db) as ws, ws.transaction() as s:
        record = s.get(RefreshRecord, record_id)
        if record is None:  # removed meanwhile: nothing to finish
            return
        record.finished_at = datetime.now(UTC)
        record.status = status
        record.run_id = run_id
        record.message = message
        record.log = list(lines)


def refresh_history(db: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """The latest refreshes, newest first, as plain dictionaries."""
    from sqlalchemy import select

    from tierwise.workspace import Workspace
    from tierwise.workspace.refresh_tables import RefreshRecord

    with Workspace(db) as ws, ws.transaction() as s:
        rows = s.scalars(select(RefreshRecord).order_by(RefreshRecord.id.desc()).limit(limit))
        return [
            {
                "id": r.id,
                "runs_folder": r.runs_folder,
                "started_at": r.started_at.isoformat(timespec="seconds"),
                "finished_at": r.finished_at.isoformat(timespec="seconds")
                if r.finished_at
                else None,
                "status": r.status,
                "run_id": r.run_id,
                "message": r.message,
                "log": r.log or [],
            }
            for r in rows
        ]


def _stepper(log: Log) -> Callable[..., Any]:
    def step(name: str, message: str | None, fn: Callable[[], Any] | None = None) -> Any:
        started = time.monotonic()
        result = fn() if fn is not None else None
        shown = result[0] if isinstance(result, tuple) else result
        text = message or (str(shown) if shown is not None else "done")
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        log(f"{stamp} refresh {name}: {text} ({time.monotonic() - started:.1f}s)")
        return result

    return step


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _analyze(settings: RefreshSettings, db: str | None, runs: Path) -> tuple[Path, int]:
    from tierwise.book.mapping import mapping_from_options
    from tierwise.workspace import Workspace

    book = settings.book
    mapping = mapping_from_options(
        map=book.map or None, where=book.where, tables=book.tables or None
    )
    name = Path(book.path.rstrip("/")).name.split(".")[0] or "book"
    with Workspace(db) as ws:
        recorded = ws.analyze(
            book.path,
            lambda r: runs / f"{name}-{r.as_of}",
            force=True,
            policy=book.policy,
            preset=book.preset,
            mapping=mapping,
        )
    return Path(recorded.run_dir), int(recorded.run["id"])


def _export(run_dir: Path, export: ExportSettings, since: Path | None) -> str:
    from tierwise.crm.writeback import export_run

    result = export_run(
        run_dir,
        export.to,
        Path(export.out),
        fields=export.fields,
        since=since,
        force=True,
    )
    return f"{result.rows} accounts to {result.path}"


def retain_runs(runs: Path, keep: int, db: str | None) -> str:
    """Remove run folders beyond the newest ``keep`` (tierwise's only), and clear them in
    the run history; the history itself (runs, tier positions) stays."""
    from sqlalchemy import update

    from tierwise.folders import manifest_files, remove_output
    from tierwise.workspace import Workspace
    from tierwise.workspace.models import Run

    owned = [
        p
        for p in runs.iterdir()
        if p.is_dir() and (p / "run.json").is_file() and manifest_files(p) is not None
    ]
    owned.sort(key=lambda p: ((p / "run.json").stat().st_mtime, p.name), reverse=True)
    removed = [p for p in owned[keep:] if remove_output(p)]
    if removed:
        with Workspace(db) as ws, ws.transaction() as s:
            s.execute(
                update(Run)
                .where(Run.run_dir.in_([str(p.resolve()) for p in removed]))
                .values(run_dir=None)
            )
    return f"kept {min(len(owned), keep)} runs, removed {len(removed)}"
