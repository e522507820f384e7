"""Read a book's files with Spark, as ``readers`` does with DuckDB: the same raw rows.

On Spark the files are read by Spark itself (its Parquet and CSV readers, on the
executors), never through the driver. Each raw row keeps ``_file`` (the path as given)
and ``_line``, numbered as DuckDB numbers them, so validation, the accounting and the
quarantine are the same on both engines:

* Parquet: ``_line`` is the row's position in its file (Spark's ``_metadata.row_index``),
  and the raw table is a view over the files, as on DuckDB.
* CSV: every column is read as text, so the same parse rules apply. The dialect
  (delimiter, quote, header and column names) is sniffed by DuckDB from the start of the
  file on the driver, exactly as the DuckDB reader sniffs it, and handed to Spark. Lines
  with the wrong number of fields are kept by a PERMISSIVE read in a corrupt-record
  column and become ``malformed`` rows with DuckDB's message. Each file is one Spark
  partition (``multiLine``, which also reads quoted line breaks), so ``_line`` is the
  record's position in the file.

What differs from DuckDB: a blank line or a quoted line break before a malformed line
shifts DuckDB's count of that line (it counts physical lines there) but not Spark's (it
counts records); lines DuckDB rejects for other reasons (an unterminated quote) are read
by Spark as they come; preamble lines DuckDB's sniffer skips are malformed lines on
Spark; whitespace-separated files are read by DuckDB only.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import ibis
import ibis.expr.types as ir
import sqlglot as sg

from tierwise.book.mapping import ReadOptions
from tierwise.book.readers import (
    RawTable,
    _read_xlsx,
    _sql,
    _union_by_name,
    csv_options,
    detect_encoding,
    glob_escape,
)
from tierwise.book.store import keep_view
from tierwise.engine import materialise
from tierwise.errors import InputError

# Spark's column for a line its CSV parser could not fit to the columns; "_" keeps it
# apart from a book's own columns
CORRUPT = "_malformed_line"
_HEAD_BYTES = 1 << 23  # what DuckDB sniffs of a file that is not UTF-8 (a transcoded head)


def read_table_spark(
    con: ibis.BaseBackend, name: str, paths: list[Path], options: ReadOptions, workdir: Path
) -> RawTable:
    """Read one table's files with the Spark session behind ``con``."""
    lowered = [p.name.lower() for p in paths]
    if lowered[0].endswith(".parquet"):
        return _read_parquet(con, name, paths)
    if lowered[0].endswith(".xlsx"):  # workbooks hold at most a million rows
        return _read_xlsx(con, name, paths)
    if options.delimiter == "whitespace":
        raise InputError(
            f"table {name!r}: whitespace-separated files are read by the DuckDB engine only; "
            "export them as CSV to read them on Spark, or analyse with --engine duckdb"
        )
    return _read_csv(con, name, paths, options, workdir)


def spark_path(path: Path) -> str:
    """``path`` as Spark's file readers take it: absolute, its glob characters escaped
    (Spark expands ``[``, ``{``, ``*`` and ``?`` in a path, as DuckDB does)."""
    return re.sub(r"([\\\[\]{}*?])", r"\\\1", os.path.abspath(path))


def _quoted(column: str) -> str:
    """A column name for PySpark's ``col``, which reads dots as nested fields."""
    return "`" + column.replace("`", "``") + "`"


