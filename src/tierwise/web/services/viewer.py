"""Who is asking: the one object every service receives and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Roles that read the whole book.
BOOK_WIDE = frozenset({"admin", "leader", "analyst"})
ROLES = ("admin", "leader", "manager", "rep", "analyst")


@dataclass(frozen=True)
class Viewer:
    """A logged-in person as the services see them.

    ``team`` holds the names of the people a manager manages (their accounts are in the
    manager's view). A rep's accounts are the scorecard rows whose ``owner`` is their name.
    """

    user_id: int
    name: str
    role: str
    team: frozenset[str] = field(default_factory=frozenset)

    @property
    def owners(self) -> frozenset[str] | None:
        """Owners whose accounts this viewer sees; None means the whole book."""
        if self.role in BOOK_WIDE:
            return None
        if self.role == "manager":
            return self.team | {self.name}
        return frozenset({self.name})

    def sees_owner(self, owner: str | None) -> bool:
        scope = self.owners
        return scope is None or (owner is not None and owner in scope)

    @property
    def may_change(self) -> bool:
        """Analysts read everything and change nothing."""
        return self.role != "analyst"
