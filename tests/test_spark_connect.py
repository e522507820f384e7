"""Spark Connect: `tierwise analyze BOOK --engine sc://host:port` against a real server.

A Spark Connect server is started from PySpark's own jars (the wheel ships the server,
``jars/spark-connect_*.jar``) on a free port. The CLI analyses a generated book through
it and again on DuckDB, and the two run folders must hold the same customers, tiers and
money. The Connect run is a process of its own: a Connect client switches the whole
Python process into Connect mode (PySpark sets ``SPARK_CONNECT_MODE_ENABLED``), which
would break the local Spark session other test files use in the same worker.

This guards what only a Connect session does: Ibis 12's ``Table.cache()`` failed there
(the stages now keep tables with ``engine.keep``), and a Connect client has no
``SparkContext`` and no JVM objects on its side. tests/test_spark_parity.py compares
every column and details table on a local session.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tierwise.book.contract import TABLES
from tierwise.demo import generate_book
from tierwise.demo.policy import write_book_policy

pytestmark = pytest.mark.spark

CUSTOMERS = 200
START_TIMEOUT = 120  # seconds for the server's port to accept connections
RUN_TIMEOUT = 600  # seconds for one CLI run; a hung run fails rather than blocks the suite
MONEY = ("revenue", "net_profit", "cost_to_serve")
RUN_FILES = ("scorecard.parquet", "run.json", "details/whitespace.parquet", "report.html")
VIEWS_MARK = "TIERWISE_TEST_VIEWS "

# `tierwise analyze …` as `python -m tierwise` runs it, then the temporary views left in
# the Connect session it used, on one line of stdout (null if it closed the session).
CLIENT = f"""
import json, sys
from tierwise.cli import main

sys.argv = ["tierwise", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
from pyspark.sql import SparkSession

session = SparkSession.getActiveSession()
views = None
if session is not None:
    views = sorted(t.name for t in session.catalog.listTables() if t.isTemporary)
print({VIEWS_MARK!r} + json.dumps(views), flush=True)
sys.exit(code)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(log: Path, lines: int = 60) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log written)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Server:
    """A Spark Connect server process; ``url()`` waits until its port accepts."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    ready: bool = False

    def url(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the Spark Connect server stopped (exit code {self.process.returncode}) "
                    f"before accepting connections; its log {self.log}:\n{_tail(self.log)}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    self.ready = True
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the Spark Connect server did not accept connections on port "
                        f"{self.port} within {START_TIMEOUT} s; its log {self.log}:\n"
                        f"{_tail(self.log)}"
                    )
                time.sleep(0.5)
        return f"sc://localhost:{self.port}"

    def stop(self) -> None:
        """Stop spark-submit and the JVM it started: the whole process group."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Spark Connect server from PySpark's jars (2 cores, 1 GB, UI off), started now and
    waited for on first use: the JVM starts while the book is generated."""
    if shutil.which("java") is None:
        pytest.skip("Spark Connect's server needs Java (the test command installs a JRE)")
    pyspark = pytest.importorskip("pyspark")
    home = Path(pyspark.__file__).parent
    jars = sorted((home / "jars").glob("spark-connect_*.jar"))
    assert jars, f"PySpark {pyspark.__version__} ships no Spark Connect server jar in {home}"
    port = _free_port()
    log = tmp_path_factory.mktemp("connect-server") / "server.log"
    conf = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.grpc.port.maxRetries": "0",  # this port or none
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.maxPlanStringLength": "1m",
    }
    command = [
        str(home / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master",
        "local[2]",
        "--driver-memory",
        "1g",
        *[arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")],
        "spark-internal",
    ]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated book with every table, and its policy (the demo team)."""
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, customers=CUSTOMERS, seed=23)
    write_book_policy(folder)
    return folder


