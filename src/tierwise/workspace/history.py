"""Tier and relationship-level history across runs of the same book: who moved.

Each registered run keeps every customer's position (tier, model tier, level, trend,
score, owner). The previous run of a book is its latest run with an earlier as-of date;
re-running an as-of replaces that as-of's positions. Tier moves are ``up`` toward the
first of the policy's own tier names (passed by the caller), so a policy that names its
tiers gets the right direction.

Before the workspace database, the history lived in ``.tierwise-history.sqlite`` beside
the run folders; ``import_legacy_file`` brings such a file in once and renames it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import create_engine, delete, insert, select
from sqlalchemy.orm import Session

from tierwise.run_folder import MOVE_COLUMNS, empty_moves
from tierwise.workspace import audit
from tierwise.workspace.models import Position, Run

LEGACY_FILE = ".tierwise-history.sqlite"
IMPORTED_SUFFIX = ".imported"
POSITION_COLUMNS = (
    "customer_id",
    "tier",
    "model_tier",
    "relationship_level",
    "relationship_trend",
    "strategic_score",
    "owner",
    "name",
)


def record_positions(session: Session, run: Run, scores: pd.DataFrame) -> None:
    """Keep every customer's position in ``run``; drop older positions of the same as-of."""
    older = select(Run.id).where(
        Run.book_id == run.book_id, Run.as_of == run.as_of, Run.id != run.id
    )
    session.execute(delete(Position).where(Position.run_id.in_(older)))
    frame = scores.copy()
    for column in POSITION_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[list(POSITION_COLUMNS)]
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["tier"] = frame["tier"].astype(str)
    frame = frame.astype(object).where(frame.notna(), None)
    rows: list[dict[str, Any]] = [
        {"run_id": run.id, **{str(k): v for k, v in r.items()}} for r in frame.to_dict("records")
    ]
    for row in rows:
        if row["relationship_level"] is not None:
            row["relationship_level"] = int(row["relationship_level"])
        if row["strategic_score"] is not None:
            row["strategic_score"] = float(row["strategic_score"])
    if rows:
        session.execute(insert(Position), rows)


def previous_run(session: Session, run: Run) -> Run | None:
    """The latest run of the same book with an earlier as-of date that kept positions."""
    return session.scalars(
        select(Run)
        .where(
            Run.book_id == run.book_id,
            Run.as_of < run.as_of,
            Run.id.in_(select(Position.run_id).distinct()),
        )
        .order_by(Run.as_of.desc(), Run.id.desc())
        .limit(1)
    ).first()


def moves(session: Session, run: Run, tier_order: Sequence[str]) -> pd.DataFrame:
    """Who moved tier or level since the book's previous run (``MOVE_COLUMNS``).

    ``tier_move`` is ``up``/``down``/``new``/``gone`` (up = toward the first of
    ``tier_order``, the policy's tiers from the most strategic down), ``level_move``
    ``better``/``worse``/``new``/``gone`` (level 1 is best)."""
    before = previous_run(session, run)
    if before is None:
        return empty_moves()
    current = _positions(session, run.id)
    previous = _positions(session, before.id).rename(
        columns={"tier": "previous_tier", "relationship_level": "previous_level"}
    )
    return _moves(current, previous, before.as_of, tier_order)


def _positions(session: Session, run_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Position.customer_id, Position.tier, Position.relationship_level).where(
            Position.run_id == run_id
        )
    ).all()
    return pd.DataFrame(rows, columns=["customer_id", "tier", "relationship_level"])


def _moves(
    current: pd.DataFrame, previous: pd.DataFrame, previous_as_of: date, tier_order: Sequence[str]
) -> pd.DataFrame:
    m = current.merge(previous, on="customer_id", how="outer")
    rank = {name: i for i, name in enumerate(tier_order)}
    now_t = m["tier"].map(rank)
    was_t = m["previous_tier"].map(rank)
    m["tier_move"] = None
    m.loc[m["previous_tier"].isna(), "tier_move"] = "new"
    m.loc[m["tier"].isna(), "tier_move"] = "gone"
    both = m["tier"].notna() & m["previous_tier"].notna() & (m["tier"] != m["previous_tier"])
    m.loc[both & (now_t < was_t), "tier_move"] = "up"
    m.loc[both & (now_t > was_t), "tier_move"] = "down"
    # A tier the policy no longer names cannot be ordered: say it changed, not which way.
    m.loc[both & (now_t.isna() | was_t.isna()), "tier_move"] = "changed"
    m["level_move"] = None
    m.loc[m["previous_level"].isna(), "level_move"] = "new"
    m.loc[m["relationship_level"].isna(), "level_move"] = "gone"
    lv = m["relationship_level"].notna() & m["previous_level"].notna()
    m.loc[lv & (m["relationship_level"] < m["previous_level"]), "level_move"] = "better"
    m.loc[lv & (m["relationship_level"] > m["previous_level"]), "level_move"] = "worse"
    m["previous_as_of"] = previous_as_of
    moved = m["tier_move"].notna() | m["level_move"].notna()
    out = m.loc[moved, MOVE_COLUMNS].sort_values("customer_id").reset_index(drop=True)
    for col in ("relationship_level", "previous_level"):
        out[col] = out[col].astype("Int64")
    return out


def import_legacy_file(session: Session, path: Path) -> int | None:
    """Bring a ``.tierwise-history.sqlite`` of earlier versions into the workspace, once.

    Its runs and positions become runs and positions here (the runs marked as imported);
    the file is then renamed to ``…sqlite.imported``, so it is neither lost nor imported
    twice. Returns the number of runs imported, or None when there is no such file."""
    if not path.is_file():
        return None
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            runs = conn.exec_driver_sql(
                "SELECT id, book_id, as_of, recorded_at FROM segment_runs ORDER BY as_of, id"
            ).all()
            positions = pd.read_sql(
                "SELECT run_id, customer_id, tier, relationship_level, relationship_trend, "
                "strategic_score FROM segment_positions",
                conn,
            )
    finally:
        engine.dispose()
    for old_id, book_id, as_of, recorded_at in runs:
        run = Run(
            book_id=book_id,
            as_of=_day(as_of),
            recorded_at=_moment(recorded_at),
            counts={"imported_from": str(path)},
        )
        session.add(run)
        session.flush()
        part = positions[positions["run_id"] == old_id].drop(columns="run_id")
        record_positions(session, run, part)
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="history.import",
        object_type="history",
        object_id=str(path),
        after={"runs": len(runs), "positions": len(positions)},
        comment=f"tier history brought in from {path}; the file is kept as {path.name}"
        f"{IMPORTED_SUFFIX}",
    )
    return len(runs)


def mark_imported(path: Path) -> None:
    """Rename an imported legacy file (after the import's transaction committed)."""
    path.rename(path.with_name(path.name + IMPORTED_SUFFIX))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
