"""A book: the user's records, read, validated and held in the embedded engine."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.book.contract import READ_ORDER, TABLES
from tierwise.book.in_place import backend_of, read_in_place, tables_in
from tierwise.book.mapping import (
    BookMapping,
    MapOption,
    TableMapping,
    WhereOption,
    mapping_from_options,
)
from tierwise.book.owners import OwnerSource, with_derived_owners
from tierwise.book.parts import (
    part_files,
    part_fits,
    part_mappings,
    part_table_name,
    validate_parts,
    with_header_case,
)
from tierwise.book.presets import load_preset
from tierwise.book.readers import (
    SUFFIXES,
    TEXT_SUFFIXES,
    RawTable,
    is_data_file,
    locate_tables,
    make_workdir,
    read_connection_table,
    read_table,
    remove_workdir,
    strip_suffix,
)
from tierwise.book.store import keep_table
from tierwise.book.validate import TableAccounting
from tierwise.engine import connect_embedded, is_duckdb
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
    # customer_id, owner taken from the transactions when the book has no customers table
    owners: ir.Table | None = None
    owner_source: OwnerSource | None = None

    def table(self, name: str) -> ir.Table | None:
        return self.tables.get(name)

    def customer_attributes(self) -> ir.Table | None:
        """What is known of each customer beyond purchases: the customers table, else the
        owners taken from the transactions, else None."""
        return self.tables.get("customers", self.owners)

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
                ordered = table.order_by(["_file", "_line"])
                if is_duckdb(self.con):
                    write_csv(self.con, ordered, folder / f"{name}.csv")
                else:
                    write_csv_streamed(self.con, ordered, folder / f"{name}.csv")


def write_csv(con: ibis.BaseBackend, table: ir.Table, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV with DuckDB's writer, the path passed as a value.

    Not through Ibis's ``to_csv``: it pastes the path into a COPY statement unescaped.
    """
    query = con.compile(table)  # type: ignore[attr-defined]
    con.con.sql(query).write_csv(str(path), header=True)  # type: ignore[attr-defined]


def write_csv_streamed(con: ibis.BaseBackend, table: ir.Table, path: Path) -> None:
    """Write ``table`` (rejected rows) to a local CSV file as DuckDB's writer does, fetched
    from Spark a partition at a time: never the accepted rows, never all at once."""
    from tierwise.book.spark_readers import spark_frame

    rows = spark_frame(con, table).toLocalIterator()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(map(_csv_field, table.columns)) + "\n")
        for row in rows:
            handle.write(",".join(map(_csv_field, row)) + "\n")


_CSV_SPECIAL = re.compile(r'[",\n\r]')


def _csv_field(value: object) -> str:
    """One value as DuckDB's CSV writer writes it: null empty, empty text as ``""``,
    quoted where it holds a comma, a quote or a line break."""
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if text == "":
        return '""'
    return '"' + text.replace('"', '""') + '"' if _CSV_SPECIAL.search(text) else text