class Analysis:
    """``tierwise analyze BOOK --engine ENGINE --out OUT`` in a process of its own, started
    at once; ``output()`` waits for it."""

    def __init__(self, code: list[str], book: Path, out: Path, engine: str) -> None:
        self.engine = engine
        args = ["analyze", str(book), "--engine", engine, "--out", str(out), "--quiet"]
        self.process = subprocess.Popen(
            [sys.executable, *code, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def output(self, server: Server | None = None) -> str:
        """Its stdout. Fails if the run fails, outlasts ``RUN_TIMEOUT`` or ``server`` stops
        under it (a Connect client whose server is gone retries for ten minutes)."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            try:
                stdout, stderr = self.process.communicate(timeout=1)
                break
            except subprocess.TimeoutExpired:
                if server is not None and server.process.poll() is not None:
                    why = f"the Connect server stopped under it; its log:\n{_tail(server.log)}"
                elif time.monotonic() > deadline:
                    why = f"it ran over {RUN_TIMEOUT} s"
                else:
                    continue
                self.stop()
                stdout, stderr = self.process.communicate()
                pytest.fail(f"tierwise analyze --engine {self.engine}: {why}\n{stdout}\n{stderr}")
        code = self.process.returncode
        assert code == 0, (
            f"tierwise analyze --engine {self.engine} failed ({code}):\n{stdout}\n{stderr}"
        )
        return stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@dataclass
class Runs:
    duckdb: Path
    connect: Path
    views: list[str] | None  # the temporary views left in the Connect session, if open


@pytest.fixture(scope="module")
def runs(connect_server: Server, book: Path, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The book analysed on DuckDB and through Spark Connect, the two runs at once."""
    folder = tmp_path_factory.mktemp("runs")
    duck, connect = folder / "duckdb", folder / "connect"
    on_duckdb = Analysis(["-m", "tierwise"], book, duck, "duckdb")
    try:
        on_connect = Analysis(["-c", CLIENT], book, connect, connect_server.url())
        try:
            output = on_connect.output(connect_server)
        finally:
            on_connect.stop()
        on_duckdb.output()
    finally:
        on_duckdb.stop()
    marked = [line for line in output.splitlines() if line.startswith(VIEWS_MARK)]
    assert marked, f"the Connect run printed no session views:\n{output}"
    return Runs(duck, connect, json.loads(marked[-1].removeprefix(VIEWS_MARK)))


def _scorecard(run: Path) -> pd.DataFrame:
    return pd.read_parquet(run / "scorecard.parquet")


@pytest.mark.parametrize("name", RUN_FILES)
def test_the_connect_run_folder_is_complete(runs: Runs, name: str) -> None:
    path = runs.connect / name
    assert path.is_file() and path.stat().st_size > 0, f"{name} missing from {runs.connect}"


def test_the_same_details_tables(runs: Runs) -> None:
    def names(run: Path) -> list[str]:
        return sorted(p.name for p in (run / "details").iterdir())

    assert names(runs.connect) == names(runs.duckdb)


def test_the_same_customers_columns_and_tiers(runs: Runs) -> None:
    duck, connect = _scorecard(runs.duckdb), _scorecard(runs.connect)
    assert list(connect.columns) == list(duck.columns)
    assert len(duck) == CUSTOMERS
    assert connect["customer_id"].tolist() == duck["customer_id"].tolist()
    assert connect["tier"].tolist() == duck["tier"].tolist()
    assert duck["tier"].nunique() > 1, "the test book should have more than one tier"


@pytest.mark.parametrize("column", MONEY)
def test_the_same_money(runs: Runs, column: str) -> None:
    expected, actual = _scorecard(runs.duckdb)[column], _scorecard(runs.connect)[column]
    blank = expected.isna()
    assert actual.isna().tolist() == blank.tolist(), f"{column}: blanks differ"
    assert (expected[~blank] != 0).any(), f"{column} is zero for every customer"
    np.testing.assert_allclose(
        actual[~blank].to_numpy(float), expected[~blank].to_numpy(float), rtol=1e-9, err_msg=column
    )


def test_the_run_drops_its_own_views_from_the_session(runs: Runs) -> None:
    """Every table a stage kept (facts, the scorecard after each stage, lifetime value,
    ``engine.keep``) is gone from the Connect session; the ``tw_`` views left are the
    book's accepted rows, which the result's book reads. (Reading the book also leaves its
    raw file views and a few Ibis in-memory tables, which the run cannot tell from its own.)"""
    if runs.views is None:
        return  # the CLI closed its session: nothing of the run is left on the server
    book_views = {f"tw_{name}" for name in TABLES} | {"tw_known_customers"}
    assert "tw_transactions" in runs.views, runs.views
    left = [v for v in runs.views if v.startswith("tw_") and v not in book_views]
    assert not left, f"the run left these views in the Connect session: {left}"
