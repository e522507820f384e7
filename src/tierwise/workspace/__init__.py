"""The workspace: the database of what people decide (users, overrides, audit, history).

``Workspace`` is the Python API; the CLI and the web app only wrap it or call its
services (``users``, ``overrides``, ``audit``, ``runs``, ``history``) with their own
session and the acting user. See CONTRACT §4 and §5.
"""

from __future__ import annotations

from tierwise.workspace import (
    agenda_outcomes,  # noqa: F401  (the agenda's table)
    plan_tables,  # noqa: F401  (account plans, in the metadata)
    refresh_tables,  # noqa: F401  (the refresh history)
    web_tables,  # noqa: F401  (the web app's tables, in the metadata)
)
from tierwise.workspace.errors import (
    BadRequest,
    Conflict,
    DatabaseError,
    NotAllowed,
    NotFound,
    WorkspaceError,
)
from tierwise.workspace.workspace import RecordedRun, Workspace

__all__ = [
    "BadRequest",
    "Conflict",
    "DatabaseError",
    "NotAllowed",
    "NotFound",
    "RecordedRun",
    "Workspace",
    "WorkspaceError",
]
