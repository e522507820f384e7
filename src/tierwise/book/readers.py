"""Find a book's tables and read each one, as it is, into the embedded engine.

Reading keeps every value as the file wrote it (text for text files) plus where it came
from (``_file``, ``_line``), so validation can explain each rejected row with its original
content. Lines a CSV parser cannot split at all are kept too, as ``malformed`` rows.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.book.contract import READ_ORDER
from tierwise.book.mapping import BookMapping, ReadOptions
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


def _strip_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _is_data_file(path: Path) -> bool:
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
        if not _is_data_file(book):
            raise InputError(f"{book}: unsupported file type; tierwise reads {', '.join(SUFFIXES)}")
        stem = _strip_suffix(book.name)
        return {stem if stem in READ_ORDER else "transactions": [book]}

    entries = [p for p in sorted(book.iterdir()) if not p.name.startswith(("_", "."))]
    found: dict[str, list[Path]] = {}
    claimed: set[Path] = set()
    for entry in entries:
        stem = _strip_suffix(entry.name) if entry.is_file() else entry.name
        if stem in READ_ORDER:
            if entry.is_dir():
                parts = sorted(p for p in entry.rglob("*") if p.is_file() and _is_data_file(p))
                if not parts:
                    raise InputError(f"{entry}: folder for table {stem!r} holds no data files")
                found.setdefault(stem, []).extend(parts)
            elif _is_data_file(entry):
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
            and _is_data_file(e)
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
    target = workdir / (_strip_suffix(path.name) + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_bytes(path) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(_SNIFF_BYTES):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


# --- readers per format ------------------------------------------------------------------


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_table(
    con: ibis.BaseBackend, name: str, paths: list[Path], options: ReadOptions, workdir: Path
) -> RawTable:
    """Read one table's files into ``con`` as raw rows with ``_file`` and ``_line``."""
    suffixes = {p.name.lower().endswith(".parquet") for p in paths}
    if len(suffixes) > 1:
        raise InputError(
            f"table {name!r} mixes Parquet and other files ({', '.join(map(str, paths))}); "
            "use one format per table"
        )
    if paths[0].name.lower().endswith(".parquet"):
        return _read_parquet(con, name, paths)
    if paths[0].name.lower().endswith(".xlsx"):
        return _read_xlsx(con, name, paths)
    return _read_text(con, name, paths, options, workdir)


