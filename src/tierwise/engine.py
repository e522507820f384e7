"""The embedded data engine: DuckDB through Ibis, set up to stay within memory bounds."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from typing import Any

import ibis
import ibis.expr.types as ir

DEFAULT_MEMORY_LIMIT = "2GB"


def memory_limit() -> str:
    """DuckDB's memory limit: ``TIERWISE_MEMORY_LIMIT``, else 2GB.

    DuckDB spills to disk beyond it. On a 100M-line book the whole process peaked at
    4.2 GB with 2GB and 5.1 GB with 3GB, and 2GB was no slower (342.8 s against 350.2 s,
    run back to back; docs/PERFORMANCE.md): the big aggregations spill either way.
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


def _spark_strip_whitespace() -> None:
    """Make ``strip()`` on Spark remove whitespace only, as on DuckDB.

    Ibis 12 compiles ``strip()`` for Spark to a TRIM whose characters are written as the
    escapes backslash-v and backslash-f, which Spark SQL reads as the letters v and f: so
    "visit" became "isit" and "feedback" "eedback". Those two characters (codes 11 and 12)
    are built with ``char`` instead. Applied once, when tierwise's engine module loads,
    so a connection a user makes (``ibis.pyspark.connect(spark)``) gets it too.
    """
    try:
        import sqlglot.expressions as sge
        from ibis.backends.sql.compilers.pyspark import PySparkCompiler
    except ImportError:  # an Ibis without the PySpark compiler: nothing to fix
        return

    def char(code: int) -> sge.Expression:
        return sge.Anonymous(this="char", expressions=[sge.convert(code)])

    def visit_strip(self: PySparkCompiler, op: object, *, arg: sge.Expression) -> sge.Expression:
        characters = sge.Concat(expressions=[sge.convert(" \t\n\r"), char(11), char(12)])
        return sge.Trim(this=arg, expression=characters)

    PySparkCompiler.visit_Strip = visit_strip  # type: ignore[method-assign]


_spark_strip_whitespace()


def is_duckdb(con: ibis.BaseBackend) -> bool:
    """Whether ``con`` is the embedded engine (DuckDB), where tables may be temporary."""
    return con.name == "duckdb"


def materialise(con: ibis.BaseBackend, name: str, expr: ir.Table) -> ir.Table:
    """Compute ``expr`` once and keep it under ``name`` for the later steps of a run.

    DuckDB: a temporary table (it spills beyond its memory limit). Other engines (Spark):
    a temporary view over a checkpoint (``_spark_kept``), so nothing is written to the
    warehouse and the data stays on the executors. ``drop_relation`` releases either.
    """
    if is_duckdb(con):
        return con.create_table(name, expr, temp=True, overwrite=True)
    drop_relation(con, name)
    con._register_in_memory_tables(expr)  # type: ignore[attr-defined]
    session = con._session  # type: ignore[attr-defined]
    frame = _spark_kept(session, session.sql(con.compile(expr)))
    frame.createOrReplaceTempView(name)
    _SPARK_KEPT[(id(con), name)] = frame
    return con.table(name)


_KEPT = itertools.count(1)


def keep(expr: ir.Table) -> ir.Table:
    """``expr`` computed once into a table of its engine under a fresh name, for the steps
    of one stage that read it again; ``release`` drops it.

    Ibis's ``Table.cache()`` does the same on DuckDB, but on Spark it keeps a cached view
    (whose plan every later query carries, see ``_spark_kept``) and on Spark Connect it
    fails: Ibis 12 asserts that the new cache is visible at once, and a Connect session
    may not report it so.
    """
    con = expr._find_backend(use_default=True)
    return materialise(con, f"tw_kept_{next(_KEPT)}", expr)


def release(table: ir.Table) -> None:
    """Drop a table ``keep`` made, or one ``driver.to_engine`` handed the engine."""
    drop_relation(table._find_backend(), table.op().name)  # type: ignore[attr-defined]


def _spark_kept(session: Any, frame: Any) -> Any:
    """``frame`` computed now, its plan cut at the result.

    A cached DataFrame keeps the plan of everything it was built from, and every later
    query that reads it carries that plan, which Spark analyses and optimises again: by the
    last stage, each query held the chain of every stage before it, and planning cost more
    than the data (a 20,000-customer analysis took 536 s with ``cache()``, 270 s with this;
    docs/PERFORMANCE.md). With a checkpoint folder (``spark.checkpoint.dir`` or
    ``SparkContext.setCheckpointDir``) the result is written there and survives the loss of
    an executor; without one it is a local checkpoint in the executors' memory and disk,
    which suits a local session.
    """
    folder = session.conf.get("spark.checkpoint.dir", None)
    if not folder:
        with contextlib.suppress(Exception):  # Spark Connect has no SparkContext
            folder = session.sparkContext.getCheckpointDir()
    if folder:
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def _spark_release(frame: object) -> None:
    """Free the executors' copy of a local checkpoint now rather than at the JVM's next
    garbage collection. A checkpoint is not a cache: ``unpersist()`` does not reach it,
    its RDD does. Spark Connect frees a checkpoint when the client drops the DataFrame,
    and a checkpoint folder's files are the folder owner's to clean."""
    with contextlib.suppress(Exception):  # Connect: no JVM objects on the client
        frame._jdf.queryExecution().analyzed().rdd().unpersist(False)  # type: ignore[attr-defined]


