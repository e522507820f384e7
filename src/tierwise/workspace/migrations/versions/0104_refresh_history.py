"""The scheduled refresh's history: one row per `tierwise refresh`.

Revision ID: 0104
Revises: 0103
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0104"
down_revision = "0103"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refreshes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runs_folder", sa.String(length=2000), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("log", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_refreshes_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refreshes")),
    )
    with op.batch_alter_table("refreshes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refreshes_runs_folder"), ["runs_folder"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refreshes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refreshes_runs_folder"))
    op.drop_table("refreshes")
