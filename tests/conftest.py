"""Shared fixtures: the real datasets beside the checkout, and a fresh DuckDB connection."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets in ../shared/data; tests that need them skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real datasets not found at {SHARED_DATA} (../shared/data beside the checkout)"
        )
    return SHARED_DATA


@pytest.fixture
def con() -> ibis.BaseBackend:
    """An in-memory DuckDB connection through Ibis."""
    return ibis.duckdb.connect()


pytest_plugins = ["tests.db_fixtures"]


@pytest.fixture(scope="session")
def spark():
    """One local Spark session per test process (tests/spark_engine.py); skips without Java."""
    from tests.spark_engine import local_spark

    session = local_spark()
    yield session
    session.stop()
