"""How fast the web app's pages answer at 100,000 customers (in process, no network).

Writes a synthetic run folder (scorecard with owners, tiers, levels, alignment, ranks),
then asks each page and API route several times through the app and reports the median
time, and its ratio to a baseline measured in the same run: reading the scorecard's
Parquet file once with pyarrow. The goal is every page under 300 ms on a quiet machine.
The workspace pages (runs, users, audit) read a workspace with the run registered and
``--audit`` entries in its trail. The last lines summarise: pages over the goal, the
slowest, and the machine's load average (times on a busy machine are inflated).

    uv run python benchmarks/bench_web_pages.py                  # 100,000 customers
    uv run python benchmarks/bench_web_pages.py --customers 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tierwise.metrics.concentration import portfolio_profit_figures
from tierwise.web import WebSettings, create_app
from tierwise.web.deps import current_viewer
from tierwise.web.services.viewer import Viewer
from tierwise.workspace import Workspace

OWNERS = [f"Rep {i:02d}" for i in range(50)]


def make_run(folder: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    revenue = rng.pareto(1.2, n) * 100
    hours = rng.exponential(2.0, n)
    profit = revenue * 0.3 - hours * 60
    score = rng.random(n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "name": [f"Customer {i}" for i in range(n)],
            "owner": np.array(OWNERS)[rng.integers(0, len(OWNERS), n)],
            "revenue": revenue,
            "gross_margin": revenue * 0.3,
            "cost_to_serve": hours * 60,
            "net_profit": profit,
            "clv": revenue * 2,
            "p_alive": rng.random(n),
            "effort_hours": hours,
            "entitled_hours": rng.exponential(2.0, n),
            "tier": np.array(["strategic", "growth", "core", "transactional"])[
                rng.integers(0, 4, n)
            ],
            "alignment": np.array(["over_served", "aligned", "under_served"])[
                rng.integers(0, 3, n)
            ],
            "relationship_level": rng.integers(1, 5, n),
            "relationship_trend": np.array(["improving", "stable", "deteriorating"])[
                rng.integers(0, 3, n)
            ],
            "strategic_score": score,
            "strategic_rank": (-score).argsort().argsort() + 1,
            "revenue_rank": (-revenue).argsort().argsort() + 1,
            "reasons": "core: score 40/100; level 4 (good for neither); deteriorating",
        }
    )
    frame.to_parquet(folder / "scorecard.parquet", index=False)
    portfolio = {"customers": n, "revenue": float(revenue.sum()), "net_profit": float(profit.sum())}
    portfolio.update(portfolio_profit_figures(frame))
    (folder / "portfolio.json").write_text(json.dumps(portfolio), encoding="utf-8")
    run = {"as_of": "2026-07-01", "created_at": "2026-07-01T00:00:00", "book": "bench"}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")


PAGES = [
    ("leader", "/accounts"),
    ("leader", "/accounts?tier=strategic&sort=revenue&desc=true&page=20"),
    ("leader", "/accounts?q=customer%204242"),
    ("leader", "/accounts/C0000042"),
    ("leader", "/api/v1/customers?alignment=over_served&level=4&per_page=100"),
    ("leader", "/portfolio"),
    ("rep", "/accounts?sort=net_profit"),
    ("rep", "/api/v1/customers?per_page=100"),
    ("admin", "/runs"),
    ("admin", "/users"),
    ("admin", "/audit"),
    ("admin", "/api/v1/audit?per_page=100&action=override.approve"),
]
GOAL_MS = 300


def make_workspace(url: str, folder: Path, entries: int) -> None:
    """A workspace with an admin, the reps, the run registered and ``entries`` audit rows."""
    from datetime import UTC, date, datetime, timedelta

    from sqlalchemy import insert

    from tierwise.workspace import runs
    from tierwise.workspace.models import AuditEntry

    with Workspace(url) as ws:
        ws.add_user("Ada", role="admin", password="bench-password-1")
        with ws.transaction() as db:
            runs.add_run(
                db,
                book_id="bench",
                as_of=date(2026, 7, 1),
                run_dir=str(folder.resolve()),
                policy={},
                counts={"customers": 0},
                version="bench",
            )
            start = datetime(2026, 1, 1, tzinfo=UTC)
            rows = [
                {
                    "at": start + timedelta(minutes=i),
                    "actor": OWNERS[i % len(OWNERS)],
                    "action": ("override.request", "override.approve", "login")[i % 3],
                    "object_type": "override",
                    "object_id": str(i),
                }
                for i in range(entries)
            ]
            for cut in range(0, len(rows), 10_000):
                db.execute(insert(AuditEntry), rows[cut : cut + 10_000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--audit", type=int, default=100_000, help="Audit entries.")
    args = parser.parse_args()
    viewers = {
        "leader": Viewer(1, "Lee", "leader"),
        "rep": Viewer(2, OWNERS[7], "rep"),
        "admin": Viewer(1, "Ada", "admin"),
    }
    who = {"v": viewers["leader"]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        folder.mkdir()
        make_run(folder, args.customers)
        start = time.perf_counter()
        pq.read_table(folder / "scorecard.parquet")
        baseline = time.perf_counter() - start
        url = f"sqlite:///{Path(tmp) / 'ws.db'}"
        make_workspace(url, folder, args.audit)
        app = create_app(WebSettings(runs_dir=Path(tmp), db_url=url))
        app.dependency_overrides[current_viewer] = lambda: who["v"]
        with TestClient(app) as client:
            client.get("/portfolio")  # the first view builds the run's sections once
            print(f"customers: {args.customers:,}; audit entries: {args.audit:,}")
            print(f"baseline (read scorecard.parquet): {1000 * baseline:.0f} ms")
            medians = {}
            for role, path in PAGES:
                who["v"] = viewers[role]
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.get(path)
                    times.append(time.perf_counter() - start)
                    assert response.status_code == 200, (path, response.status_code)
                median = statistics.median(times)
                medians[f"{role} {path}"] = median
                ratio = median / baseline
                print(f"{role:6} {path:62} {1000 * median:7.0f} ms = {ratio:5.1f}x baseline")
    slow = [k for k, v in medians.items() if 1000 * v > GOAL_MS]
    worst = max(medians, key=lambda k: medians[k])
    print(
        f"summary: {len(medians) - len(slow)}/{len(medians)} pages under {GOAL_MS} ms; "
        f"slowest {worst} {1000 * medians[worst]:.0f} ms; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
