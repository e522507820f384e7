"""Write a run folder (CONTRACT §3): scorecard, portfolio, quarantine, details, run.json.

``write_run`` only writes what a run computed; it renders no report and records no
history, so writing a result twice gives the same folder. ``save_run`` is what the
``analyze`` and ``demo`` commands do: write the folder with its report. Who moved since
the book's previous run comes from the workspace database's history
(``tierwise.workspace.Workspace.analyze`` sets ``result.moves``); without a database the
``moves`` figures are empty. Either way the folder is
written beside its target and renamed into place (``tierwise.folders``), and never over
files tierwise did not write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from tierwise.book.book import Book
from tierwise.book.contract import READ_ORDER
from tierwise.folders import check_target, staged_folder
from tierwise.json_safe import json_safe
from tierwise.spooled import DetailsTable, SpooledTable

# The columns of moves.csv: who moved tier or level since the previous run.
MOVE_COLUMNS = [
    "customer_id",
    "previous_as_of",
    "previous_tier",
    "tier",
    "tier_move",
    "previous_level",
    "relationship_level",
    "level_move",
]


class RunOutputs(Protocol):
    """What a run folder is written from (``tierwise.pipeline.AnalysisResult``)."""

    book: Book
    scorecard_file: SpooledTable
    portfolio: dict[str, Any]
    details: dict[str, DetailsTable]
    moves: pd.DataFrame | None

    @property
    def as_of(self) -> date: ...

    def run_info(self) -> dict[str, Any]: ...


def check_run_target(out_dir: str | Path, *, book: str | Path, force: bool = False) -> None:
    """Stop if ``out_dir`` may not be written as a run folder of ``book``; the CLI calls it
    before the analysis, so a refused folder costs no time (see ``folders.check_target``)."""
    check_target(Path(out_dir), what="run folder", force=force, book=str(book), tables=READ_ORDER)


def write_run(
    result: RunOutputs,
    out_dir: str | Path,
    *,
    force: bool = False,
    moves: pd.DataFrame | None = None,
    extras: Callable[[Path], object] | None = None,
) -> Path:
    """Write ``result`` as a run folder and return its path.

    Writes ``scorecard.parquet``, ``scorecard.csv``, ``portfolio.json``,
    ``quarantine/<table>.csv``, ``details/<name>.parquet``, ``run.json`` and the manifest
    ``.tierwise-manifest.json``. ``moves`` (from the history; default ``result.moves``)
    fills ``details/tier_moves`` and the ``moves`` figures of ``portfolio.json``; ``extras``
    writes more files (the report) into the folder before it is put in place.
    """
    out_dir = Path(out_dir)
    check_run_target(out_dir, book=result.book.source, force=force)
    with staged_folder(out_dir) as staging:
        result.scorecard_file.to_parquet(staging / "scorecard.parquet")
        result.scorecard_file.write_csv(staging / "scorecard.csv")
        portfolio = dict(result.portfolio)
        details = dict(result.details)
        if moves is None:
            moves = result.moves if result.moves is not None else empty_moves()
        portfolio["moves"] = _moves_summary(moves)
        details["tier_moves"] = moves
        _write_json(staging / "portfolio.json", portfolio)
        result.book.write_quarantine_files(staging / "quarantine")
        details_dir = staging / "details"
        details_dir.mkdir()
        for name, frame in details.items():
            frame.to_parquet(details_dir / f"{name}.parquet", index=False)
        _write_json(staging / "run.json", result.run_info())
        if extras is not None:
            extras(staging)
    return out_dir


def save_run(
    result: RunOutputs,
    out_dir: str | Path,
    *,
    force: bool = False,
    report: bool = True,
) -> Path:
    """Write the run folder of ``tierwise analyze``: like ``write_run``, plus ``report.html``."""
    out_dir = Path(out_dir)
    check_run_target(out_dir, book=result.book.source, force=force)
    extras = None
    if report:
        from tierwise.report.html import write_report

        extras = write_report
    return write_run(result, out_dir, force=force, extras=extras)


def empty_moves() -> pd.DataFrame:
    """No moves: they need the history of a workspace database (``analyze --db``)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in MOVE_COLUMNS})


def _moves_summary(moves: pd.DataFrame) -> dict[str, Any]:
    if moves.empty or "previous_as_of" not in moves or moves["previous_as_of"].isna().all():
        return {"previous_run": None, "tier": {}, "level": {}}
    return {
        "previous_run": str(moves["previous_as_of"].dropna().iloc[0]),
        "tier": {str(k): int(v) for k, v in moves["tier_move"].value_counts().items()},
        "level": {str(k): int(v) for k, v in moves["level_move"].value_counts().items()},
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
