"""The portfolio page: the report's own sections (the same builders, the same charts),
and what moved since the book's previous run, computed in the engine.

Building the sections of a 100k-customer run takes a moment, and a run folder does not
change once written, so the built page data is kept per run (keyed by run.json's mtime).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tierwise.web.services.errors import Forbidden
from tierwise.web.services.runs import RunCatalog, RunRef
from tierwise.web.services.scorecard import ScorecardStore
from tierwise.web.services.viewer import BOOK_WIDE, Viewer

KEEP_RUNS = 8


@dataclass
class Moves:
    """Tier moves between two runs of one book: counts per (from, to) and level changes."""

    previous: RunRef
    tier_changes: int
    level_changes: int
    compared: int
    matrix: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PortfolioView:
    run: RunRef
    sections: list[Any]
    specs: dict[str, Any]
    moves: Moves | None


class PortfolioService:
    """Builds (once per run) and hands out the portfolio page's data."""

    def __init__(self, store: ScorecardStore, catalog: RunCatalog) -> None:
        self.store = store
        self.catalog = catalog
        self._cache: OrderedDict[tuple[Path, float], tuple[list[Any], dict[str, Any]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def view(self, viewer: Viewer, run: RunRef) -> PortfolioView:
        if viewer.role not in BOOK_WIDE:
            raise Forbidden("the portfolio is for leaders, analysts and admins; see your accounts")
        sections, specs = self.sections(run)
        previous = self.catalog.previous(run)
        moves = self.moves(previous, run) if previous is not None else None
        return PortfolioView(run=run, sections=sections, specs=specs, moves=moves)

    def sections(self, run: RunRef) -> tuple[list[Any], dict[str, Any]]:
        """The report's sections of ``run`` and their chart specs (built once, then kept)."""
        key = (run.path, (run.path / "run.json").stat().st_mtime)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        built = _build(run.path)
        with self._lock:
            self._cache[key] = built
            while len(self._cache) > KEEP_RUNS:
                self._cache.popitem(last=False)
        return built

    def moves(self, previous: RunRef, run: RunRef) -> Moves:
        """Who changed tier or level from ``previous`` to ``run`` (an engine join)."""
        a = self.store.table(previous.path)
        b = self.store.table(run.path)
        a = a.select(customer_id=a.customer_id, tier_a=a.tier, level_a=a.relationship_level)
        b = b.select(customer_id=b.customer_id, tier_b=b.tier, level_b=b.relationship_level)
        j = a.join(b, "customer_id")
        counts = (
            j.group_by(["tier_a", "tier_b"])
            .aggregate(customers=j.count())
            .order_by(["tier_a", "tier_b"])
            .to_pyarrow()
            .to_pylist()
        )
        level_changes = int(j.filter(j.level_a != j.level_b).count().execute())
        compared = sum(int(r["customers"]) for r in counts)
        changes = sum(int(r["customers"]) for r in counts if r["tier_a"] != r["tier_b"])
        return Moves(previous, changes, level_changes, compared, counts)


def _build(run_dir: Path) -> tuple[list[Any], dict[str, Any]]:
    from tierwise.report.sections import RunData, build_sections

    sections = build_sections(RunData.open(run_dir))
    specs = {c.name: _fill_card(c.spec) for s in sections for c in s.charts}
    return sections, specs


def _fill_card(spec: dict[str, Any]) -> dict[str, Any]:
    """On a page a chart fills its card, as in the report."""
    if isinstance(spec.get("width"), (int, float)):
        return {**spec, "width": "container"}
    return spec
