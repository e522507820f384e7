"""Tier and relationship-level history across runs of the same book, so users see who moved.

SQLAlchemy 2 over SQLite; by default one file beside the run folders,
``<run parent>/.tierwise-history.sqlite``. Runs are keyed by a book identity the caller
chooses and the as-of date; re-running the same as-of replaces that run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierwise.errors import InputError

HISTORY_FILE = ".tierwise-history.sqlite"
DEFAULT_TIERS = ("strategic", "growth", "core", "transactional")
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


class _Base(DeclarativeBase):
    pass


class HistoryRun(_Base):
    """One recorded run of a book."""

    __tablename__ = "segment_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[str] = mapped_column(String, index=True)
    as_of: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class HistoryPosition(_Base):
    """Where one customer stood in one run."""

    __tablename__ = "segment_positions"

    run_id: Mapped[int] = mapped_column(ForeignKey("segment_runs.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String, primary_key=True)
    tier: Mapped[str] = mapped_column(String)
    relationship_level: Mapped[int] = mapped_column(Integer)
    relationship_trend: Mapped[str | None] = mapped_column(String, nullable=True)
    strategic_score: Mapped[float | None] = mapped_column(Float, nullable=True)


def default_history_path(run_dir: str | Path) -> Path:
    """The history file shared by the runs written beside ``run_dir``."""
    return Path(run_dir).resolve().parent / HISTORY_FILE


def _engine(path: str | Path) -> Engine:
    p = Path(path)
    if p.is_dir():
        p = p / HISTORY_FILE
    p.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{p}")
    _Base.metadata.create_all(engine)
    return engine


def _as_frame(scores: Any) -> pd.DataFrame:
    cols = ["customer_id", "tier", "relationship_level", "relationship_trend", "strategic_score"]
    if hasattr(scores, "to_pandas") and not isinstance(scores, pd.DataFrame):
        missing = [c for c in cols if c not in scores.columns]
        if not missing:
            scores = scores.select(*cols).to_pandas()
    if not isinstance(scores, pd.DataFrame):
        raise InputError(
            f"record_history needs a pandas DataFrame or Ibis table; got {type(scores)!r}."
        )
    missing = [c for c in cols if c not in scores.columns]
    if missing:
        raise InputError(
            f"record_history: scores lack columns {missing}; pass the scores of segment_customers."
        )
    return scores[cols]


def _date(as_of: date | datetime | str) -> date:
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as exc:
        raise InputError(f"record_history: as_of {as_of!r} is not a date; use YYYY-MM-DD.") from exc


def record_history(
    scores: Any,
    book_id: str,
    as_of: date | datetime | str,
    path: str | Path,
    *,
    tier_order: Sequence[str] = DEFAULT_TIERS,
) -> pd.DataFrame:
    """Record this run's tiers and levels and return who moved since the previous run.

    ``path`` is the SQLite file (or a folder to hold ``.tierwise-history.sqlite``). The
    previous run is the latest one of ``book_id`` with an earlier as-of date. The
    result has ``MOVE_COLUMNS``: ``tier_move`` is ``up``/``down``/``new``/``gone`` (up =
    toward the first of ``tier_order``), ``level_move`` ``better``/``worse``/``new``/``gone``
    (level 1 is best); only customers whose tier or level changed are listed.
    """
    current = _as_frame(scores).copy()
    current["customer_id"] = current["customer_id"].astype(str)
    day = _date(as_of)
    engine = _engine(path)
    with engine.begin() as conn:
        old = (
            conn.execute(
                select(HistoryRun.id).where(HistoryRun.book_id == book_id, HistoryRun.as_of == day)
            )
            .scalars()
            .all()
        )
        if old:
            conn.execute(delete(HistoryPosition).where(HistoryPosition.run_id.in_(old)))
            conn.execute(delete(HistoryRun).where(HistoryRun.id.in_(old)))
        prev_row = conn.execute(
            select(HistoryRun.id, HistoryRun.as_of)
            .where(HistoryRun.book_id == book_id, HistoryRun.as_of < day)
            .order_by(HistoryRun.as_of.desc(), HistoryRun.id.desc())
            .limit(1)
        ).first()
        run_id = conn.execute(
            insert(HistoryRun).values(book_id=book_id, as_of=day, recorded_at=datetime.now(UTC))
        ).inserted_primary_key[0]  # type: ignore[index]
        rows = list(
            zip(
                [run_id] * len(current),
                current["customer_id"].tolist(),
                current["tier"].astype(str).tolist(),
                current["relationship_level"].astype("int64").tolist(),
                current["relationship_trend"]
                .astype(object)
                .where(current["relationship_trend"].notna(), None)
                .tolist(),
                current["strategic_score"].astype("float64").tolist(),
                strict=True,
            )
        )
        if rows:
            conn.exec_driver_sql(
                "INSERT INTO segment_positions (run_id, customer_id, tier, relationship_level, "
                "relationship_trend, strategic_score) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        if prev_row is None:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in MOVE_COLUMNS})
        previous = pd.read_sql(
            select(
                HistoryPosition.customer_id,
                HistoryPosition.tier.label("previous_tier"),
                HistoryPosition.relationship_level.label("previous_level"),
            ).where(HistoryPosition.run_id == prev_row.id),
            conn,
        )
    return _moves(current, previous, prev_row.as_of, tier_order)


def _moves(
    current: pd.DataFrame, previous: pd.DataFrame, previous_as_of: date, tier_order: Sequence[str]
) -> pd.DataFrame:
    m = current[["customer_id", "tier", "relationship_level"]].merge(
        previous, on="customer_id", how="outer"
    )
    rank = {name: i for i, name in enumerate(tier_order)}
    now_t = m["tier"].map(rank)
    was_t = m["previous_tier"].map(rank)
    m["tier_move"] = None
    m.loc[m["previous_tier"].isna(), "tier_move"] = "new"
    m.loc[m["tier"].isna(), "tier_move"] = "gone"
    both = m["tier"].notna() & m["previous_tier"].notna() & (m["tier"] != m["previous_tier"])
    m.loc[both & (now_t < was_t), "tier_move"] = "up"
    m.loc[both & ~(now_t < was_t), "tier_move"] = "down"
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