def _read_parquet(con: ibis.BaseBackend, name: str, paths: list[Path]) -> RawTable:
    from pyspark.sql import functions as F

    session = con._session  # type: ignore[attr-defined]
    try:
        frame = session.read.option("mergeSchema", "true").parquet(*map(spark_path, paths))
        uris = frame.inputFiles()
    except Exception as exc:  # Spark raises several error types for bad files
        raise InputError(
            f"table {name!r}: {', '.join(map(str, paths))} cannot be read as Parquet; is each "
            "file complete and really Parquet?"
        ) from exc
    given = {os.path.abspath(p): str(p) for p in paths}
    files = {}
    for uri in uris:  # the listing writes file:///x, a row's _metadata file:/x
        path = urlparse(uri).path
        files[uri] = files[f"{urlparse(uri).scheme}:{path}"] = given.get(unquote(path), uri)
    frame = frame.select(
        *[F.col(_quoted(c)) for c in frame.columns],
        F.col("_metadata.file_path").alias("_path"),
        (F.col("_metadata.row_index") + 1).alias("_line"),
    )
    frame.createOrReplaceTempView(f"raw_{name}_files")
    read = con.table(f"raw_{name}_files")
    view = read.select(
        *[c for c in read.columns if c not in ("_path", "_line")],
        _file=read._path.substitute(files, else_=read._path),
        _line=read._line,
    )
    expr = keep_view(con, f"raw_{name}", view)
    return RawTable(
        name,
        expr,
        [str(p) for p in paths],
        [c for c in expr.columns if not c.startswith("_")],
        lazy=True,
    )


@dataclass(frozen=True)
class _Dialect:
    """How a CSV file is written, as DuckDB's sniffer sees it."""

    header: bool
    delimiter: str
    quote: str
    escape: str
    names: list[str]


def _read_csv(
    con: ibis.BaseBackend, name: str, paths: list[Path], options: ReadOptions, workdir: Path
) -> RawTable:
    notes: list[str] = []
    parts: list[ir.Table] = []
    for index, path in enumerate(paths):
        encoding = options.encoding or detect_encoding(path)
        utf8 = encoding.lower().replace("-", "") in ("utf8", "utf8sig")
        if not utf8:
            notes.append(f"{path.name}: read as {encoding} and converted to UTF-8")
        dialect = _sniff(path, options, None if utf8 else encoding, workdir)
        parts.append(_read_csv_file(con, f"raw_{name}_file{index}", path, dialect, encoding))
    read = materialise(con, f"raw_{name}_read", _union_by_name(parts))
    lines = _numbered(read)
    good = lines.filter(lines[CORRUPT].isnull()).drop(CORRUPT, "_error")
    expr = keep_view(con, f"raw_{name}", good)
    bad = lines.filter(lines[CORRUPT].notnull())
    malformed = None
    if int(bad.count().execute()):
        malformed = keep_view(
            con,
            f"malformed_{name}",
            bad.select("_file", "_line", raw_line=bad[CORRUPT], error=bad._error),
        )
    return RawTable(
        name,
        expr,
        [str(p) for p in paths],
        [c for c in expr.columns if not c.startswith("_")],
        notes,
        malformed,
    )


def _sniff(path: Path, options: ReadOptions, encoding: str | None, workdir: Path) -> _Dialect:
    """The file's dialect and column names as DuckDB's reader finds them (same options),
    from the first rows DuckDB samples; a file that is not UTF-8 through a UTF-8 head."""
    source = path if encoding is None else _utf8_head(path, encoding, workdir)
    duck = ibis.duckdb.connect()
    try:
        query = sg.select("HasHeader", "Delimiter", "Quote", "Escape", "Columns").from_(
            sg.func("sniff_csv", sg.exp.Literal.string(glob_escape(source)), *csv_options(options))
        )
        row = _sql(duck, query).fetchone()
    except Exception as exc:
        raise InputError(
            f"{path}: cannot be read as delimited text; check the file format, or set "
            "read.delimiter / read.header in the mapping"
        ) from exc
    finally:
        duck.disconnect()
    has_header, delimiter, quote, escape, columns = row
    quote = "" if quote == "(empty)" else quote
    escape = quote if escape == "(empty)" else escape
    header = options.header if options.header is not None else bool(has_header)
    return _Dialect(header, delimiter, quote, escape, [c["name"] for c in columns])


