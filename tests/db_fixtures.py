"""Workspace databases for tests: ``db_url`` runs a test on SQLite and on PostgreSQL.

PostgreSQL comes from ``TIERWISE_TEST_PG_URL`` (scripts/test.sh sets it from
scripts/install-postgres.sh), else the URL that script creates. Each test gets a fresh
database. Without a reachable server the PostgreSQL cases skip with the reason, except
when ``CI=true``: there they fail, so CI never passes without testing PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

DEFAULT_PG_URL = "postgresql://tierwise:tierwise@127.0.0.1:5432/tierwise_test"


def _pg_url() -> str:
    return os.environ.get("TIERWISE_TEST_PG_URL") or DEFAULT_PG_URL


def _pg_unavailable(reason: str) -> None:
    message = (
        f"PostgreSQL not available ({reason}); run scripts/install-postgres.sh as root, "
        "or set TIERWISE_TEST_PG_URL"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_pg_database(template: str | None = None) -> Iterator[str]:
    """Create a fresh PostgreSQL database (a copy of the database at URL ``template``, which
    nothing may be connected to); yield its URL; drop it afterwards."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        _pg_unavailable(str(exc))
    from sqlalchemy.engine import make_url

    base = make_url(_pg_url())
    try:
        admin = psycopg.connect(
            host=base.host,
            port=base.port or 5432,
            user=base.username,
            password=base.password,
            dbname=base.database,
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        _pg_unavailable(str(exc).strip().splitlines()[0])
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    with admin:
        if template is None:
            admin.execute(f'CREATE DATABASE "{name}"')
        else:  # a name fresh_pg_database made: safe to quote as it is
            source = make_url(template).database
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'workspace.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh workspace database URL, once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


TINY_CUSTOMERS = [
    # customer_id, owner, purchases (amount) spread over the year before 2025-06-01
    ("C01", "Rosa Rep", [900, 800, 950, 1000, 700, 850]),
    ("C02", "Rosa Rep", [40, 35]),
    ("C03", "Rosa Rep", [300, 250, 320]),
    ("C04", "Otto Other", [5000, 4200, 4800, 5100, 4700, 5300, 4900]),
    ("C05", "Otto Other", [60]),
    ("C06", "Otto Other", [1500, 1400, 1600, 1550]),
    ("C07", "Nobody Known", [120, 90, 110]),
    ("C08", "Nobody Known", [2500, 2300, 2600, 2400, 2550]),
    ("C09", "Rosa Rep", [75, 80]),
    ("C10", "Otto Other", [400, 380, 420]),
]
TINY_AS_OF = "2025-06-01"


def write_tiny_book(folder: Path, extra: list[tuple[str, str, float]] | None = None) -> Path:
    """Ten customers with owners; ``extra`` adds (customer_id, date, amount) lines."""
    folder.mkdir(parents=True, exist_ok=True)
    customers = ["customer_id,name,owner"] + [
        f"{cid},Company {cid},{owner}" for cid, owner, _ in TINY_CUSTOMERS
    ]
    lines = ["customer_id,date,amount"]
    for cid, _, amounts in TINY_CUSTOMERS:
        for i, amount in enumerate(amounts):
            lines.append(f"{cid},2024-{(i * 2) % 12 + 1:02d}-{10 + i:02d},{amount}")
    for cid, day, amount in extra or []:
        lines.append(f"{cid},{day},{amount}")
    (folder / "customers.csv").write_text("\n".join(customers) + "\n", encoding="utf-8")
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def tiny_book(tmp_path: Path) -> Path:
    return write_tiny_book(tmp_path / "book")


def register_run(
    ws: Any,
    positions: list[tuple[str, str, str]],
    *,
    tiers: tuple[str, ...] = ("strategic", "growth", "core", "transactional"),
    book_id: str = "/books/test",
    as_of: date = date(2025, 6, 1),
) -> int:
    """Register a run with (customer_id, model tier, owner) rows, without analysing a book."""
    import pandas as pd

    from tierwise.settings.schema import Policy
    from tierwise.workspace import history, runs

    policy = Policy().model_dump(mode="json")
    policy["segmentation"]["tiers"] = [{"name": t} for t in tiers]
    scores = pd.DataFrame(positions, columns=["customer_id", "tier", "owner"])
    scores["model_tier"] = scores["tier"]
    scores["relationship_level"] = 1
    with ws.transaction() as s:
        run = runs.add_run(
            s,
            book_id=book_id,
            as_of=as_of,
            run_dir=None,
            policy=policy,
            counts={"customers": len(scores)},
            version="test",
        )
        history.record_positions(s, run, scores)
        return int(run.id)
