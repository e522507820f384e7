"""Find a book's tables and read each one, as it is, into the embedded engine.

Reading keeps every value as the file wrote it (text for text files) plus where it came
from (``_file``, ``_line``), so validation can explain each rejected row with its original
content. Lines a CSV parser cannot split at all are kept too, as ``malformed`` rows.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import sqlglot as sg
import sqlglot.expressions as sge

from tierwise.book.contract import READ_ORDER
from tierwise.book.mapping import BookMapping, ReadOptions
from tierwise.book.store import keep_table
from tierwise.engine import is_duckdb
from tierwise.errors import InputError

TEXT_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz", ".tsv", ".tsv.gz")
SUFFIXES = (*TEXT_SUFFIXES, ".parquet", ".xlsx")
_SNIFF_BYTES = 1 << 24


@dataclass
class RawTable:
    """One table as read: original columns (text or typed), ``_file`` and ``_line``."""

    name: str
    expr: ir.Table
    files: list[str]
    original_columns: list[str]
    notes: list[str] = field(default_factory=list)
    malformed: ir.Table | None = (
        None  # lines the parser could not split: _file, _line, raw_line, error
    )
    # True where the raw rows are a view over the files (Parquet): typed already, and too
    # big to copy. Otherwise they were loaded into the engine (text, Excel, another
    # database), and validation keeps a typed copy of the accepted rows.
    lazy: bool = False


def strip_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_data_file(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES) and not path.name.startswith(("_", "."))


def locate_tables(book: Path, mapping: BookMapping) -> dict[str, list[Path]]:
    """Which files hold which table.

    A single file is the transactions table. In a folder, a file (or a folder of part
    files) named after a table is that table; a table's ``file`` patterns then claim any
    files left over. Names starting with ``_`` or ``.`` are ignored.
    """
    if not book.exists():
        raise InputError(f"book {book} does not exist; give a folder of files, a file, or a URL")
    if book.is_file():
        if not is_data_file(book):
            raise InputError(f"{book}: unsupported file type; tierwise reads {', '.join(SUFFIXES)}")
        stem = strip_suffix(book.name)
        return {stem if stem in READ_ORDER else "transactions": [book]}

    entries = [p for p in sorted(book.iterdir()) if not p.name.startswith(("_", "."))]
    found: dict[str, list[Path]] = {}
    claimed: set[Path] = set()
    for entry in entries:
        stem = strip_suffix(entry.name) if entry.is_file() else entry.name
        if stem in READ_ORDER:
            if entry.is_dir():
                parts = sorted(p for p in entry.rglob("*") if p.is_file() and is_data_file(p))
                if not parts:
                    raise InputError(f"{entry}: folder for table {stem!r} holds no data files")
                found.setdefault(stem, []).extend(parts)
            elif is_data_file(entry):
                found.setdefault(stem, []).append(entry)
            claimed.add(entry)
    for table in READ_ORDER:
        patterns = mapping.table(table).file
        if table in found or not patterns:
            continue
        matches = [
            e
            for e in entries
            if e not in claimed
            and e.is_file()
            and is_data_file(e)
            and any(fnmatch.fnmatch(e.name, pat) for pat in patterns)
        ]
        if matches:
            found[table] = matches
            claimed.update(matches)
    return found


# --- encodings ---------------------------------------------------------------------------


def _open_bytes(path: Path):  # type: ignore[no-untyped-def]
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def detect_encoding(path: Path) -> str:
    """``utf-8`` if the whole file decodes as UTF-8, else ``cp1252`` (a superset of latin-1)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_bytes(path) as handle:
            while chunk := handle.read(_SNIFF_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    except (OSError, EOFError) as exc:
        raise InputError(
            f"{path}: cannot be read ({exc}); is it a complete, uncompressed or gzip file?"
        ) from exc
    return "utf-8"


def _transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 copy of a text file, converted in large blocks (not line by line)."""
    target = workdir / (strip_suffix(path.name) + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_bytes(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_SNIFF_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


# --- readers per format ------------------------------------------------------------------
#
# Nothing read from a book (file names, header tokens, preset names) is pasted into SQL:
# what DuckDB needs that Ibis cannot express is built as a sqlglot expression, which
# quotes every identifier and literal itself. File names are glob-escaped as well,
# because DuckDB's readers expand ``*``, ``?`` and ``[`` in a path.


def glob_escape(path: str | Path) -> str:
    """``path`` as a DuckDB file pattern that matches exactly that file."""
    return re.sub(r"([\[*?])", r"[\1]", str(path))


def _literal(value: str) -> sge.Expr:
    return sge.Literal.string(value)


def _option(name: str, value: object) -> sge.Expr:
    return sg.to_identifier(name).eq(sge.convert(value))


def _sql(con: ibis.BaseBackend, statement: sge.Expr) -> Any:
    return con.raw_sql(statement.sql("duckdb"))  # type: ignore[attr-defined]


def read_table(
    con: ibis.BaseBackend, name: str, paths: list[Path], options: ReadOptions, workdir: Path
) -> RawTable:
    """Read one table's files into ``con`` as raw rows with ``_file`` and ``_line``.

    On Spark, Spark reads the files (``spark_readers``); on DuckDB, DuckDB does.
    """
    suffixes = {p.name.lower().endswith(".parquet") for p in paths}
    if len(suffixes) > 1:
        raise InputError(
            f"table {name!r} mixes Parquet and other files ({', '.join(map(str, paths))}); "
            "use one format per table"
        )
    if not is_duckdb(con):
        from tierwise.book.spark_readers import read_table_spark

        return read_table_spark(con, name, paths, options, workdir)
    if paths[0].name.lower().endswith(".parquet"):
        return _read_parquet(con, name, paths)
    if paths[0].name.lower().endswith(".xlsx"):
        return _read_xlsx(con, name, paths)
    return _read_text(con, name, paths, options, workdir)


def _read_parquet(con: ibis.BaseBackend, name: str, paths: list[Path]) -> RawTable:
    try:
        files = con.read_parquet(  # type: ignore[attr-defined]
            [glob_escape(p) for p in paths],
            table_name=f"raw_{name}_files",
            file_row_number=True,
            filename=True,
            union_by_name=True,
        )
        view = files.select(
            *[c for c in files.columns if c not in ("file_row_number", "filename")],
            _file=files.filename,
            _line=files.file_row_number + 1,
        )
        expr = con.create_view(f"raw_{name}", view, overwrite=True)
    except Exception as exc:  # duckdb raises several error types for bad files
        raise InputError(
            f"table {name!r}: {', '.join(map(str, paths))} cannot be read as Parquet; is each "
            "file complete and really Parquet?"
        ) from exc
    return RawTable(
        name,
        expr,
        [str(p) for p in paths],
        [c for c in expr.columns if not c.startswith("_")],
        lazy=True,
    )


def _read_xlsx(con: ibis.BaseBackend, name: str, paths: list[Path]) -> RawTable:
    frames = []
    for path in paths:
        try:
            frame = pd.read_excel(path, dtype=str, sheet_name=0)
        except Exception as exc:
            raise InputError(
                f"{path}: cannot be read as an Excel workbook (.xlsx); is it complete?"
            ) from exc
        frame.columns = [str(c).strip() for c in frame.columns]
        frame["_file"] = str(path)
        frame["_line"] = range(2, len(frame) + 2)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    expr = keep_table(con, f"raw_{name}", data)
    return RawTable(
        name, expr, [str(p) for p in paths], [c for c in data.columns if not c.startswith("_")]
    )


def _read_text(
    con: ibis.BaseBackend, name: str, paths: list[Path], options: ReadOptions, workdir: Path
) -> RawTable:
    notes: list[str] = []
    sources: list[Path] = []
    for path in paths:
        encoding = options.encoding or detect_encoding(path)
        if encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
            notes.append(f"{path.name}: read as {encoding} and converted to UTF-8")
            sources.append(_transcode(path, encoding, workdir))
        else:
            sources.append(path)

    if options.delimiter == "whitespace":
        return _read_whitespace(con, name, paths, sources, options, notes)

    table = f"raw_{name}"
    parts: list[ir.Table] = []
    malformed_parts = []
    for index, (path, source) in enumerate(zip(paths, sources, strict=True)):
        part = f"{table}_{index}"
        pattern = _literal(glob_escape(source))
        rows = sg.select(sge.Star(), _ROW_NUMBER.copy().as_("_row")).from_(
            sg.func("read_csv", pattern, *csv_options(options))
        )
        try:
            _sql(con, _create_temp_table(part, rows))
            rejects = _sql(con, _REJECTS).fetchall()
            # sniffed with the read's own options, or it may see other columns than the read
            header = _sql(
                con,
                sg.select("HasHeader").from_(sg.func("sniff_csv", pattern, *csv_options(options))),
            )
            header = header.fetchone()
        except Exception as exc:
            raise InputError(  # the engine's text names a temporary copy: not shown
                f"{path}: cannot be read as delimited text; check the file format, or set "
                "read.delimiter / read.header in the mapping"
            ) from exc
        has_header = options.header if options.header is not None else bool(header and header[0])
        offset = 1 if has_header else 0
        # line = row + header + number of malformed lines before it
        skipped = pd.DataFrame(
            {
                "t": [0, *(int(line) - offset - j for j, (line, _, _) in enumerate(rejects))],
                "j": list(range(len(rejects) + 1)),
            }
        )
        p = con.table(part)
        r = ibis.memtable(skipped)
        numbered = p.asof_join(r, p._row >= r.t)
        parts.append(
            numbered.select(
                *[numbered[c] for c in p.columns if c != "_row"],
                _file=ibis.literal(str(path)),
                _line=(numbered._row + offset + numbered.j).cast("int64"),
            )
        )
        if rejects:
            malformed_parts.append(
                pd.DataFrame(
                    {
                        "_file": str(path),
                        "_line": [int(r[0]) for r in rejects],
                        "raw_line": [r[1] for r in rejects],
                        "error": [str(r[2]).splitlines()[0] for r in rejects],
                    }
                )
            )
    expr = con.create_table(table, _union_by_name(parts), temp=True, overwrite=True)
    for index in range(len(paths)):
        con.drop_table(f"{table}_{index}", force=True)
    malformed = None
    if malformed_parts:
        malformed = con.create_table(
            f"malformed_{name}", pd.concat(malformed_parts), overwrite=True
        )
    return RawTable(
        name,
        expr,
        [str(p) for p in paths],
        [c for c in expr.columns if not c.startswith("_")],
        notes,
        malformed,
    )


def csv_options(options: ReadOptions) -> list[sge.Expr]:
    """DuckDB's ``read_csv`` options for a book's text files: every value as text, lines
    of the wrong width kept aside (``reject_errors``), and the mapping's dialect."""
    found = [
        _option("all_varchar", True),
        _option("store_rejects", True),
        _option("null_padding", False),
    ]
    if options.delimiter:
        found.append(_option("delim", options.delimiter))
    if options.header is not None:
        found.append(_option("header", options.header))
    return found


_ROW_NUMBER = sg.parse_one("row_number() OVER ()", read="duckdb")
# the first error of each line DuckDB's CSV reader could not split; no value from a book
_REJECTS = sg.parse_one(
    "SELECT line, first(csv_line ORDER BY column_idx), first(error_message ORDER BY column_idx) "
    "FROM reject_errors GROUP BY line ORDER BY line",
    read="duckdb",
)


def _create_temp_table(name: str, query: sge.Expr) -> sge.Expr:
    return sge.Create(
        this=sg.table(sg.to_identifier(name, quoted=True)),
        kind="TABLE",
        replace=True,
        expression=query,
        properties=sge.Properties(expressions=[sge.TemporaryProperty()]),
    )


def _union_by_name(parts: list[ir.Table]) -> ir.Table:
    """Stack tables whose columns may differ (files of one table): missing ones are null."""
    if len(parts) == 1:
        return parts[0]
    columns: dict[str, Any] = {}
    for part in parts:
        for column, dtype in part.schema().items():
            columns.setdefault(column, dtype)
    aligned = [
        part.select(
            *[
                part[c] if c in part.columns else ibis.null(dtype).name(c)
                for c, dtype in columns.items()
            ]
        )
        for part in parts
    ]
    return ibis.union(*aligned)


def _read_whitespace(
    con: ibis.BaseBackend,
    name: str,
    paths: list[Path],
    sources: list[Path],
    options: ReadOptions,
    notes: list[str],
) -> RawTable:
    """Whitespace-separated text (e.g. fixed-width logs): split each line on runs of blanks."""
    table = f"raw_{name}"
    files = []
    for index, (path, source) in enumerate(zip(paths, sources, strict=True)):
        lines = con.read_csv(  # type: ignore[attr-defined]
            glob_escape(source),
            table_name=f"{table}_file_{index}",
            columns={"line": "VARCHAR"},
            delim="\x1f",
            quote="",
            escape="",
            header=False,
        )
        files.append(
            lines.mutate(
                _file=ibis.literal(str(path)),
                _line=(ibis.row_number() + 1).cast("int64"),
                _fields=lines.line.strip().re_split(r"\s+"),
            )
        )
    split = ibis.union(*files) if len(files) > 1 else files[0]
    split = split.filter(split.line.strip().fill_null("") != "").drop("line")
    lines_table = con.create_table(f"{table}_lines", split, temp=True, overwrite=True)
    counts = lines_table.group_by(w=lines_table._fields.length()).aggregate(n=lines_table.count())
    width = int(counts.order_by(ibis.desc("n")).limit(1).execute()["w"].iloc[0])
    names = options.names_by_width.get(width)
    first = list(lines_table.order_by(["_file", "_line"]).limit(1).execute()["_fields"].iloc[0])
    looks_like_header = options.header is True or (
        options.header is None and not any(ch.isdigit() for ch in "".join(first))
    )
    if names is None:
        if not looks_like_header:
            raise InputError(
                f"{paths[0]}: whitespace-separated lines with {width} fields and no header; "
                f"set read.names_by_width: {{{width}: [...]}} in the mapping or preset"
            )
        names = [str(v) for v in first]
    if len(names) != width:
        raise InputError(
            f"{paths[0]}: names_by_width[{width}] lists {len(names)} names for {width} fields"
        )
    _check_column_names(names, paths[0])
    t = lines_table
    fits = t._fields.length() == width
    rows = t.select(
        *[
            ibis.ifelse(fits, t._fields[i], ibis.null("string")).name(c)
            for i, c in enumerate(names)
        ],
        _malformed=ibis.ifelse(fits, ibis.null("string"), t._fields.join(" ")),
        _file=t._file,
        _line=t._line,
    )
    if looks_like_header:
        header = (t._line == 1) & (t._fields == ibis.literal(first, type="array<string>"))
        rows = rows.filter(~header.fill_null(False))
    expr = con.create_table(table, rows, temp=True, overwrite=True)
    con.drop_table(f"{table}_lines", force=True)
    notes.append(f"whitespace-separated, {width} fields: {', '.join(names)}")
    return RawTable(name, expr, [str(p) for p in paths], list(names), notes)


def _check_column_names(names: list[str], path: Path) -> None:
    """Column names taken from a header line must be distinct and not tierwise's own."""
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(
            f"{path}: the header names column(s) {repeated} more than once; give each column "
            "its own name, or set read.names_by_width in the mapping"
        )
    reserved = [n for n in names if n.startswith("_")]
    if reserved:
        raise InputError(
            f"{path}: column name(s) {reserved} start with '_', which tierwise keeps for its "
            "own columns; rename them, or set read.names_by_width in the mapping"
        )


def read_connection_table(
    con: ibis.BaseBackend, source: ibis.BaseBackend, name: str, url: str
) -> RawTable:
    """Copy a table from another Ibis backend into the embedded engine, in Arrow batches."""
    import pyarrow as pa

    batches = source.table(name).to_pyarrow_batches()
    arrow = pa.Table.from_batches(list(batches), schema=batches.schema)
    arrow = arrow.append_column("_file", pa.array([f"{url}#{name}"] * arrow.num_rows))
    arrow = arrow.append_column("_line", pa.array(range(1, arrow.num_rows + 1), pa.int64()))
    expr = keep_table(con, f"raw_{name}", arrow)
    return RawTable(
        name, expr, [f"{url}#{name}"], [c for c in expr.columns if not c.startswith("_")]
    )


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tierwise-"))


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
