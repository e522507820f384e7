"""Names from a book (headers, file names, preset names, --map) never become SQL.

Each hostile name is either read under exactly that name or stops the run with a clear
error; no statement hidden in it runs (the COPY below would write a file).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.book.mapping import BookMapping, mapping_from_flags
from tierwise.errors import InputError

ROWS = "A 2025-01-02 100\nB 2025-01-03 50\n"
HOSTILE_FILE_NAMES = ['it\'s; "q"', "star*and?mark", "br[a]cket", "new\nline", "Bücher ü"]


def _copy_attack(target: Path) -> str:
    """A header token that, pasted into ``AS "{name}"``, ends the statement and writes
    ``target`` (``/**/`` stands for the blanks a whitespace-separated token cannot hold)."""
    return f"x\"FROM/**/raw_transactions_lines;COPY(SELECT/**/42)TO'{target}';SELECT/**/1/**/AS\"y"


def _whitespace(header: bool = True) -> BookMapping:
    return BookMapping.model_validate({"read": {"delimiter": "whitespace", "header": header}})


def test_a_whitespace_header_cannot_run_sql(tmp_path):
    pwned = tmp_path / "pwned.csv"
    name = _copy_attack(pwned)
    assert " " not in name  # one token of a whitespace-separated header
    book = write_csv(tmp_path / "book", "transactions.txt", f"customer_id date {name}\n{ROWS}")
    mapping = _whitespace().merged(mapping_from_flags([f"amount={name}"], []))
    try:
        result = read_book(book, mapping=mapping)
    finally:
        assert not pwned.exists(), "a statement hidden in the header ran"
    assert result.accounting["transactions"].columns["amount"] == name
    assert sorted(result.transactions.amount.execute()) == [50.0, 100.0]


def test_preset_names_by_width_cannot_run_sql(tmp_path):
    pwned = tmp_path / "pwned.csv"
    attack = f"x\" FROM raw_transactions_lines; COPY (SELECT 42) TO '{pwned}'; SELECT 1 AS \"y"
    names = ["customer_id", "date", "amount", attack]
    book = write_csv(tmp_path / "book", "transactions.txt", "A 2025-01-02 100 z\nB 2025-01-03 50 z")
    mapping = BookMapping.model_validate(
        {"read": {"delimiter": "whitespace", "header": False, "names_by_width": {4: names}}}
    )
    try:
        result = read_book(book, mapping=mapping)
    finally:
        assert not pwned.exists(), "a statement hidden in a preset's names ran"
    assert result.accounting["transactions"].accepted == 2
    assert attack in result.accounting["transactions"].columns.values() or attack in (
        result.quarantine["transactions"].columns
    )


@pytest.mark.parametrize(
    "name", ["semi;colon", 'double"quote', "single'quote", "glob*?[x]", "new\nline", "ünïcode"]
)
def test_a_csv_header_is_read_under_its_exact_name(tmp_path, name):
    quoted = '"' + name.replace('"', '""') + '"'
    book = write_csv(
        tmp_path / "book",
        "transactions.csv",
        f"customer_id,date,{quoted}\nA,2025-01-02,100\nB,2025-01-03,x",
    )
    result = read_book(book, mapping=mapping_from_flags([f"amount={name}"], []))
    assert result.accounting["transactions"].columns["amount"] == name
    assert result.accounting["transactions"].reasons == {"non-numeric amount": 1}
    folder = tmp_path / "quarantine"
    result.write_quarantine(folder)
    with open(folder / "transactions.csv", newline="", encoding="utf-8") as handle:
        assert name in next(csv.reader(handle))


def test_a_repeated_or_reserved_header_name_stops_with_a_clear_error(tmp_path):
    book = write_csv(tmp_path / "a", "transactions.txt", f"customer_id date date\n{ROWS}")
    with pytest.raises(InputError, match=r"more than once"):
        read_book(book, mapping=_whitespace())
    book = write_csv(tmp_path / "b", "transactions.txt", f"customer_id date _line\n{ROWS}")
    with pytest.raises(InputError, match=r"start with '_'"):
        read_book(book, mapping=_whitespace())


@pytest.mark.parametrize(
    "source",
    [
        "1); COPY (SELECT 42) TO '{pwned}'; --",
        "amount\"; COPY (SELECT 42) TO '{pwned}'; --",
        "__import__('os').system('touch {pwned}')",
    ],
)
def test_a_mapping_expression_cannot_run_sql_or_code(tmp_path, source):
    pwned = tmp_path / "pwned"
    book = write_csv(
        tmp_path / "book", "transactions.csv", "customer_id,date,amount\nA,2025-01-02,1"
    )
    mapping = mapping_from_flags([f"amount={source.format(pwned=pwned)}"], [])
    # refused as a whole (a function other than abs) or read as a name that matches no column
    with pytest.raises(InputError, match=r"matches no column|is not allowed"):
        read_book(book, mapping=mapping)
    assert not pwned.exists()


@pytest.mark.parametrize("folder_name", HOSTILE_FILE_NAMES)
def test_a_book_folder_with_a_hostile_name_reads_and_writes(tmp_path, folder_name):
    book = write_csv(
        tmp_path / folder_name, "transactions.csv", "customer_id,date,amount\nA,2025-01-02,1\n,x,2"
    )
    result = read_book(book.parent)
    assert result.accounting["transactions"].accepted == 1
    out = tmp_path / ("out " + folder_name)
    result.write_quarantine(out)
    assert "missing customer_id" in (out / "transactions.csv").read_text()


def test_glob_characters_in_a_file_name_read_that_file_only(tmp_path):
    """DuckDB expands *, ? and [ in paths: t[1].csv would read t1.csv instead."""
    folder = tmp_path / "book[1]*"
    book = write_csv(folder, "t[1].csv", "customer_id,date,amount\nLITERAL,2025-01-02,1")
    write_csv(folder, "t1.csv", "customer_id,date,amount\nGLOBBED,2025-01-02,1")
    write_csv(tmp_path / "book1x", "t1.csv", "customer_id,date,amount\nOTHER,2025-01-02,1")
    result = read_book(book)
    assert list(result.transactions.customer_id.execute()) == ["LITERAL"]


def test_glob_characters_in_parquet_part_names_read_each_part_once(tmp_path):
    parts = tmp_path / "bo'ok?" / "transactions"
    parts.mkdir(parents=True)
    for name, customer in (
        ("p[1].parquet", "LITERAL"),
        ("p1.parquet", "PLAIN"),
        ("p*.parquet", "STAR"),
    ):
        table = pa.table({"customer_id": [customer], "date": ["2025-01-02"], "amount": [1.0]})
        pq.write_table(table, parts / name)
    result = read_book(parts.parent)
    assert sorted(result.transactions.customer_id.execute()) == ["LITERAL", "PLAIN", "STAR"]


def test_run_folders_with_glob_characters_are_reported_and_compared(tmp_path):
    """The report and compare read a run's own scorecard: runs/a[1] is not runs/a1."""
    import tierwise
    from tierwise.policy.compare import compare_runs
    from tierwise.report.sections.run_data import RunData

    header = "customer_id,date,amount\n"
    two = write_csv(tmp_path / "two", "transactions.csv", header + "A,2025-01-02,1\nB,2025-01-02,1")
    three = write_csv(
        tmp_path / "three",
        "transactions.csv",
        header + "A,2025-01-02,1\nB,2025-01-02,1\nC,2025-01-02,1",
    )
    runs = tmp_path / "runs"
    first = tierwise.save_run(tierwise.analyze(two.parent), runs / "a[1]")
    second = tierwise.analyze(three.parent).write(runs / "a1")
    assert RunData.open(first).scorecard.count().execute() == 2
    summary = compare_runs(first, second).summary
    assert (summary["customers_a"], summary["customers_b"]) == (2, 3)
