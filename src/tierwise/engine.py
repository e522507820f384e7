"""The embedded data engine: DuckDB through Ibis, set up to stay within memory bounds."""

from __future__ import annotations

import os
import tempfile

import ibis

DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    """DuckDB's memory limit: ``TIERWISE_MEMORY_LIMIT``, else 3GB.

    3GB keeps a 100M-line book's whole process under 4 GB; DuckDB spills to disk beyond
    it, and a larger limit did not make the big aggregations measurably faster.
    """
    return os.environ.get("TIERWISE_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def connect_embedded(limit: str | None = None, threads: int | None = None) -> ibis.BaseBackend:
    """An in-memory DuckDB connection that spills to a temp folder beyond its memory limit.

    DuckDB's preserve_insertion_order keeps file order, which line numbers rely on.
    """
    con = ibis.duckdb.connect(
        temp_directory=os.path.join(tempfile.gettempdir(), "tierwise-spill"),
        memory_limit=limit or memory_limit(),
        **({"threads": threads} if threads else {}),
    )
    return con
