"""Errors of the workspace services; each names the thing and the fix.

Interfaces map them: the CLI exits with 2 for all; the web app answers 403 for
``NotAllowed``, 404 for ``NotFound``, 409 for ``Conflict`` and 422 for the rest.
"""

from __future__ import annotations

from tierwise.errors import InputError, TierwiseError


class WorkspaceError(TierwiseError):
    """Root of the workspace's errors."""


class DatabaseError(WorkspaceError, RuntimeError):
    """The database cannot be reached, or its schema is not the one this code knows."""


class NotFound(WorkspaceError, InputError, LookupError):
    """An unknown user, customer, override or run."""


class NotAllowed(WorkspaceError, PermissionError):
    """The acting user's role or relation to the account does not allow the action."""


class Conflict(WorkspaceError, InputError):
    """The action clashes with the current state (a second open request, a closed one)."""


class BadRequest(WorkspaceError, InputError):
    """A value that cannot be used: an unknown tier or reason code, a past review date."""
