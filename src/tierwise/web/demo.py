"""The demo's people: so that `tierwise demo` then `tierwise serve` shows the demo book to
an admin, a leader, an analyst, a manager and the manager's reps (owners of the book).

Passwords are random and returned once for the demo command to print; an existing
workspace keeps its users. No web framework here: the demo command imports it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

DEMO_MANAGER = "Mia Manager"
DEMO_STAFF = (
    ("Ada Admin", "admin", None),
    ("Lee Leader", "leader", None),
    ("Ana Analyst", "analyst", None),
    (DEMO_MANAGER, "manager", None),
)
#: How many of the book's owners become the manager's reps.
DEMO_REPS = 4


def add_demo_users(workspace: Any, owners: Sequence[str]) -> list[tuple[str, str, str]]:
    """Add the demo staff and the first ``DEMO_REPS`` owners as reps of the demo manager;
    returns (name, role, password) of each, or nothing when the workspace has users."""
    if workspace.list_users():
        return []
    people = [*DEMO_STAFF, *((o, "rep", DEMO_MANAGER) for o in list(owners)[:DEMO_REPS])]
    added = []
    for i, (name, role, manager) in enumerate(people):
        password = secrets.token_urlsafe(12)
        workspace.add_user(
            name,
            role=role,
            password=password,
            manager=manager,
            actor=None if i == 0 else DEMO_STAFF[0][0],
        )
        added.append((name, role, password))
    return added
