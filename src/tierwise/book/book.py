"""A book: the user's records, read, validated and held in the embedded engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.book.contract import READ_ORDER, TABLES
from tierwise.book.mapping import BookMapping
from tierwise.book.presets import load_preset
from tierwise.book.readers import (
    RawTable,
    locate_tables,
    make_workdir,
    read_connection_table,
    read_table,
    remove_workdir,
)
from tierwise.book.validate import TableAccounting, validate_table
from tierwise.engine import connect_embedded
from tierwise.errors import InputError
from tierwise.folders import check_target, staged_folder

Progress = Callable[[str], None]
_URL = re.compile(r"^[a-z][a-z0-9+]*://|^pyspark$")


@dataclass
class Book:
    """Validated tables (contract names and types) plus the accounting of every input row.

    ``tables`` holds only the tables the book has; ``missing`` names the optional ones it
    lacks, which the analysis reports rather than treats as errors.
    """

    source: str
    con: ibis.BaseBackend
    tables: dict[str, ir.Table]
    quarantine: dict[str, ir.Table]
    accounting: dict[str, TableAccounting]
    missing: list[str]
    preset: str | None = None
    warnings: list[str] = field(default_factory=list)

    def table(self, name: str) -> ir.Table | None:
        return self.tables.get(name)

    @property
    def transactions(self) -> ir.Table:
        return self.tables["transactions"]

    def last_transaction_date(self) -> date | None:
        value = self.transactions.date.max().execute()
        return None if value is None or value != value else value.date()

    def accounting_dict(self) -> dict[str, Any]:
        return {name: acc.as_dict() for name, acc in self.accounting.items()}

    def write_quarantine(self, folder: str | Path, *, force: bool = False) -> Path:
        """Write each table's rejected rows, as read and with their reason, to ``<table>.csv``.

        ``folder`` must be new or empty, or a quarantine tierwise wrote before (replaced
        only with ``force``); it is never the book's own folder, and files tierwise did not
        write are never touched (``folders.check_target``). The folder is written beside
        and renamed into place, so it always matches one book.
        """
        folder = Path(folder)
        check_target(
            folder,
            what="quarantine folder",
            force=force,
            book=self.source,
            tables=READ_ORDER,
            flag="--quarantine",
        )
        with staged_folder(folder) as staging:
            self.write_quarantine_files(staging)
        return folder

    def write_quarantine_files(self, folder: Path) -> None:
        """Write the quarantine CSV files into ``folder``, a new folder the caller owns."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in self.quarantine.items():
            if self.accounting[name].quarantined:
                write_csv(self.con, table.order_by(["_file", "_line"]), folder / f"{name}.csv")


def write_csv(con: ibis.BaseBackend, table: ir.Table, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV with DuckDB's writer, the path passed as a value.

    Not through Ibis's ``to_csv``: it pastes the path into a COPY statement unescaped.
    """
    query = con.compile(table)  # type: ignore[attr-defined]
    con.con.sql(query).write_csv(str(path), header=True)  # type: ignore[attr-defined]


def read_book(
    source: str | Path,
    *,
    preset: str | None = None,
    mapping: BookMapping | None = None,
    fx_rates: dict[str, float] | None = None,
    currency: str | None = None,
    today: date | None = None,
    con: ibis.BaseBackend | None = None,
    on_stage: Progress | None = None,
) -> Book:
    """Read and validate a book: a folder, a single file, or an Ibis connection URL.

    ``preset`` names a built-in or user preset (or a preset file); ``mapping`` lays
    explicit settings on top. Rows that fail a check go to ``Book.quarantine`` with a
    reason; a file that cannot be used at all raises ``InputError`` naming the fix.
    """
    today = today or date.today()
    combined = load_preset(preset).mapping if preset else BookMapping()
    if mapping is not None:
        combined = combined.merged(mapping)
    con = con or connect_embedded()
    workdir = make_workdir()
    try:
        raws = _read_raw_tables(con, str(source), combined, workdir, on_stage)
        if "transactions" not in raws:
            raise InputError(
                f"book {source}: no transactions table found. Name the file transactions.csv "
                "(or .csv.gz, .parquet, .xlsx), pass the file itself, or use a --preset"
            )
        tables: dict[str, ir.Table] = {}
        quarantine: dict[str, ir.Table] = {}
        accounting: dict[str, TableAccounting] = {}
        known: ir.Table | None = None
        for name in READ_ORDER:
            if name not in raws:
                continue
            if on_stage:
                on_stage(f"validating {name}")
            if TABLES[name].references_customers and known is not None and name != "transactions":
                # materialised once, so side tables check against a small table
                known = con.create_table("tw_known_customers", known.distinct(), overwrite=True)
            validated = validate_table(
                con,
                raws[name],
                TABLES[name],
                combined.table(name),
                combined.read,
                known_customers=known if TABLES[name].references_customers else None,
                today=today,
                fx_rates=fx_rates,
                book_currency=currency,
            )
            tables[name] = validated.accepted
            quarantine[name] = validated.quarantine
            accounting[name] = validated.accounting
            if name in ("transactions", "customers"):
                ids = validated.accepted.select("customer_id")
                known = ids if known is None else known.union(ids)
    finally:
        remove_workdir(workdir)
    warnings = _cross_table_warnings(tables)
    return Book(
        source=str(source),
        con=con,
        tables=tables,
        quarantine=quarantine,
        accounting=accounting,
        missing=[n for n in READ_ORDER if n not in tables],
        preset=preset,
        warnings=warnings,
    )


def _read_raw_tables(
    con: ibis.BaseBackend,
    source: str,
    mapping: BookMapping,
    workdir: Path,
    on_stage: Progress | None,
) -> dict[str, RawTable]:
    if _URL.match(source) and not Path(source).exists():
        try:
            remote = ibis.connect(source)
        except Exception as exc:
            raise InputError(f"cannot connect to {source!r}: {exc}") from exc
        names = set(remote.list_tables())
        raws = {}
        for name in READ_ORDER:
            if name in names:
                if on_stage:
                    on_stage(f"reading {name}")
                raws[name] = read_connection_table(con, remote, name, source)
        return raws
    located = locate_tables(Path(source), mapping)
    raws = {}
    for name in READ_ORDER:
        if name in located:
            if on_stage:
                on_stage(f"reading {name}")
            raws[name] = read_table(con, name, located[name], mapping.read, workdir)
    return raws


def _cross_table_warnings(tables: dict[str, ir.Table]) -> list[str]:
    warnings = []
    customers = tables.get("customers")
    if customers is not None:
        tx = tables["transactions"]
        orphans = (
            tx.select("customer_id")
            .distinct()
            .anti_join(customers, "customer_id")
            .count()
            .execute()
        )
        if orphans:
            warnings.append(
                f"{orphans} customers buy in transactions but are not in the customers table; "
                "they are analysed without name, owner or attributes"
            )
    return warnings


def default_as_of(book: Book) -> date:
    """The day after the book's last accepted transaction (CONTRACT §3)."""
    last = book.last_transaction_date()
    if last is None:
        raise InputError(
            f"book {book.source}: no transaction was accepted, so there is nothing to analyse"
        )
    return last + timedelta(days=1)
