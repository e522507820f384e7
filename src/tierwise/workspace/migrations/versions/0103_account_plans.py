"""Account plans: the plan, its versions and its actions.

Revision ID: 0103
Revises: 0102
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0103"
down_revision = "0102"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_plans")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_account_plans_customer_id")),
    )
    with op.batch_alter_table("account_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_plans_owner"), ["owner"], unique=False)
    op.create_table(
        "account_plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["account_plans.id"],
            name=op.f("fk_account_plan_versions_plan_id_account_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_plan_versions")),
        sa.UniqueConstraint("plan_id", "version", name=op.f("uq_account_plan_versions_plan_id")),
    )
    with op.batch_alter_table("account_plan_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_plan_versions_plan_id"), ["plan_id"], unique=False
        )
    op.create_table(
        "account_plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("action_key", sa.String(length=40), nullable=False),
        sa.Column("objective", sa.String(length=60), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["account_plans.id"],
            name=op.f("fk_account_plan_actions_plan_id_account_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_plan_actions")),
        sa.UniqueConstraint("plan_id", "action_key", name=op.f("uq_account_plan_actions_plan_id")),
    )
    with op.batch_alter_table("account_plan_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_plan_actions_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_plan_actions_owner"), ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_plan_actions_owner"))
        batch_op.drop_index(batch_op.f("ix_account_plan_actions_plan_id"))
    op.drop_table("account_plan_actions")
    with op.batch_alter_table("account_plan_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_plan_versions_plan_id"))
    op.drop_table("account_plan_versions")
    with op.batch_alter_table("account_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_plans_owner"))
    op.drop_table("account_plans")
