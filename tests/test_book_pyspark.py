"""The book layer on Spark: Spark reads the files, the same rules judge every row.

A small book with bad rows of many kinds (CSV and Parquet) is read by DuckDB and by
Spark; both must give the same accounting per table and reason, the same accepted rows
and the same quarantine, down to the bytes of the quarantine files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from tierwise.book.book import Book, read_book

pytestmark = pytest.mark.spark

TODAY = date(2025, 6, 1)
OPTIONS = {"today": TODAY, "fx_rates": {"USD": 0.9}, "currency": "EUR"}


def write_book(folder: Path) -> Path:
    """Transactions as CSV, customers and activities as Parquet, each with bad rows."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "transactions.csv").write_text(
        "customer_id,date,amount,order_id,currency\n"
        "A,2025-01-02,10,o1,EUR\n"
        "B,2025-01-02,11,o2,EUR,extra\n"  # too many fields
        "C,2025-01-03,,o3,EUR\n"  # missing amount
        ' D ,2025-01-03,"1,234.50",o4,eur\n'  # padded id, thousands separator
        "E,x\n"  # too few fields
        ",2025-01-04,5,o5,EUR\n"  # missing customer
        "F,2025-13-40,5,o6,EUR\n"  # no such date
        "G,2025-01-05,abc,o7,EUR\n"  # not a number
        "H,2030-01-01,5,o8,EUR\n"  # in the future
        "A,2025-01-02,10,o1,EUR\n"  # exact duplicate
        "I,2025,5,o9,EUR\n"  # a year only: Spark's cast would read it, the rules do not
        "J,2025-01-06,5d,o10,EUR\n"  # "5d": Spark's cast would read it, the rules do not
        "K,2025-01-07,(12.00),o11,USD\n"  # negative, another currency
        "L,2025-01-07,3,o12,\n"  # no currency: no rate
        '"M, Inc",2025-01-08,"7",o13,EUR\n'
        "N,2025-1-9,8,o14,EUR\n"
        "O,20250110,9.0,o15,EUR\n"
    )
    pd.DataFrame(
        {
            "customer_id": ["A", "C", " D ", "K", "Z", "A", None, "M, Inc", "N", "O"],
            "name": ["Acme", "Cee", "Dee", "Kay", "Zed", "Acme again", "-", "Em", "En", "Oh"],
            "region": ["N", "S", "E", "W", "N", "N", "S", None, "E", "W"],
        }
    ).to_parquet(folder / "customers.parquet", index=False)
    pd.DataFrame(
        {
            "customer_id": ["A", "A", "Q", "D", "C", "A", "N"],
            "date": [
                "2025-01-02",
                "2025-01-02",
                "2025-01-02",
                "2024-12-01",
                "bad",
                "2025-01-03",
                "",
            ],
            "type": ["call", "call", "call", "meeting", "call", None, "email"],
            "minutes": [10.0, 10.0, 5.0, 60.0, 1.0, 3.0, 2.0],
        }
    ).to_parquet(folder / "activities.parquet", index=False)
    return folder


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order, nulls alike whatever their kind (None, NaN, NaT)."""
    frame = frame.astype(object).where(frame.notna(), "<null>")
    return frame.sort_values(list(frame.columns), key=lambda c: c.astype(str)).reset_index(
        drop=True
    )


def _with_nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text as None, which both engines load as null (DuckDB reads NaN as 'NaN')."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    text = [c for c in text if not pd.api.types.is_datetime64_any_dtype(frame[c])]
    return frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), None) for c in text})


def _assert_same_rows(left: Book, right: Book) -> None:
    assert left.tables.keys() == right.tables.keys()
    for name in left.tables:
        expected = _sorted(left.tables[name].execute())
        actual = _sorted(right.tables[name].execute())
        assert list(actual.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, obj=name)


@pytest.fixture(scope="module")
def books(spark, tmp_path_factory):
    folder = write_book(tmp_path_factory.mktemp("book") / "bad rows")
    duck = read_book(folder, **OPTIONS)
    on_spark = read_book(folder, con=ibis.pyspark.connect(spark), **OPTIONS)
    return duck, on_spark


def test_spark_reads_the_files_and_accounts_for_every_row_as_duckdb_does(books):
    duck, on_spark = books
    assert on_spark.con.name == "pyspark"
    assert on_spark.accounting_dict() == duck.accounting_dict()
    reasons = duck.accounting["transactions"].reasons
    assert reasons["malformed line: Expected Number of Columns: 5 Found: 6"] == 1
    assert reasons["malformed line: Expected Number of Columns: 5 Found: 2"] == 1
    # F (13th month), I (a year only), O (compact in a column of ISO dates)
    assert reasons["unparseable date"] == 3 and reasons["non-numeric amount"] == 2
    assert {"exact duplicate of an earlier line", "unknown currency"} <= set(reasons)
    assert "unknown customer" in duck.accounting["activities"].reasons
    assert "duplicate customer_id" in duck.accounting["customers"].reasons


def test_spark_accepts_the_same_rows(books):
    duck, on_spark = books
    _assert_same_rows(duck, on_spark)
    amounts = dict(duck.transactions.execute()[["customer_id", "amount"]].values)
    assert amounts["K"] == pytest.approx(-10.8) and amounts["D"] == 1234.5


def test_spark_quarantines_the_same_rows_with_the_same_reasons(books, tmp_path):
    duck, on_spark = books
    for name in duck.quarantine:
        expected = _sorted(duck.quarantine[name].execute())
        actual = _sorted(on_spark.quarantine[name].execute())
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, obj=name)
    duck.write_quarantine_files(tmp_path / "duckdb")
    on_spark.write_quarantine_files(tmp_path / "spark")
    written = sorted(p.name for p in (tmp_path / "duckdb").iterdir())
    assert written == ["activities.csv", "customers.csv", "transactions.csv"]
    for file in written:
        spark_text = (tmp_path / "spark" / file).read_text(encoding="utf-8")
        assert spark_text == (tmp_path / "duckdb" / file).read_text(encoding="utf-8"), file


def test_tables_in_the_spark_session_are_validated_in_place(books, spark):
    duck, _ = books
    con = ibis.pyspark.connect(spark)
    frames = {
        name: _with_nulls(duck.tables[name].execute()) for name in ("transactions", "customers")
    }
    frames["transactions"] = pd.concat([frames["transactions"], frames["transactions"].head(2)])
    tables = {}
    for name, frame in frames.items():
        spark.createDataFrame(frame).createOrReplaceTempView(f"in_place_{name}")
        tables[name] = con.table(f"in_place_{name}")
    in_spark = read_book(tables, **OPTIONS)
    duck_con = ibis.duckdb.connect()
    in_duckdb = read_book(
        {name: duck_con.create_table(name, frame) for name, frame in frames.items()}, **OPTIONS
    )
    assert in_spark.con is con and in_spark.source == "pyspark://tables"
    assert in_spark.accounting["transactions"].reasons == {"exact duplicate of an earlier line": 2}
    assert (
        in_spark.accounting["transactions"].reasons == in_duckdb.accounting["transactions"].reasons
    )
    assert in_spark.accounting["customers"].accepted == in_duckdb.accounting["customers"].accepted
    _assert_same_rows(in_duckdb, in_spark)


def test_analyze_on_spark_through_the_cli(books, spark, tmp_path):
    """`tierwise analyze BOOK --engine pyspark` (the session of this process) writes a run."""
    from tierwise.cli import app

    book = Path(books[0].source)
    out, policy = tmp_path / "run", tmp_path / "policy.yaml"
    policy.write_text("analysis:\n  currency: EUR\n  fx_rates: {USD: 0.9}\n", encoding="utf-8")
    command = ["analyze", str(book), "--engine", "pyspark", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(app, [*command, "--policy", str(policy)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert (out / "scorecard.parquet").is_file() and (out / "quarantine").is_dir()
