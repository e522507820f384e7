"""The audit trail for the web: who may read it (admins and leaders) and one page of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tierwise.web.services.errors import Forbidden
from tierwise.web.services.viewer import Viewer
from tierwise.workspace import audit

READERS = frozenset({"admin", "leader"})


@dataclass(frozen=True)
class AuditPage:
    total: int
    page: int
    per_page: int
    items: list[dict[str, Any]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def require_reader(viewer: Viewer) -> None:
    if viewer.role not in READERS:
        raise Forbidden(
            f"{viewer.name} is a {viewer.role}; the audit trail is for admins and leaders"
        )


def read(
    db: Session, viewer: Viewer, flt: audit.AuditFilter, page: int, per_page: int
) -> AuditPage:
    """One page of the entries matching ``flt``, newest first."""
    require_reader(viewer)
    total, items = audit.page(db, flt, offset=(page - 1) * per_page, limit=per_page)
    return AuditPage(total, page, per_page, items)
