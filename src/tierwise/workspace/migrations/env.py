"""Alembic environment: the package's metadata, and the connection the caller hands over.

Migrations run from code (``tierwise.workspace.db.upgrade``) with a ``Config`` built there;
users need no alembic.ini. The connection comes in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from tierwise.workspace.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    raise RuntimeError("run migrations through `tierwise db upgrade`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
