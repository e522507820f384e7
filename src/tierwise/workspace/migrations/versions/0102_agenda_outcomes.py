"""Agenda outcomes: items done, snoozed or skipped, with the reason.

Revision ID: 0102
Revises: 0101
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0102"
down_revision = "0101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agenda_outcomes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_outcomes")),
    )
    with op.batch_alter_table("agenda_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_outcomes_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agenda_outcomes_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agenda_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_outcomes_owner"))
        batch_op.drop_index(batch_op.f("ix_agenda_outcomes_item_id"))
    op.drop_table("agenda_outcomes")