# The Spark DataFrames ``materialise`` kept, by connection and view name, to release.
_SPARK_KEPT: dict[tuple[int, str], object] = {}


def drop_relation(con: ibis.BaseBackend, name: str) -> None:
    """Drop ``name`` whether it is a table or a view (DuckDB refuses the wrong kind); on
    Spark also release the checkpoint ``materialise`` made for it."""
    if not is_duckdb(con):
        frame = _SPARK_KEPT.pop((id(con), name), None)
        if frame is not None:
            _spark_release(frame)
        session = con._session  # type: ignore[attr-defined]
        if not session.catalog.dropTempView(name):
            con.drop_table(name, force=True)  # type: ignore[attr-defined]
        return
    import duckdb

    for drop in (con.drop_view, con.drop_table):  # type: ignore[attr-defined]
        with contextlib.suppress(duckdb.CatalogException):  # it was the other kind
            drop(name, force=True)


# What a run leaves in the connection that nothing needs once it is over: the scorecard
# after each stage, the customer facts, and the in-memory tables (pandas or Arrow) the
# stages hand the engine, which Ibis keeps registered for the whole session otherwise.
RUN_TABLE_PREFIXES = (
    "tw_scorecard_",
    "tw_kept_",
    "tw_facts",
    "ibis_pandas_memtable_",
    "ibis_pyarrow_memtable_",
)


def drop_run_tables(con: ibis.BaseBackend, before: set[str]) -> None:
    """Drop the run tables (``RUN_TABLE_PREFIXES``) that are not in ``before``.

    ``before`` is ``set(con.list_tables())`` as the run began: the book's own tables are
    kept, and a notebook that analyses the same book again and again keeps the same
    tables as after one run.
    """
    for name in sorted(set(con.list_tables()) - before):
        if name.startswith(RUN_TABLE_PREFIXES):
            drop_relation(con, name)


SPARK_INSTALL = "pip install 'tierwise[spark]'"


def connect(engine: str | None = None) -> ibis.BaseBackend:
    """The connection an ``--engine`` names: ``duckdb`` (the default, embedded),
    ``pyspark`` (a local Spark session on every core) or ``sc://host:port`` (a Spark
    Connect server, e.g. a cluster or Databricks).

    Raises ``InputError`` naming the fix for an unknown name, a missing PySpark or Java.
    """
    from tierwise.errors import InputError

    name = (engine or "duckdb").strip()
    if name.lower() == "duckdb":
        return connect_embedded()
    if name.lower() == "pyspark" or name.startswith("sc://"):
        session = _spark_session(None if name.lower() == "pyspark" else name)
        return ibis.pyspark.connect(session)
    raise InputError(
        f"unknown engine {engine!r}; use duckdb (the default, on this machine), pyspark "
        "(a local Spark session) or a Spark Connect URL such as sc://host:15002"
    )


def _spark_session(remote: str | None) -> object:
    """A Spark session: local (UTC, web UI off) or a Spark Connect client of ``remote``.

    A session already running in this process (a notebook's) is reused as it is.
    """
    from tierwise.errors import InputError

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise InputError(
            f"the Spark engine needs PySpark, which is not installed; {SPARK_INSTALL}"
        ) from exc
    if remote is not None:
        try:
            session = SparkSession.builder.remote(remote).getOrCreate()
        except ImportError as exc:  # grpcio and friends: PySpark's Connect client
            raise InputError(
                f"--engine {remote}: Spark Connect needs PySpark's Connect client "
                f"({exc}); {SPARK_INSTALL} installs it (or pip install 'pyspark[connect]' "
                "beside a PySpark of your own)"
            ) from exc
        except Exception as exc:
            raise InputError(f"--engine {remote}: cannot reach Spark Connect: {exc}") from exc
        session.conf.set("spark.sql.session.timeZone", "UTC")
        return session
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise InputError(
            "--engine pyspark runs Spark on this machine, which needs Java 17 or later "
            "(e.g. apt-get install openjdk-17-jre-headless); none was found on PATH or in "
            f"JAVA_HOME. PySpark itself comes with {SPARK_INSTALL}"
        )
    running = SparkSession.getActiveSession()
    try:
        session = (
            SparkSession.builder.master("local[*]")
            .appName("tierwise")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Spark's 200 shuffle partitions suit a cluster; here a few per core (AQE
            # still coalesces them), or each small query pays for 200 tasks
            .config("spark.sql.shuffle.partitions", str(4 * (os.cpu_count() or 2)))
            .config("spark.driver.memory", os.environ.get("TIERWISE_SPARK_MEMORY", "4g"))
            # the analysis builds large query plans; Spark need not keep their whole text
            .config("spark.sql.maxPlanStringLength", "1m")
            .getOrCreate()
        )
    except Exception as exc:  # Java missing, too old or failing to start
        raise InputError(
            f"--engine pyspark: the local Spark session did not start ({exc}); it needs "
            f"Java 17 or later and {SPARK_INSTALL}"
        ) from exc
    if running is None:  # our own session: Spark's warnings are not the user's business
        session.sparkContext.setLogLevel("ERROR")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session