def _read_parquet(con: ibis.BaseBackend, name: str, paths: list[Path]) -> RawTable:
    files = ", ".join(_sql_str(str(p)) for p in paths)
    view = f"raw_{name}"
    try:
        con.raw_sql(  # type: ignore[attr-defined]
            f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (file_row_number, filename), "
            f"filename AS _file, file_row_number + 1 AS _line "
            f"FROM read_parquet([{files}], file_row_number = true, filename = true, "
            "union_by_name = true)"
        )
    except Exception as exc:  # duckdb raises several error types for bad files
        raise InputError(
            f"table {name!r}: {', '.join(map(str, paths))} cannot be read as Parquet; is each "
            "file complete and really Parquet?"
        ) from exc
    expr = con.table(view)
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
    expr = con.create_table(f"raw_{name}", data, overwrite=True)
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
    parts = []
    malformed_parts = []
    for index, (path, source) in enumerate(zip(paths, sources, strict=True)):
        args = ["all_varchar = true", "store_rejects = true", "null_padding = false"]
        if options.delimiter:
            args.append(f"delim = {_sql_str(options.delimiter)}")
        if options.header is not None:
            args.append(f"header = {str(options.header).lower()}")
        part = f"{table}_{index}"
        try:
            con.raw_sql(  # type: ignore[attr-defined]
                f"CREATE OR REPLACE TEMP TABLE {part} AS SELECT *, row_number() OVER () AS _row "
                f"FROM read_csv({_sql_str(str(source))}, {', '.join(args)})"
            )
            header = con.raw_sql(  # type: ignore[attr-defined]
                f"SELECT HasHeader FROM sniff_csv({_sql_str(str(source))})"
            ).fetchone()
            rejects = con.raw_sql(  # type: ignore[attr-defined]
                "SELECT line, first(csv_line ORDER BY column_idx), "
                "first(error_message ORDER BY column_idx) "
                "FROM reject_errors GROUP BY line ORDER BY line"
            ).fetchall()
        except Exception as exc:
            raise InputError(  # the engine's text names a temporary copy: not shown
                f"{path}: cannot be read as delimited text; check the file format, or set "
                "read.delimiter / read.header in the mapping"
            ) from exc
        has_header = options.header if options.header is not None else bool(header and header[0])
        offset = 1 if has_header else 0
        # line = row + header + number of malformed lines before it
        con.raw_sql(  # type: ignore[attr-defined]
            f"CREATE OR REPLACE TEMP TABLE {part}_rej AS SELECT * FROM (VALUES (0, 0)) v(t, j) "
            + "".join(
                f" UNION ALL SELECT {int(line) - offset - j}, {j + 1}"
                for j, (line, _, _) in enumerate(rejects)
            )
        )
        con.raw_sql(  # type: ignore[attr-defined]
            f"CREATE OR REPLACE TEMP TABLE {part}_n AS SELECT p.* EXCLUDE (_row), "
            f"{_sql_str(str(path))} AS _file, p._row + {offset} + r.j AS _line "
            f"FROM {part} p ASOF LEFT JOIN {part}_rej r ON p._row >= r.t"
        )
        parts.append(f"{part}_n")
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
    con.raw_sql(  # type: ignore[attr-defined]
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        + " UNION ALL BY NAME ".join(f"SELECT * FROM {p}" for p in parts)
    )
    for part in parts:
        con.raw_sql(f"DROP TABLE {part}; DROP TABLE {part[:-2]}; DROP TABLE {part[:-2]}_rej")  # type: ignore[attr-defined]
    expr = con.table(table)
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
    selects = []
    for path, source in zip(paths, sources, strict=True):
        selects.append(
            f"SELECT {_sql_str(str(path))} AS _file, row_number() OVER () AS _line, "
            f"regexp_split_to_array(trim(line), '\\s+') AS _fields "
            f"FROM read_csv({_sql_str(str(source))}, columns = {{'line': 'VARCHAR'}}, "
            f"delim = '\\x1f', quote = '', escape = '', header = false)"
        )
    con.raw_sql(  # type: ignore[attr-defined]
        f"CREATE OR REPLACE TEMP TABLE {table}_lines AS "
        + " UNION ALL ".join(selects)
        + " ; DELETE FROM "
        + table
        + "_lines WHERE _fields = [''] "
    )
    widths = con.raw_sql(  # type: ignore[attr-defined]
        f"SELECT len(_fields) AS w, count(*) AS n FROM {table}_lines GROUP BY w ORDER BY n DESC"
    ).fetchall()
    width = int(widths[0][0])
    names = options.names_by_width.get(width)
    first = con.raw_sql(  # type: ignore[attr-defined]
        f"SELECT _fields FROM {table}_lines ORDER BY _file, _line LIMIT 1"
    ).fetchone()[0]
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
    columns = ", ".join(
        f'CASE WHEN len(_fields) = {width} THEN _fields[{i + 1}] END AS "{col}"'
        for i, col in enumerate(names)
    )
    skip_header = (
        "WHERE NOT (_line = 1 AND _fields = " + _sql_list(first) + ")" if looks_like_header else ""
    )
    con.raw_sql(  # type: ignore[attr-defined]
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {columns}, "
        f"CASE WHEN len(_fields) <> {width} THEN array_to_string(_fields, ' ') END AS _malformed, "
        f"_file, _line FROM {table}_lines {skip_header}; DROP TABLE {table}_lines"
    )
    expr = con.table(table)
    notes.append(f"whitespace-separated, {width} fields: {', '.join(names)}")
    return RawTable(name, expr, [str(p) for p in paths], list(names), notes)


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(_sql_str(str(v)) for v in values) + "]"


def read_connection_table(
    con: ibis.BaseBackend, source: ibis.BaseBackend, name: str, url: str
) -> RawTable:
    """Copy a table from another Ibis backend into the embedded engine, in Arrow batches."""
    remote = source.table(name)
    batches = remote.to_pyarrow_batches()
    import pyarrow as pa

    arrow = pa.Table.from_batches(list(batches), schema=batches.schema)
    expr = con.create_table(f"raw_{name}_src", arrow, overwrite=True)
    con.raw_sql(  # type: ignore[attr-defined]
        f"CREATE OR REPLACE TEMP TABLE raw_{name} AS SELECT *, "
        f"{_sql_str(url + '#' + name)} AS _file, "
        f"row_number() OVER () AS _line FROM raw_{name}_src"
    )
    expr = con.table(f"raw_{name}")
    return RawTable(
        name, expr, [f"{url}#{name}"], [c for c in expr.columns if not c.startswith("_")]
    )


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tierwise-"))


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
