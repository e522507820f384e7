"""Turn raw values into typed ones, in the engine, and refuse to guess where guessing is unsafe.

Each ``parse_*`` returns an Ibis expression that is null where the raw value cannot be
read, so validation can quarantine the row with a reason. Format detection runs one
aggregate query per column over the whole column, never a sample: a day/month order that
only shows on the 13th of a month is still found.
"""

from __future__ import annotations

import functools
import operator
import re
import string
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from tierwise.errors import InputError

_ISO = r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
_COMPACT = r"^\d{8}$"
_DMY = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})( +\d{1,2}:\d{2}(:\d{2})?)?$"
_DMY_SHORT = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})( +\d{1,2}:\d{2}(:\d{2})?)?$"


@dataclass(frozen=True)
class TextShape:
    """What the values of a raw text column need before parsing.

    ``padded``: some value starts or ends with whitespace, so values must be stripped;
    ``None`` while unknown, and then each value is tested and only those that need it are
    stripped. ``float_ids``: some value may end in ``.0``, so ids must be repaired.
    Validation learns the shape in the scan that counts rejections; the accepted view,
    which every later stage scans, then leaves out the per-row string work a clean column
    does not need.
    """

    padded: bool | None = None
    float_ids: bool = True


UNKNOWN_SHAPE = TextShape()


def default_shape(engine: str) -> TextShape:
    """The shape assumed before it is known: on DuckDB each value is tested and only those
    that need it are stripped (much faster there); other engines strip every value, which
    keeps their expressions small (Spark compiles each query into Java code)."""
    return UNKNOWN_SHAPE if engine == "duckdb" else TextShape(padded=True)


def needs_strip(col: ir.StringValue) -> ir.BooleanValue:
    """True where a value starts or ends with whitespace (or is empty: nothing to strip).

    A first character code up to 32 covers every character strip() removes; suffix tests
    are far cheaper than cutting out the last character.
    """
    trailing = [col.endswith(ch) for ch in string.whitespace]
    return functools.reduce(operator.or_, trailing, col.ascii_str() <= 32)


def shape_aggregates(table: ir.Table, columns: list[str]) -> dict[str, ir.Scalar]:
    """Aggregates that find the shape of each text column; read them with ``shapes_from``."""
    checks: dict[str, ir.Scalar] = {}
    for i, name in enumerate(columns):
        col = table[name]
        if col.type().is_string():
            checks[f"_padded{i}"] = needs_strip(col).any()
            checks[f"_float_ids{i}"] = col.endswith(".0").any()
    return checks


def shapes_from(rows: list[dict[str, object]], columns: list[str]) -> dict[str, TextShape]:
    """Shapes from the results of ``shape_aggregates`` (one row per group of the scan)."""
    shapes = {}
    for i, name in enumerate(columns):
        if f"_padded{i}" in (rows[0] if rows else {}):
            padded = any(bool(r[f"_padded{i}"]) for r in rows)  # all-null groups give None
            # "17850.0 " shows its ".0" only once stripped, so padding keeps the repair
            float_ids = padded or any(bool(r[f"_float_ids{i}"]) for r in rows)
            shapes[name] = TextShape(padded=padded, float_ids=float_ids)
    return shapes


def _text(col: ir.Value, shape: TextShape = UNKNOWN_SHAPE) -> ir.StringValue:
    text = col.cast("string")
    if shape.padded is None:
        return ibis.ifelse(needs_strip(text), text.strip(), text)
    return text.strip() if shape.padded else text


def blank(col: ir.Value, shape: TextShape = UNKNOWN_SHAPE) -> ir.BooleanValue:
    """True where a raw value is missing or empty text."""
    if not col.type().is_string():
        return col.isnull()
    if shape.padded is None:  # only a value that starts with whitespace can be blank
        return col.isnull() | ((col.ascii_str() <= 32) & (col.strip() == ""))
    return col.isnull() | (_text(col, shape) == "")


def parse_text(col: ir.Value, shape: TextShape = UNKNOWN_SHAPE) -> ir.StringValue:
    """Free text, stripped; empty text is missing."""
    return _text(col, shape).nullif("")


def group(number: int, engine: str) -> str:
    """A regex group in a replacement text: ``\\1`` for DuckDB (RE2), ``$1`` for Spark
    (Java), where ``\\1`` would be a plain "1"."""
    return f"${number}" if engine == "pyspark" else f"\\{number}"


# --- identifiers -------------------------------------------------------------------------


