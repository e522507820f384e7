"""Who is asking: the one object every service receives and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Roles that read the whole book.
BOOK_WIDE = frozenset({"admin", "leader", "analyst"})
ROLES = ("admin", "leader", "manager", "rep", "analyst")


@dataclass(frozen=True)
class Viewer:
    """A logged-in person as the services see them.

    ``team`` holds the names (and e-mails) of the people a manager manages: their accounts
    are in the manager's view. A rep's accounts are the scorecard rows whose ``owner`` is
    their name or e-mail, compared as the workspace does (trimmed, case aside).
    """

    user_id: int
    name: str
    role: str
    team: frozenset[str] = field(default_factory=frozenset)
    email: str | None = None

    @property
    def owners(self) -> frozenset[str] | None:
        """Owner keys (lower case) whose accounts this viewer sees; None: the whole book."""
        if self.role in BOOK_WIDE:
            return None
        mine = {owner_key(self.name)} | ({owner_key(self.email)} if self.email else set())
        if self.role == "manager":
            return frozenset({owner_key(t) for t in self.team} | mine)
        return frozenset(mine)

    def sees_owner(self, owner: str | None) -> bool:
        scope = self.owners
        return scope is None or (owner is not None and owner_key(owner) in scope)

    @property
    def may_change(self) -> bool:
        """Analysts read everything and change nothing."""
        return self.role != "analyst"


def owner_key(owner: str) -> str:
    """How owners are compared: trimmed, lower case (the engine's lower() does the same)."""
    return owner.strip().lower()