def _utf8_head(path: Path, encoding: str, workdir: Path) -> Path:
    """The first lines of a file in another encoding, as UTF-8, for DuckDB's sniffer."""
    from tierwise.book.readers import _open_bytes

    with _open_bytes(path) as handle:
        head = handle.read(_HEAD_BYTES)
    if len(head) == _HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    target = workdir / (path.name + ".head.csv")
    target.write_text(codecs.decode(head, encoding, errors="replace"), encoding="utf-8")
    return target


def _java_charset(encoding: str) -> str:
    """A Python encoding name as Spark (Java) knows it."""
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "UTF-8", "cp1252": "windows-1252", "latin-1": "ISO-8859-1"}.get(
        name, "ISO-8859-1" if name == "iso8859-1" else name
    )


def _read_csv_file(
    con: ibis.BaseBackend, view: str, path: Path, dialect: _Dialect, encoding: str
) -> ir.Table:
    """One CSV file as text columns, its malformed lines in ``CORRUPT`` with their error."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType(
        [StructField(c, StringType()) for c in dialect.names] + [StructField(CORRUPT, StringType())]
    )
    reader = con._session.read.schema(schema).options(  # type: ignore[attr-defined]
        header=dialect.header,
        sep=dialect.delimiter,
        quote=dialect.quote or "\u0000",
        escape=dialect.escape or "\\",
        multiLine=True,  # quoted line breaks; and one partition per file, in file order
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=CORRUPT,
        encoding=_java_charset(encoding),
    )
    frame = reader.csv(spark_path(path)).withColumn("_id", F.monotonically_increasing_id())
    frame.createOrReplaceTempView(view)
    t = con.table(view)
    width = len(dialect.names)
    return t.select(
        *dialect.names,
        t[CORRUPT],
        _error=ibis.ifelse(
            t[CORRUPT].isnull(),
            ibis.null("string"),
            ibis.literal(f"Expected Number of Columns: {width} Found: ").concat(
                ibis.least(_fields(t[CORRUPT], dialect), width + 1).cast("string")
            ),
        ),
        _file=ibis.literal(str(path)),
        _id=t._id,
        _offset=ibis.literal(1 if dialect.header else 0, type="int64"),
    )


def _fields(line: ir.StringValue, dialect: _Dialect) -> ir.IntegerValue:
    """How many fields a raw line holds: its delimiters outside quotes, plus one."""
    if dialect.quote:
        q = re.escape(dialect.quote)
        line = line.re_replace(f"{q}[^{q}]*{q}", "")
    delimiters = (line.length() - line.replace(dialect.delimiter, "").length()) // len(
        dialect.delimiter
    )
    return (delimiters + 1).cast("int64")


def _numbered(read: ir.Table) -> ir.Table:
    """``read`` with ``_line``: the record's position in its file, after the header.

    Spark numbers the rows of a partition consecutively, and each file is one partition;
    where a file's numbers have gaps all the same, they are ranked instead.
    """
    spans = read.group_by("_file").aggregate(n=read.count(), lo=read._id.min(), hi=read._id.max())
    rows = spans.to_pyarrow().to_pylist()  # one row per file
    if not rows:  # a file with a header and no rows
        position = read._id
    elif all(int(r["hi"]) - int(r["lo"]) + 1 == int(r["n"]) for r in rows):
        first = read._file.substitute(
            {r["_file"]: int(r["lo"]) for r in rows}, else_=ibis.null("int64")
        )
        position = read._id - first.cast("int64")
    else:  # never seen: each file is read as one partition
        position = ibis.row_number().over(group_by=read._file, order_by=read._id)
    return read.mutate(_line=(position + 1 + read._offset).cast("int64")).drop("_id", "_offset")


def spark_frame(con: ibis.BaseBackend, expr: ir.Table) -> Any:
    """The Spark DataFrame of an Ibis expression on ``con``."""
    con._register_in_memory_tables(expr)  # type: ignore[attr-defined]
    return con._session.sql(con.compile(expr))  # type: ignore[attr-defined]
