"""Benchmark: the demo book generator against a trivial Parquet write of as many rows.

Each measurement runs in its own child process, so its peak memory (``ru_maxrss``) is
its own. The baseline writes the same number of rows (all tables of the generated book
together) as a trivial two-column table (int64 id, float64 value) with pyarrow's
ParquetWriter in chunks of a million rows, with the same compression; the generator is
reported as a multiple of that time, which holds across machines.

    uv run python benchmarks/bench_generate.py                 # 10k customers x 100 lines
    uv run python benchmarks/bench_generate.py --full          # 1M customers x 100 lines
    uv run python benchmarks/bench_generate.py --customers 200000 --lines 50
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE_CHUNK = 1_000_000


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_generate(out: Path, customers: int, lines: float, chunk: int) -> dict[str, object]:
    from tierwise.demo import generate_book

    start = time.perf_counter()
    summary = generate_book(
        out, customers=customers, seed=0, lines_per_customer=lines, chunk_customers=chunk
    )
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
    return {"seconds": seconds, "rows": summary.rows, "bytes": size, "peak_rss_mb": _peak_rss_mb()}


def _worker_baseline(out: Path, rows: int) -> dict[str, object]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tierwise.demo.generator import COMPRESSION

    start = time.perf_counter()
    schema = pa.schema([("id", pa.int64()), ("value", pa.float64())])
    rng = np.random.default_rng(0)
    with pq.ParquetWriter(out / "trivial.parquet", schema, compression=COMPRESSION) as writer:
        for first in range(0, rows, BASELINE_CHUNK):
            n = min(BASELINE_CHUNK, rows - first)
            table = pa.table(
                {"id": np.arange(first, first + n, dtype=np.int64), "value": rng.random(n)},
                schema=schema,
            )
            writer.write_table(table)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def _child(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000, help="customers in the book")
    parser.add_argument("--lines", type=float, default=100.0, help="mean lines per customer")
    parser.add_argument("--chunk", type=int, default=20_000, help="customers per chunk")
    parser.add_argument("--full", action="store_true", help="1,000,000 customers x 100 lines")
    parser.add_argument("--out", type=Path, default=None, help="folder to write into (temp)")
    parser.add_argument("--worker", choices=["generate", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "generate":
        print(json.dumps(_worker_generate(args.out, args.customers, args.lines, args.chunk)))
        return
    if args.worker == "baseline":
        print(json.dumps(_worker_baseline(args.out, args.rows)))
        return
    customers = 1_000_000 if args.full else args.customers
    with tempfile.TemporaryDirectory(prefix="tw_bench_generate_") as tmp:
        root = args.out or Path(tmp)
        book, trivial = root / "book", root / "trivial"
        book.mkdir(parents=True, exist_ok=True)
        trivial.mkdir(parents=True, exist_ok=True)
        common = ["--customers", str(customers), "--lines", str(args.lines)]
        gen = _child(
            ["--worker", "generate", "--out", str(book), *common, "--chunk", str(args.chunk)]
        )
        rows = gen["rows"]
        assert isinstance(rows, dict)
        total = sum(v for k, v in rows.items() if k not in ("truth",))
        base = _child(["--worker", "baseline", "--out", str(trivial), "--rows", str(total)])
    g_s, b_s = float(gen["seconds"]), float(base["seconds"])  # type: ignore[arg-type]
    print(f"customers            {customers:,}  (chunk {args.chunk:,}, {args.lines:g} lines each)")
    for table, n in rows.items():
        print(f"  {table:<18} {n:>14,} rows")
    print(
        f"generate             {g_s:10.2f} s   {total / g_s:12,.0f} rows/s   "
        f"{rows['transactions'] / g_s:12,.0f} lines/s"
    )
    print(f"baseline (trivial)   {b_s:10.2f} s   {total / b_s:12,.0f} rows/s")
    print(f"ratio generate/base  {g_s / b_s:10.2f} x")
    print(f"peak RSS generate    {float(gen['peak_rss_mb']):10.0f} MB")  # type: ignore[arg-type]
    print(f"peak RSS baseline    {float(base['peak_rss_mb']):10.0f} MB")  # type: ignore[arg-type]
    print(f"book on disk         {int(gen['bytes']) / 1e6:10.1f} MB")  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