def parse_id(
    col: ir.Value, shape: TextShape = UNKNOWN_SHAPE, *, engine: str = "duckdb"
) -> ir.StringValue:
    """Ids are text; ``17850.0`` (a number exported as float) is read as ``17850``."""
    if col.type().is_floating():
        return ibis.ifelse(
            col == col.round(0), col.cast("int64").cast("string"), col.cast("string")
        )
    text = _text(col, shape)
    if shape.float_ids:
        # the regex runs only on the rare ids that end in ".0", not on every row
        text = ibis.ifelse(
            text.endswith(".0"), text.re_replace(r"^(-?\d+)\.0+$", group(1, engine)), text
        )
    return text.nullif("")


# --- dates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateFormat:
    """How a date column is written: iso, compact, dmy, mdy, strftime or typed."""

    kind: str
    strftime: str | None = None


def detect_date_format(table: ir.Table, column: str, where: str) -> DateFormat:
    """Decide how a text date column is written, or raise if the day/month order is ambiguous."""
    col = table[column]
    if col.type().is_temporal():
        return DateFormat("typed")
    if col.type().is_integer():
        return DateFormat("compact")
    text = _text(col)
    stats = (
        table.aggregate(
            filled=(text != "").sum(),
            iso=text.re_search(_ISO).sum(),
            compact=text.re_search(_COMPACT).sum(),
            slash=text.re_search(_DMY).sum(),
            slash_short=text.re_search(_DMY_SHORT).sum(),
            first_max=ibis.ifelse(
                text.re_search(_DMY) | text.re_search(_DMY_SHORT),
                text.re_extract(_DMY_FIRST, 1).cast("int32"),
                0,
            ).max(),
            second_max=ibis.ifelse(
                text.re_search(_DMY) | text.re_search(_DMY_SHORT),
                text.re_extract(_DMY_FIRST, 2).cast("int32"),
                0,
            ).max(),
            sample=ibis.ifelse(
                text.re_search(_DMY) | text.re_search(_DMY_SHORT), text, ibis.null("string")
            ).arbitrary(),
        )
        .execute()
        .iloc[0]
    )
    filled = int(stats["filled"] or 0)
    counts = {
        "iso": int(stats["iso"] or 0),
        "compact": int(stats["compact"] or 0),
        "slash": int(stats["slash"] or 0) + int(stats["slash_short"] or 0),
    }
    if filled == 0 or max(counts.values()) == 0:
        return DateFormat("iso")  # nothing readable: every row is quarantined as unparseable
    best = max(counts, key=lambda k: counts[k])
    if best != "slash":
        return DateFormat(best)
    first, second = int(stats["first_max"] or 0), int(stats["second_max"] or 0)
    if first > 12 and second > 12:
        raise InputError(
            f"{where}: dates such as {stats['sample']!r} are written both day-first and "
            "month-first in the same column; fix the file or set a date_format "
            "(e.g. --date-format '%d/%m/%Y')"
        )
    if first > 12:
        return DateFormat("dmy")
    if second > 12:
        return DateFormat("mdy")
    raise InputError(
        f"{where}: the dates (e.g. {stats['sample']!r}) could be day/month or month/day: no value "
        "shows which. Set the format: --date-format '%d/%m/%Y' (or '%m/%d/%Y'), or "
        "date_format: {date: '%d/%m/%Y'} in the book mapping"
    )


_DMY_FIRST = r"^(\d{1,2})[/.-](\d{1,2})[/.-]"


def _strftime_to_regex(fmt: str) -> tuple[str, dict[str, int]]:
    """A regex for a strftime format, and which group holds each date part."""
    parts = {
        "%Y": r"(\d{4})",
        "%y": r"(\d{2})",
        "%m": r"(\d{1,2})",
        "%d": r"(\d{1,2})",
        "%H": r"(\d{1,2})",
        "%M": r"(\d{2})",
        "%S": r"(\d{2})",
    }
    regex, i = "^", 0
    groups: dict[str, int] = {}
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in parts:
            groups[token] = len(groups) + 1
            regex += parts[token]
            i += 2
        elif fmt[i] == "%":
            raise InputError(
                f"date_format {fmt!r}: {token!r} is not supported; use %Y %y %m %d %H %M %S "
                "and literal separators"
            )
        else:
            regex += re.escape(fmt[i])
            i += 1
    if not ({"%Y", "%y"} & set(groups) and "%m" in groups and "%d" in groups):
        raise InputError(
            f"date_format {fmt!r} needs a year (%Y or %y), a month (%m) and a day (%d)"
        )
    return regex + "$", groups


