"""Run folders and viewers for the web app's tests: two runs of one small book, by hand.

Owners: Rita and Rob are reps managed by Mia; Sam's accounts belong to no one here.
Between the runs, B moves growth → strategic and D's level goes 3 → 4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from tierwise.web.services.viewer import Viewer

LEADER = Viewer(1, "Lee Leader", "leader")
ANALYST = Viewer(2, "Ana Analyst", "analyst")
ADMIN = Viewer(3, "Ada Admin", "admin")
MANAGER = Viewer(4, "Mia Manager", "manager", team=frozenset({"Rita Rep", "Rob Rep"}))
RITA = Viewer(5, "Rita Rep", "rep")
ROB = Viewer(6, "Rob Rep", "rep")
SAM = Viewer(7, "Sam Seller", "rep")

#: The second (latest) run's scorecard.
LATEST = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E", "F", "G"],
        "name": [
            "Alpha AG",
            "Beta BV",
            "Gamma SA",
            "Delta Ltd",
            "=HYPERLINK(1)",
            "Zeta Inc",
            "Eta",
        ],
        "owner": ["Rita Rep", "Rita Rep", "Rob Rep", "Rob Rep", "Rita Rep", "Sam Seller", None],
        "revenue": [500.0, 300.0, 100.0, 60.0, 40.0, 20.0, 10.0],
        "gross_margin": [250.0, 150.0, 40.0, 20.0, 10.0, 8.0, 3.0],
        "cost_to_serve": [50.0, 30.0, 30.0, 40.0, 70.0, 4.0, 1.0],
        "cts_people": [30.0, 20.0, 20.0, 25.0, 50.0, 2.0, 0.5],
        "cts_orders": [20.0, 10.0, 10.0, 15.0, 20.0, 2.0, 0.5],
        "net_profit": [200.0, 120.0, 10.0, -20.0, -60.0, 4.0, 2.0],
        "p_alive": [0.99, 0.9, 0.8, 0.5, 0.2, float("nan"), 0.7],
        "clv": [900.0, 400.0, 80.0, 10.0, 5.0, 3.0, 1.0],
        "effort_hours": [10.0, 20.0, 5.0, 30.0, 35.0, 1.0, 0.0],
        "entitled_hours": [40.0, 20.0, 5.0, 5.0, 5.0, 1.0, 1.0],
        "alignment": [
            "under_served",
            "aligned",
            "aligned",
            "over_served",
            "over_served",
            "aligned",
            "aligned",
        ],
        "tier": ["strategic", "strategic", "core", "core", "transactional", "core", "core"],
        "relationship_level": [1, 1, 2, 4, 4, 2, 3],
        "relationship_trend": [
            "stable",
            "improving",
            "stable",
            "deteriorating",
            "deteriorating",
            "stable",
            "stable",
        ],
        "strategic_score": [0.9, 0.8, 0.5, 0.3, 0.1, 0.2, 0.15],
        "strategic_rank": [1, 2, 3, 4, 7, 5, 6],
        "revenue_rank": [1, 2, 3, 4, 5, 6, 7],
        "loss_drivers": [
            None,
            None,
            None,
            "cost to serve 40 exceeds gross margin 20",
            None,
            None,
            None,
        ],
        "reasons": [
            "strategic: score 90/100; level 1 (good for both); stable",
            "strategic: score 80/100; level 1; improving",
            "core: score 50/100; level 2",
            "core: score 30/100; level 4 (good for neither); deteriorating",
            "transactional: score 10/100; level 4",
            "core: score 20/100",
            "core: score 15/100",
        ],
    }
)


def previous_scorecard() -> pd.DataFrame:
    earlier = LATEST.copy()
    earlier.loc[earlier.customer_id == "B", "tier"] = "growth"
    earlier.loc[earlier.customer_id == "D", "relationship_level"] = 3
    return earlier


def write_run(folder: Path, scorecard: pd.DataFrame, as_of: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    scorecard.to_parquet(folder / "scorecard.parquet", index=False)
    run: dict[str, Any] = {
        "tierwise_version": "0.1.0",
        "created_at": f"{as_of}T09:00:00+00:00",
        "book": "/data/books/acme",
        "as_of": as_of,
        "window": {"start": "2025-07-01", "end": as_of, "days": 365},
    }
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    portfolio = {
        "customers": len(scorecard),
        "revenue": float(scorecard.revenue.sum()),
        "net_profit": float(scorecard.net_profit.sum()),
    }
    (folder / "portfolio.json").write_text(json.dumps(portfolio), encoding="utf-8")
    return folder


def write_runs(root: Path) -> Path:
    """``root/acme/2026-06-01`` and ``root/acme/2026-07-01`` (the latest)."""
    write_run(root / "acme" / "2026-06-01", previous_scorecard(), "2026-06-01")
    write_run(root / "acme" / "2026-07-01", LATEST, "2026-07-01")
    return root


PASSWORD = "correct horse battery staple"
#: (name, role, manager) of the test workspace's people.
PEOPLE = [
    ("Ada Admin", "admin", None),
    ("Lee Leader", "leader", None),
    ("Ana Analyst", "analyst", None),
    ("Mia Manager", "manager", None),
    ("Rita Rep", "rep", "Mia Manager"),
    ("Rob Rep", "rep", "Mia Manager"),
    ("Sam Seller", "rep", None),
]


def make_workspace(url: str, root: Path) -> Path:
    """A workspace at ``url`` with ``PEOPLE`` and the two runs of ``write_runs(root)``
    registered with their positions (as ``analyze --db`` would)."""
    from tierwise.workspace import Workspace, history, runs

    write_runs(root)
    with Workspace(url) as ws:
        for i, (name, role, manager) in enumerate(PEOPLE):
            actor = None if i == 0 else PEOPLE[0][0]
            ws.add_user(name, role=role, password=PASSWORD, manager=manager, actor=actor)
        for as_of, frame in (("2026-06-01", previous_scorecard()), ("2026-07-01", LATEST)):
            with ws.transaction() as db:
                run = runs.add_run(
                    db,
                    book_id="/data/books/acme",
                    as_of=pd.Timestamp(as_of).date(),
                    run_dir=str((root / "acme" / as_of).resolve()),
                    policy={},
                    counts={"customers": len(frame)},
                    version="0.1.0",
                )
                history.record_positions(db, run, frame)
    return root
