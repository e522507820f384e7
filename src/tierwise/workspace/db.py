"""The workspace database: which URL, the engine, and the schema's version (Alembic).

The URL is ``--db``, else ``TIERWISE_DB``, else ``sqlite:///tierwise.db`` in the current
folder. ``postgresql://`` URLs use psycopg 3. Migrations run from code with a ``Config``
built here, so no alembic.ini is needed. A new, empty database (a new SQLite file) is
migrated on first use; a database with an older schema asks for ``tierwise db upgrade``;
a database newer than the code stops with a message.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from tierwise.workspace.errors import DatabaseError

DEFAULT_URL = "sqlite:///tierwise.db"
ENV_VAR = "TIERWISE_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(db: str | None = None) -> str:
    """The database URL: the ``db`` argument, else ``$TIERWISE_DB``, else the default."""
    return db or os.environ.get(ENV_VAR) or DEFAULT_URL


def _url(raw: str) -> URL:
    """Parse and normalise a URL: plain ``postgresql://`` goes through psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseError(
            f"database URL {raw!r} cannot be read; write it like sqlite:///tierwise.db or "
            "postgresql://user:password@host:5432/dbname"
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"database URL {shown(url)} is not SQLite or PostgreSQL; tierwise's workspace "
            "runs on sqlite:///FILE or postgresql://…"
        )
    return url


def shown(url: URL | str) -> str:
    """The URL without its password, for messages."""
    u = url if isinstance(url, URL) else make_url(url)
    return u.render_as_string(hide_password=True)


def make_engine(raw: str) -> Engine:
    """An engine for ``raw``; SQLite gets foreign keys on and a lock wait of 30 s."""
    url = _url(raw)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(
                    f"cannot open database {shown(url)}: folder {folder} does not exist; "
                    "create it or point --db / TIERWISE_DB elsewhere"
                )
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version of tierwise knows."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database never migrated."""
    with connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the database to the newest schema; return (revision before, after)."""
    before = check_not_newer(engine)
    with connect(engine) as conn, conn.begin():
        command.upgrade(_config(conn), "head")
    return before, head_revision()


def check_not_newer(engine: Engine) -> str | None:
    """The database's revision, after checking this code knows it."""
    revision = current_revision(engine)
    if revision is not None and not _known(revision):
        raise DatabaseError(
            f"database {shown(engine.url)} has schema revision {revision}, newer than this "
            f"tierwise knows (newest: {head_revision()}); upgrade tierwise "
            "(pip install -U tierwise) to use it"
        )
    return revision


def _known(revision: str) -> bool:
    script = ScriptDirectory(str(MIGRATIONS))
    return any(r.revision == revision for r in script.walk_revisions())


def ready(engine: Engine) -> None:
    """Make sure the schema is current: migrate a new empty database, else check the version."""
    revision = check_not_newer(engine)
    if revision == head_revision():
        return
    if revision is None and _is_empty(engine):
        upgrade(engine)
        return
    raise DatabaseError(
        f"database {shown(engine.url)} is at schema revision {revision or 'none'}, older than "
        f"this tierwise ({head_revision()}); run `tierwise db upgrade --db URL` first"
    )


def _is_empty(engine: Engine) -> bool:
    with connect(engine) as conn:
        return not inspect(conn).get_table_names()


class connect:
    """A connection, with "cannot reach the database" turned into a clear error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        try:
            self.conn = self.engine.connect()
        except (OperationalError, ProgrammingError) as exc:
            raise unreachable(self.engine, exc) from exc
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


def unreachable(engine: Engine, exc: Exception) -> DatabaseError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return DatabaseError(
        f"cannot reach database {shown(engine.url)}: {reason}; check the URL (--db or "
        "TIERWISE_DB), that the server runs and that the user may connect"
    )
