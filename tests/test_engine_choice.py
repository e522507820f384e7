"""Choosing the engine: a clear error for an unknown name, a missing PySpark or Java."""

from __future__ import annotations

import sys

import pytest

from tierwise import engine
from tierwise.errors import InputError


def test_duckdb_is_the_default_engine():
    assert engine.connect().name == "duckdb"
    assert engine.connect("DuckDB").name == "duckdb"


def test_an_unknown_engine_names_the_ones_there_are():
    with pytest.raises(InputError, match=r"unknown engine 'spark'.*pyspark.*sc://host:15002"):
        engine.connect("spark")


def test_pyspark_without_pyspark_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(InputError, match=r"pip install 'tierwise\[spark\]'"):
        engine.connect("pyspark")


def test_pyspark_without_java_says_so(monkeypatch):
    pytest.importorskip("pyspark.sql")
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InputError, match=r"needs Java 17.*tierwise\[spark\]"):
        engine.connect("pyspark")


def test_the_cli_reports_an_unknown_engine(tmp_path):
    from typer.testing import CliRunner

    from tierwise.cli import app

    (tmp_path / "transactions.csv").write_text("customer_id,date,amount\nA,2025-01-02,1\n")
    result = CliRunner().invoke(app, ["validate", str(tmp_path), "--engine", "flink"])
    assert result.exit_code != 0
    assert "unknown engine 'flink'" in result.output
