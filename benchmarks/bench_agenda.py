"""Time the agenda: every owner's day of a large book in one pass of the engine.

The agenda reads only a run folder, so the benchmark writes a synthetic one (scorecard,
open tasks, touches, run.json with a named team) of N customers and N/1,000 owners, then
times ``build_agenda`` for every owner at once, and one owner's day. The baseline, in the
same run, is the plain to-do list a CRM gives: every open task joined with its account and
sorted per owner by due date, in DuckDB over the same files. Goal: 1M customers (≈1,000
owners) in under 60 s.

    uv run python benchmarks/bench_agenda.py                  # 100,000 customers
    uv run python benchmarks/bench_agenda.py --customers 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from tierwise.agenda import build_agenda
from tierwise.settings.schema import Policy

AS_OF = date(2025, 6, 1)
TIERS = np.array(["strategic", "growth", "core", "transactional"])


def write_run(folder: Path, n: int, seed: int = 0) -> list[str]:
    """A run folder of ``n`` customers; returns the owners."""
    rng = np.random.default_rng(seed)
    owners = [f"Owner {i:04d}" for i in range(max(n // 1000, 1))]
    ids = np.array([f"C{i:08d}" for i in range(n)])
    owner = np.array(owners)[rng.integers(0, len(owners), n)]
    entitled = rng.gamma(2, 6, n)
    effort = entitled * rng.lognormal(0, 0.6, n)
    gap = effort - entitled
    scorecard = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"Customer {i}" for i in range(n)],
            "owner": owner,
            "tier": TIERS[rng.choice(4, n, p=[0.03, 0.12, 0.35, 0.5])],
            "strategic_score": rng.beta(2, 5, n),
            "relationship_level": rng.integers(1, 5, n),
            "relationship_trend": rng.choice(
                ["improving", "stable", "deteriorating"], n, p=[0.2, 0.7, 0.1]
            ),
            "level_alert": rng.random(n) < 0.05,
            "recommended_play": "Give value back",
            "alignment": np.where(
                gap > 8, "over_served", np.where(gap < -8, "under_served", "aligned")
            ),
            "effort_hours": effort,
            "entitled_hours": entitled,
            "hours_gap": gap,
        }
    )
    folder.mkdir(parents=True)
    (folder / "details").mkdir()
    scorecard.to_parquet(folder / "scorecard.parquet", index=False)
    k = int(n * 1.5)
    task_customer = rng.integers(0, n, k)
    tasks = pd.DataFrame(
        {
            "task_id": [f"T{i:09d}" for i in range(k)],
            "customer_id": ids[task_customer],
            "owner": owner[task_customer],
            "title": rng.choice(["Send quote", "Call back", "Review pricing", "Plan visit"], k),
            "due": [AS_OF + timedelta(days=int(d)) for d in rng.integers(-60, 30, k)],
            "status": "open",
            "important": rng.random(k) < 0.1,
        }
    )
    tasks.to_parquet(folder / "details" / "agenda_tasks.parquet", index=False)
    last = [AS_OF - timedelta(days=int(d)) for d in rng.integers(1, 200, n)]
    bought = rng.random(n) < 0.2
    touches = pd.DataFrame(
        {
            "customer_id": ids,
            "last_touch": last,
            "last_review": [d - timedelta(days=30) for d in last],
            "orders_since_touch": np.where(bought, rng.integers(1, 5, n), 0),
            "revenue_since_touch": np.where(bought, rng.lognormal(7, 1, n), 0.0),
            "first_order_since_touch": [AS_OF - timedelta(days=5) if b else None for b in bought],
            "last_order_since_touch": [AS_OF - timedelta(days=2) if b else None for b in bought],
        }
    )
    touches.to_parquet(folder / "details" / "agenda_touches.parquet", index=False)
    policy = Policy().model_dump(mode="json")
    policy["service"]["team"] = [
        {"name": o, "role": r, "manager": f"Manager {i // 10:03d}"}
        for i, (o, r) in enumerate(
            zip(
                owners,
                np.resize(["key_account_manager", "account_manager", "inside_sales"], len(owners)),
                strict=True,
            )
        )
    ]
    run = {"as_of": AS_OF.isoformat(), "window": {"days": 365}, "policy": policy}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return owners


def baseline(folder: Path) -> None:
    """A plain to-do list: every open task with its account, sorted per owner by due date."""
    con = duckdb.connect()
    scorecard = str(folder / "scorecard.parquet")  # paths this script wrote
    tasks = str(folder / "details" / "agenda_tasks.parquet")
    con.execute(
        "select t.owner, t.due, t.title, s.name, s.tier "
        f"from read_parquet('{tasks}') t join read_parquet('{scorecard}') s using (customer_id) "
        "order by t.owner, t.due"
    ).arrow()


def timed(fn: Callable[[], object]) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


CPU: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "run"
        start = time.perf_counter()
        owners = write_run(folder, args.customers)
        print(
            f"synthetic run: {args.customers:,} customers, {len(owners):,} owners "
            f"(written in {time.perf_counter() - start:.1f} s)"
        )
        t_base = min(timed(lambda: baseline(folder)) for _ in range(3))
        holder: dict[str, object] = {}
        t_all = timed(lambda: holder.setdefault("all", build_agenda(folder)))
        t_one = timed(lambda: build_agenda(folder, owner=owners[0]))
        agenda = holder["all"]
        items = agenda.items  # type: ignore[attr-defined]
        planned = (items["plan"] == "today").sum()
        carried = (items["plan"] == "carried_over").sum()
        cpu_all, cpu_one = CPU[-2], CPU[-1]
        print(f"  baseline (open tasks sorted per owner)   {t_base:7.2f} s")
        print(
            f"  every owner's day, one pass              {t_all:7.2f} s  "
            f"({t_all / t_base:5.1f}x baseline; CPU {cpu_all:.1f} s; {len(items):,} items, "
            f"{planned:,} planned, {carried:,} carried over)"
        )
        print(
            f"  one owner's day                          {t_one:7.2f} s  "
            f"({t_one / t_base:5.1f}x baseline; CPU {cpu_one:.1f} s)"
        )
        per_million = t_all * 1_000_000 / args.customers
        print(f"  every owner, scaled linearly to 1M customers: {per_million:.0f} s (goal < 60 s)")


if __name__ == "__main__":
    main()