def parse_date(
    col: ir.Value, fmt: DateFormat, shape: TextShape = UNKNOWN_SHAPE, *, engine: str = "duckdb"
) -> ir.TimestampValue:
    """A timestamp, or null where the value does not follow the format or is not a real date.

    On other engines than DuckDB (``engine``, the connection's name) only text shaped like
    an ISO date is cast: Spark's cast reads more (it reads "2025" as 1 January 2025), and
    both must accept the same values.
    """
    g = functools.partial(group, engine=engine)
    if fmt.kind == "typed":
        return col.cast("timestamp")
    text = _text(col, shape)
    if fmt.kind == "iso":
        iso = text.re_replace(r"(Z|[+-]\d{2}:?\d{2})$", "")
    elif fmt.kind == "compact":
        iso = text.re_replace(r"^(\d{4})(\d{2})(\d{2})$", f"{g(1)}-{g(2)}-{g(3)}")
    elif fmt.kind in ("dmy", "mdy"):
        day, month = (g(1), g(2)) if fmt.kind == "dmy" else (g(2), g(1))
        iso = ibis.ifelse(
            text.re_search(_DMY),
            text.re_replace(_DMY, f"{g(3)}-{month}-{day}{g(4)}"),
            text.re_replace(_DMY_SHORT, f"20{g(3)}-{month}-{day}{g(4)}"),
        )
    else:
        regex, groups = _strftime_to_regex(fmt.strftime or "")
        year = g(groups["%Y"]) if "%Y" in groups else "20" + g(groups["%y"])
        time = ""
        if "%H" in groups:
            time = f" {g(groups['%H'])}:" + (g(groups["%M"]) if "%M" in groups else "00")
            time += f":{g(groups['%S'])}" if "%S" in groups else ""
        iso = ibis.ifelse(
            text.re_search(regex),
            text.re_replace(regex, f"{year}-{g(groups['%m'])}-{g(groups['%d'])}{time}"),
            ibis.null("string"),
        )
    if engine != "duckdb":
        iso = ibis.ifelse(iso.re_search(_ISO_DATE), iso, ibis.null("string"))
    return iso.try_cast("timestamp")


# what DuckDB's timestamp cast reads, once a zone suffix is cut off
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"


# --- numbers -----------------------------------------------------------------------------


_DECIMAL = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_COMMA_DECIMAL = r"^[-+(]?(\d{1,3}(\.\d{3})+|\d+),\d{1,2}\)?$"
_DOT_DECIMAL = r"^[-+(]?(\d{1,3}(,\d{3})+|\d+)\.\d+\)?$"


def check_decimal_convention(table: ir.Table, column: str, decimal: str, where: str) -> None:
    """Refuse to read ``12,50`` as twelve hundred and fifty: ask for ``decimal: ","``."""
    col = table[column]
    if not col.type().is_string() or decimal == ",":
        return
    text = _text(col)
    stats = (
        table.aggregate(
            comma_decimal=text.re_search(_COMMA_DECIMAL).sum(),
            dot=text.re_search(_DOT_DECIMAL).sum(),
            sample=ibis.ifelse(
                text.re_search(_COMMA_DECIMAL), text, ibis.null("string")
            ).arbitrary(),
        )
        .execute()
        .iloc[0]
    )
    if int(stats["comma_decimal"] or 0) > 0 and int(stats["dot"] or 0) == 0:
        raise InputError(
            f"{where}: numbers such as {stats['sample']!r} use a decimal comma; set "
            "read.decimal: ',' in the book mapping (or --decimal-comma) so they are read correctly"
        )


def parse_number(
    col: ir.Value, decimal: str = ".", shape: TextShape = UNKNOWN_SHAPE, *, engine: str = "duckdb"
) -> ir.FloatingValue:
    """A float, or null where the value is no number. Reads ``1,234.50``, ``(12.00)``, ``€ 5``.

    On other engines than DuckDB only text shaped like a decimal number is cast: Spark's
    cast reads more (it reads "5d" as 5), and both must accept the same values.
    """
    if col.type() == dt.float64:
        return col
    if col.type().is_numeric():
        return col.cast(dt.float64)
    if col.type().is_boolean():
        return col.cast("int8").cast(dt.float64)
    text = _text(col, shape).re_replace("[\\s\u00a0'€$£¥]", "")
    negative = text.re_search(r"^\(.*\)$")
    text = text.re_replace(r"^\((.*)\)$", group(1, engine))
    if decimal == ",":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = ibis.ifelse(
            text.re_search(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$"), text.replace(",", ""), text
        )
    if engine != "duckdb":
        text = ibis.ifelse(text.re_search(_DECIMAL), text, ibis.null("string"))
    number = text.try_cast(dt.float64)
    number = ibis.ifelse(number.isinf() | number.isnan(), ibis.null("float64"), number)
    return ibis.ifelse(negative, -number, number)


def parse_bool(col: ir.Value, shape: TextShape = UNKNOWN_SHAPE) -> ir.BooleanValue:
    if col.type().is_boolean():
        return col
    text = _text(col, shape).lower()
    return ibis.cases(
        (text.isin(["true", "t", "yes", "y", "1"]), True),
        (text.isin(["false", "f", "no", "n", "0"]), False),
        else_=ibis.null("boolean"),
    )
