"""Write a run folder (CONTRACT §3): scorecard, portfolio, quarantine, details, run.json, report."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from tierwise.pipeline import AnalysisResult


def write_run(result: AnalysisResult, out_dir: Path) -> Path:
    """Write every output of ``result`` into ``out_dir`` (created if needed) and return it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.scorecard_arrow, out_dir / "scorecard.parquet")
    pacsv.write_csv(result.scorecard_arrow, out_dir / "scorecard.csv")
    moves = result.moves if result.moves is not None else _no_moves()
    _write_json(out_dir / "portfolio.json", {**result.portfolio, "moves": _moves_summary(moves)})

    result.book.write_quarantine(out_dir / "quarantine")

    details = {**result.details, "tier_moves": moves}
    details_dir = out_dir / "details"
    details_dir.mkdir(exist_ok=True)
    for name, frame in details.items():
        frame.to_parquet(details_dir / f"{name}.parquet", index=False)

    _write_json(out_dir / "run.json", result.run_info())
    from tierwise.report.html import write_report

    write_report(out_dir)
    return out_dir


def _no_moves() -> pd.DataFrame:
    """Moves need the history of a workspace database (``analyze --db``)."""
    from tierwise.workspace.history import empty_moves

    return empty_moves()


def _moves_summary(moves: pd.DataFrame) -> dict[str, Any]:
    if moves.empty or "previous_as_of" not in moves or moves["previous_as_of"].isna().all():
        return {"previous_run": None, "tier": {}, "level": {}}
    return {
        "previous_run": str(moves["previous_as_of"].dropna().iloc[0]),
        "tier": {str(k): int(v) for k, v in moves["tier_move"].value_counts().items()},
        "level": {str(k): int(v) for k, v in moves["level_move"].value_counts().items()},
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _clean(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, NumPy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
