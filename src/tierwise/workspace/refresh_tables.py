"""The scheduled refresh's history in the workspace database: one row per refresh.

Cron or a CI schedule runs ``tierwise refresh`` unattended; this table says when each
refresh ran, how it ended (``running``, ``done``, ``up_to_date``, ``failed``), the run it
registered and its log lines, so the app and people can see it without the cron mail. It
extends the workspace's schema (same ``Base``) and ships as the migration ``0104``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tierwise.workspace.models import Base


class RefreshRecord(Base):
    """One refresh of a runs folder, from start to how it ended."""

    __tablename__ = "refreshes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runs_folder: Mapped[str] = mapped_column(String(2000), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)
    message: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    log: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
