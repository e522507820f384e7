"""The workspace database: URL, first-use migration, versions, unreachable servers."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from typer.testing import CliRunner

from tierwise.cli import app
from tierwise.workspace import DatabaseError, Workspace
from tierwise.workspace.db import DEFAULT_URL, ENV_VAR, head_revision, make_engine, resolve_url
from tierwise.workspace.models import Base

runner = CliRunner()


def said(result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_url_comes_from_the_option_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url(None) == DEFAULT_URL == "sqlite:///tierwise.db"
    monkeypatch.setenv(ENV_VAR, "sqlite:///env.db")
    assert resolve_url(None) == "sqlite:///env.db"
    assert resolve_url("sqlite:///flag.db") == "sqlite:///flag.db"


def test_postgresql_urls_use_psycopg_3():
    engine = make_engine("postgresql://u:p@127.0.0.1:1/x")
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.dialect.driver == "psycopg"


def test_a_new_sqlite_file_is_migrated_on_first_use(tmp_path: Path):
    path = tmp_path / "new.db"
    ws = Workspace(f"sqlite:///{path}")
    assert path.exists()
    assert ws.revision() == (head_revision(), head_revision())


def test_migrations_build_exactly_the_models_schema(db_url: str):
    ws = Workspace(db_url, migrate=False)
    ws.upgrade()
    with ws.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_db_upgrade_and_current_through_the_cli(db_url: str):
    before = runner.invoke(app, ["db", "current", "--db", db_url])
    assert before.exit_code == 0, before.output
    assert "revision none" in said(before) and "tierwise db upgrade" in said(before)
    up = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert up.exit_code == 0, up.output
    assert f"upgraded from empty to schema revision {head_revision()}" in said(up)
    again = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert "already at" in said(again)
    now = runner.invoke(app, ["db", "current", "--db", db_url])
    assert "up to date" in said(now)
    assert "password" not in now.output and ":tierwise@" not in now.output


def test_a_database_newer_than_the_code_stops_with_a_clear_message(db_url: str):
    Workspace(db_url).close()
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="newer than this tierwise knows"):
        Workspace(db_url)
    result = runner.invoke(app, ["users", "list", "--db", db_url])
    assert result.exit_code == 2
    assert "9999_future" in said(result) and "upgrade tierwise" in said(result)


def test_an_older_database_asks_for_db_upgrade(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something_else (x INTEGER)"))
    engine.dispose()
    result = runner.invoke(app, ["users", "list", "--db", url])
    assert result.exit_code == 2
    assert "tierwise db upgrade" in said(result)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("postgresql://nobody:secret@127.0.0.1:9/none", "127.0.0.1:9"),
        ("sqlite:////no/such/folder/tierwise.db", "/no/such/folder"),
        ("mysql://x@localhost/db", "not SQLite or PostgreSQL"),
    ],
)
def test_an_unreachable_database_is_a_clear_error_with_exit_code_2(url: str, named: str):
    result = runner.invoke(app, ["users", "list", "--db", url])
    assert result.exit_code == 2, result.output
    assert named in said(result)
    assert "secret" not in result.output
    assert "Traceback" not in result.output
