"""The embedded data engine: DuckDB through Ibis, set up to stay within memory bounds."""

from __future__ import annotations

import os
import tempfile

import ibis


def connect_embedded(
    memory_limit: str | None = None, threads: int | None = None
) -> ibis.BaseBackend:
    """An in-memory DuckDB connection that spills to a temp folder beyond ``memory_limit``.

    The limit defaults to ``TIERWISE_MEMORY_LIMIT`` or 4GB, so a 100M-line book fits a
    laptop. DuckDB's preserve_insertion_order keeps file order, which line numbers rely on.
    """
    con = ibis.duckdb.connect(
        temp_directory=os.path.join(tempfile.gettempdir(), "tierwise-spill"),
        memory_limit=memory_limit or os.environ.get("TIERWISE_MEMORY_LIMIT", "4GB"),
        **({"threads": threads} if threads else {}),
    )
    return con