def as_date(value: date | str | None, name: str) -> date | None:
    """A date given as a ``date``, a ``datetime`` or an ISO text ("2024-07-01")."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{name}={value!r} is not a date; give a date or text like '2024-07-01'")


def read_book(
    source: str | Path | Mapping[str, ir.Table],
    *,
    preset: str | None = None,
    mapping: BookMapping | None = None,
    map: MapOption | None = None,
    where: WhereOption | None = None,
    tables: Mapping[str, str | PathLike[str]] | None = None,
    date_format: str | Mapping[str, str] | None = None,
    fx_rates: dict[str, float] | None = None,
    currency: str | None = None,
    today: date | str | None = None,
    con: ibis.BaseBackend | None = None,
    on_stage: Progress | None = None,
) -> Book:
    """Read and validate a book: a folder, a single file, an Ibis connection URL, or
    tables already in the engine ``con``.

    ``con`` is the engine that reads and keeps the book (default: embedded DuckDB); on
    Spark (``engine.connect("pyspark")``) Spark reads the files. With ``con``, a
    ``source`` that is no path names the database in ``con`` holding the tables
    (``"pyspark"``: the current one), and a mapping ``{"transactions": table, ...}`` gives
    the tables themselves: either is validated in place (``in_place``), never copied.

    ``preset`` names a built-in or user preset (or a preset file); ``mapping`` lays
    explicit settings on top, and ``map``, ``where``, ``tables`` and ``date_format`` on
    top of that, read as the CLI's flags (``mapping_from_options``). Rows that fail a
    check go to ``Book.quarantine`` with a reason; a file that cannot be used at all
    raises ``InputError`` naming the fix.
    """
    today = as_date(today, "today") or date.today()
    options = mapping_from_options(map, where, tables, date_format)
    if options is not None:
        mapping = options if mapping is None else mapping.merged(options)
    combined = load_preset(preset).mapping if preset else BookMapping()
    if mapping is not None:
        combined = combined.merged(mapping)
    if isinstance(source, Mapping):
        con = backend_of(source, con)
    in_place = _in_place_tables(source, con, combined)
    con = con or connect_embedded()
    label = _label(source, con, in_place is not None)
    workdir = make_workdir()
    try:
        if in_place is not None:
            raws = {
                name: [(read_in_place(con, table, name, f"{label}#{name}"), combined.table(name))]
                for name, table in in_place.items()
            }
        else:
            raws = _read_raw_tables(con, label, combined, workdir, on_stage)
        if "transactions" not in raws:
            raise InputError(
                f"book {label}: no transactions table found. Name the file transactions.csv "
                "(or .csv.gz, .parquet, .xlsx), pass the file itself, or use a --preset"
            )
        _check_mapped_tables_exist(label, mapping, raws)
        accepted: dict[str, ir.Table] = {}
        quarantine: dict[str, ir.Table] = {}
        accounting: dict[str, TableAccounting] = {}
        known: ir.Table | None = None
        known_kept = False  # known is the kept table (side tables after the first)
        for name in READ_ORDER:
            if name not in raws:
                continue
            if on_stage:
                on_stage(f"validating {name}")
            if (
                TABLES[name].references_customers
                and known is not None
                and name != "transactions"
                and not known_kept
            ):
                # materialised once, so side tables check against a small table
                known = keep_table(con, "tw_known_customers", known.distinct())
                known_kept = True
            validated = validate_parts(
                con,
                name,
                raws[name],
                TABLES[name],
                read=combined.read,
                known_customers=known if TABLES[name].references_customers else None,
                today=today,
                fx_rates=fx_rates,
                book_currency=currency,
            )
            accepted[name] = validated.accepted
            quarantine[name] = validated.quarantine
            accounting[name] = validated.accounting
            if name in ("transactions", "customers"):
                ids = validated.accepted.select("customer_id")
                known = ids if known is None else known.union(ids)
                known_kept = False
    finally:
        remove_workdir(workdir)
    owners, owner_source = None, None
    if "owner" in accepted["transactions"].columns:
        derived, owner_source = with_derived_owners(
            con,
            accepted["transactions"],
            accepted.get("customers"),
            combined.owner_rule,
            accounting["transactions"].columns["owner"],
        )
        if "customers" in accepted:
            accepted["customers"] = derived
        else:
            owners = derived
    warnings = _cross_table_warnings(accepted)
    return Book(
        source=label,
        con=con,
        tables=accepted,
        quarantine=quarantine,
        accounting=accounting,
        missing=[n for n in READ_ORDER if n not in accepted],
        preset=preset,
        warnings=warnings,
        owners=owners,
        owner_source=owner_source,
    )


def _in_place_tables(
    source: str | Path | Mapping[str, ir.Table], con: ibis.BaseBackend | None, mapping: BookMapping
) -> dict[str, ir.Table] | None:
    """The tables of a book that is already in the engine, or None for files and URLs."""
    if isinstance(source, Mapping):
        return dict(source)
    text = str(source)
    if con is None or Path(text).exists():
        return None
    if text == "pyspark" and con.name == "pyspark":
        database = None
    elif _URL.match(text):
        return None  # a URL: its tables are copied into con, as without con
    else:
        database = text or None
    names = {name: t.path for name, t in mapping.tables.items() if t.path}
    return tables_in(con, database, names)


def _label(
    source: str | Path | Mapping[str, ir.Table], con: ibis.BaseBackend, in_place: bool
) -> str:
    """How the book is named in run.json and messages: its path or URL, or for tables in
    the engine where they are (``pyspark://sales``, ``pyspark://tables``)."""
    if isinstance(source, Mapping):
        return f"{con.name}://tables"
    text = str(source)
    if not in_place or "://" in text or text == "pyspark":
        return text
    return f"{con.name}://{text}"


def _read_raw_tables(
    con: ibis.BaseBackend,
    source: str,
    mapping: BookMapping,
    workdir: Path,
    on_stage: Progress | None,
) -> dict[str, list[tuple[RawTable, TableMapping]]]:
    """Each table's raw rows with the mapping that reads them: one source per table, or
    one per part found for a table made of several exports (``parts``)."""
    raws: dict[str, list[tuple[RawTable, TableMapping]]] = {}
    if _URL.match(source) and not Path(source).exists():
        try:
            remote = ibis.connect(source)
        except Exception as exc:
            raise InputError(f"cannot connect to {source!r}: {exc}") from exc
        names = set(remote.list_tables())
        for name in READ_ORDER:
            if name in names:
                if on_stage:
                    on_stage(f"reading {name}")
                raw = read_connection_table(con, remote, name, source)
                raws[name] = [(raw, mapping.table(name))]
        return raws
    located = _with_explicit_files(Path(source), mapping, locate_tables(Path(source), mapping))
    for name in READ_ORDER:
        parts = _located_parts(Path(source), mapping.table(name))
        if parts is None and name not in located:
            continue
        if on_stage:
            on_stage(f"reading {name}")
        for index, (paths, table) in enumerate(parts or [(located[name], mapping.table(name))]):
            for path in paths:
                _check_has_content(path, name, mapping.read.encoding)
            engine_name = part_table_name(name, index) if parts else name
            raw = read_table(con, engine_name, paths, mapping.read, workdir)
            if raw.expr.count().execute() == 0 and raw.malformed is None:
                _no_rows(name, paths)
            if parts:
                raw = with_header_case(con, raw, table)
            raws.setdefault(name, []).append((raw, table))
        if parts and mapping.table(name).use == "first":
            # the first export that fits its part (columns and filters), else the first
            fitting = [(r, t) for r, t in raws[name] if part_fits(r, t)]
            raws[name] = (fitting or raws[name])[:1]
    return raws


def _located_parts(book: Path, table: TableMapping) -> list[tuple[list[Path], TableMapping]] | None:
    """The parts of a table made of several exports that the book has (None: the table has
    no parts, or none of their files is in the book). A file named for the table
    (``--table activities=FILE``) replaces the parts."""
    if not table.parts or table.path or not book.is_dir():
        return None
    found = [(files, part) for part in part_mappings(table) if (files := part_files(book, part))]
    return found or None


def _check_has_content(path: Path, table: str, encoding: str | None) -> None:
    """Stop at once, naming the file, on an empty file or a binary one with a text name
    (rather than showing the engine's error about a temporary copy)."""
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty; the {table} table needs a file with rows")
    if path.name.lower().endswith(TEXT_SUFFIXES) and not (encoding or "").lower().startswith(
        "utf-16"
    ):
        try:
            with (
                gzip.open(path, "rb")
                if path.name.lower().endswith(".gz")
                else open(path, "rb") as handle
            ):
                head = handle.read(1 << 16)
        except (OSError, EOFError) as exc:
            raise InputError(
                f"{path}: cannot be read; is it a complete, uncompressed or gzip file?"
            ) from exc
        if not head.strip():
            raise InputError(f"{path}: the file is empty; the {table} table needs rows")
        if b"\x00" in head:
            raise InputError(
                f"{path}: holds binary data, not delimited text; export it as CSV (UTF-8), "
                "or give a .parquet or .xlsx file its own suffix (a UTF-16 text file needs "
                "read.encoding: utf-16)"
            )


def _no_rows(table: str, paths: list[Path]) -> None:
    names = ", ".join(str(p) for p in paths)
    if table == "transactions":
        raise InputError(
            f"{names}: has column names but no rows, so there is nothing to analyse; "
            "export the transactions with their rows"
        )


def _with_explicit_files(
    book: Path, mapping: BookMapping, located: dict[str, list[Path]]
) -> dict[str, list[Path]]:
    """The tables found by name, with those the mapping names a file for (``--table
    customers=accounts.csv``) taken from that file; the file is no other table's."""
    explicit = {
        name: _explicit_file(book, name, table.path)
        for name, table in mapping.tables.items()
        if table.path
    }
    if not explicit:
        return located
    taken = {p.resolve() for paths in explicit.values() for p in paths}
    result = {
        name: [p for p in paths if p.resolve() not in taken]
        for name, paths in located.items()
        if name not in explicit
    }
    return {**{n: p for n, p in result.items() if p}, **explicit}


def _explicit_file(book: Path, table: str, given: str) -> list[Path]:
    """The file(s) of ``--table table=given``: a name in the book folder (its suffix may be
    left out: ``accounts`` finds ``accounts.csv.gz``), else a path."""
    folder = book if book.is_dir() else book.parent
    files = sorted(p for p in folder.iterdir() if is_data_file(p)) if folder.is_dir() else []
    candidates = [folder / given, Path(given)]
    path = next((c for c in candidates if c.exists()), None)
    if path is None:
        by_stem = [p for p in files if strip_suffix(p.name) == given]
        if len(by_stem) == 1:
            path = by_stem[0]
    if path is None:
        shown = ", ".join(p.name for p in files) or "no data files"
        raise InputError(
            f"--table {table}={given}: no such file in {folder} (it has: {shown}) nor at "
            f"that path; give a file name from the folder or a path"
        )
    if path.is_dir():
        parts = sorted(p for p in path.rglob("*") if p.is_file() and is_data_file(p))
        if not parts:
            raise InputError(f"--table {table}={given}: folder {path} holds no data files")
        return parts
    if not is_data_file(path):
        raise InputError(
            f"--table {table}={given}: {path.name} is not a file tierwise reads "
            f"({', '.join(SUFFIXES)})"
        )
    return [path]


def _check_mapped_tables_exist(
    source: str | Path, mapping: BookMapping | None, raws: dict[str, Any]
) -> None:
    """A mapping given for a table the book lacks cannot apply: stop rather than ignore it.

    Only the caller's own mapping (policy and flags) counts; a preset may cover tables
    an export does not always have.
    """
    if mapping is None:
        return
    for name, table in mapping.tables.items():
        if name in raws or not (table.columns or table.where):
            continue
        what = ", ".join(
            [f"{name}.{c}={'|'.join(v)}" for c, v in table.columns.items()]
            + [f"{name}: {w}" for w in table.where]
        )
        hint = f"give its file with --table {name}=FILE, or drop the mapping"
        if name == "customers" and "owner" in table.columns:
            hint = (
                f"to take each customer's owner from the deals, map the transactions' owner "
                f"instead (--map owner={table.columns['owner'][0]}), or give a customers file "
                "with --table customers=FILE"
            )
        raise InputError(
            f"book {source}: the mapping {what} cannot apply, because the book has no "
            f"{name} table; {hint}"
        )


def _cross_table_warnings(tables: dict[str, ir.Table]) -> list[str]:
    warnings = []
    tx = tables["transactions"]
    counts = tx.aggregate(n=tx.count(), sales=(tx.amount > 0).sum()).execute().iloc[0]
    if int(counts["n"]) and not int(counts["sales"] or 0):
        warnings.append(
            f"every one of the {int(counts['n']):,} accepted transactions has a zero or negative "
            "amount (returns or credit notes only), so revenue and profit cannot be positive; "
            "check the sign of the amount column, or that the sales are in the book"
        )
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
