"""A bounded load test of the web app on loopback: N clients for T seconds, then it stops.

Serves a synthetic 100k-customer run (as bench_web_pages.py) with uvicorn on 127.0.0.1 in
this process, logs in N users through the real login form, and has each client request
the accounts table (filtered, paged), an account page and the API in a loop until the
time is up. The clients run in a process of their own (the server keeps its interpreter).
Reports requests, errors, latency percentiles and the machine's load average (latency on
a busy machine is mostly waiting for a core). It binds 127.0.0.1 only.

    uv run python benchmarks/bench_web_load.py                       # 20 clients, 30 s
    uv run python benchmarks/bench_web_load.py --clients 5 --seconds 10
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from bench_web_pages import OWNERS, make_run

from tierwise.web import WebSettings, create_app
from tierwise.workspace import Workspace

PASSWORD = "load-test-password-1"


def run_clients(base: str, count: int, seconds: float, results: Any) -> None:
    """``count`` logged-in clients requesting pages until ``seconds`` are up; puts
    (latencies, errors) on ``results``."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        name = "Lee" if i == 0 else OWNERS[i % len(OWNERS)]
        with httpx.Client(base_url=base, timeout=120) as c:
            c.post("/login", data={"name": name, "password": PASSWORD})
            paths = [
                "/accounts?tier=strategic&sort=revenue&desc=true",
                f"/accounts?page={1 + i % 3}",
                "/api/v1/customers?per_page=100&alignment=over_served",
            ]
            n = 0
            while time.monotonic() < stop_at:
                path = paths[n % len(paths)]
                n += 1
                start = time.perf_counter()
                r = c.get(path)
                took = time.perf_counter() - start
                with lock:
                    latencies.append(took)
                    if r.status_code != 200:
                        errors.append(f"{path}: {r.status_code}")

    workers = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.put((latencies, errors, time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "run").mkdir()
        make_run(root / "run", args.customers)
        url = f"sqlite:///{root / 'ws.db'}"
        with Workspace(url) as ws:
            ws.add_user("Lee", role="leader", password=PASSWORD)
            for owner in OWNERS:
                ws.add_user(owner, role="rep", password=PASSWORD, actor="Lee")
        app = create_app(WebSettings(runs_dir=root, db_url=url, login_max_failures=1000))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        # the clients run in a process of their own, so they do not share the server's
        # interpreter (and its lock) with it
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        clients = context.Process(
            target=run_clients, args=(base, args.clients, args.seconds, results)
        )
        clients.start()
        latencies, errors, elapsed = results.get()
        clients.join()
        server.should_exit = True
        thread.join()
    cuts = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else [0.0] * 99
    )
    print(f"customers {args.customers:,}, {args.clients} clients, {elapsed:.0f} s")
    print(f"requests {len(latencies):,} ({len(latencies) / elapsed:.1f}/s), errors {len(errors)}")
    print(
        f"latency p50 {1000 * cuts[49]:.0f} ms, p95 {1000 * cuts[94]:.0f} ms, "
        f"max {1000 * max(latencies, default=0):.0f} ms"
    )
    for e in errors[:5]:
        print("  error:", e)
    print(
        f"summary: {len(errors)} errors in {len(latencies):,} requests; "
        f"p95 {1000 * cuts[94]:.0f} ms; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
