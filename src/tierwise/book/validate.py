"""Validation: every raw row ends accepted (typed, contract names) or quarantined with a reason.

All checks are Ibis expressions evaluated in the engine. The first failing check, in a
fixed priority order, names the row's reason, so counts are stable and explainable.
``accepted + quarantined = read`` is checked for every table before anything else runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.book.contract import TableSpec
from tierwise.book.expressions import build_filter, build_value, parse_filter, value_columns
from tierwise.book.mapping import ReadOptions, TableMapping
from tierwise.book.parse import (
    DateFormat,
    TextShape,
    blank,
    check_decimal_convention,
    default_shape,
    detect_date_format,
    parse_bool,
    parse_date,
    parse_id,
    parse_number,
    parse_text,
    shape_aggregates,
    shapes_from,
)
from tierwise.book.readers import RawTable
from tierwise.book.store import keep_table
from tierwise.engine import drop_relation, is_duckdb
from tierwise.errors import InputError
from tierwise.literals import at_midnight


@dataclass
class TableAccounting:
    """What happened to the rows of one table.

    ``read == accepted + quarantined`` always (CONTRACT §2). Rows a mapping's filter
    (``where``) leaves out are not read into the book but counted, not lost:
    ``in_files == read + filtered_out``.
    """

    table: str
    files: list[str]
    read: int
    accepted: int
    quarantined: int
    reasons: dict[str, int]
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> source
    notes: list[str] = field(default_factory=list)
    filtered_out: int = 0
    filters: list[str] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # contract column -> source, by name

    @property
    def in_files(self) -> int:
        """Every row of the files, kept by the mapping's filters or not."""
        return self.read + self.filtered_out

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "in_files": self.in_files,
            "read": self.read,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "filtered_out": self.filtered_out,
            "filters": self.filters,
            "reasons": self.reasons,
            "columns": self.columns,
            "synonyms": self.synonyms,
            "notes": self.notes,
        }


@dataclass
class ValidatedTable:
    name: str
    accepted: ir.Table
    quarantine: ir.Table
    accounting: TableAccounting


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_columns(raw: RawTable, spec: TableSpec, mapping: TableMapping) -> dict[str, str]:
    """Contract column -> source (a raw column name or an expression), or raise naming the fix."""
    available = raw.original_columns
    by_norm = {_normalise(c): c for c in available}
    resolved: dict[str, str] = {}
    unknown_targets = sorted(set(mapping.columns) - set(spec.column_names))
    if unknown_targets and not spec.extra_columns_allowed:
        raise InputError(
            f"mapping for {spec.name!r} names unknown column(s) {unknown_targets}; "
            f"the {spec.name} columns are {list(spec.column_names)}"
        )
    unmatched: dict[str, list[str]] = {}
    for target, candidates in mapping.columns.items():
        for candidate in candidates:
            if candidate in available or constant_value(candidate) is not None:
                resolved[target] = candidate
                break
            names = value_columns(candidate)
            if names and all(n in available for n in names):
                resolved[target] = candidate
                break
        else:
            if target not in mapping.optional:
                unmatched[target] = candidates
    if unmatched:
        raise InputError(_unmatched_message(raw, spec, unmatched))
    for col in spec.columns:
        if col.name in resolved:
            continue
        for key in (col.name, *col.aliases):
            if _normalise(key) in by_norm and by_norm[_normalise(key)] not in resolved.values():
                resolved[col.name] = by_norm[_normalise(key)]
                break
    missing = [c for c in spec.required_columns if c not in resolved]
    if missing:
        raise InputError(
            f"{raw.files[0]}: table {spec.name!r} has no column for {missing}; the file has "
            f"{available}. Map one with --map "
            f"{spec.name + '.' if spec.name != 'transactions' else ''}"
            f"{missing[0]}=<column> (or an expression such as 'Qty * Price'), or use a --preset"
        )
    return resolved


def constant_value(source: str) -> str | None:
    """The text of a constant source written in single quotes (``'meeting'``), else None:
    one value for every row, e.g. the activity type of an export of meetings."""
    if len(source) >= 2 and source[0] == source[-1] == "'" and "'" not in source[1:-1]:
        return source[1:-1]
    return None


def _unmatched_message(raw: RawTable, spec: TableSpec, unmatched: dict[str, list[str]]) -> str:
    """Which columns the mapping expects and the file lacks, what it has, and the fix."""
    prefix = "" if spec.name == "transactions" else f"{spec.name}."
    expected = "; ".join(f"{spec.name}.{t} from {' or '.join(c)}" for t, c in unmatched.items())
    fixes = " ".join(
        f'--map {prefix}{target}="{_closest(candidates, raw.original_columns)}"'
        for target, candidates in unmatched.items()
    )
    return (
        f"{raw.files[0]}: the mapping matches no column for "
        f"{', '.join(f'{spec.name}.{t}' for t in unmatched)} (renamed or translated columns?). "
        f"Expected: {expected}. Found: {raw.original_columns}. Say which column holds each: "
        f"{fixes}"
    )


def _closest(candidates: list[str], available: list[str]) -> str:
    """The file's column most like one of the expected names, else a placeholder."""
    import difflib

    by_lower = {c.lower(): c for c in available}
    for candidate in candidates:
        match = difflib.get_close_matches(candidate.lower(), list(by_lower), n=1, cutoff=0.75)
        if match:
            return by_lower[match[0]]
    return "<column>"


def validate_table(
    con: ibis.BaseBackend,
    raw: RawTable,
    spec: TableSpec,
    mapping: TableMapping,
    read: ReadOptions,
    *,
    known_customers: ir.Table | None,
    today: date,
    fx_rates: dict[str, float] | None = None,
    book_currency: str | None = None,
) -> ValidatedTable:
    """Parse, check and split one raw table into accepted rows and quarantined ones.

    Later stages scan the accepted rows again and again, so they are kept cheap to scan
    (see ``_keep_accepted``): the scan that counts rejections also learns which text
    columns need stripping (``TextShape``), the accepted rows leave that work out where
    no value needs it, and a table with no rejected row is not filtered at all.
    """
    where = raw.files[0] if len(raw.files) == 1 else f"{raw.files[0]} (+{len(raw.files) - 1} files)"
    n_rows = int(raw.expr.count().execute())
    if mapping.where:
        raw = _kept_by_filters(con, raw, mapping.where, read, where)
    n_filtered = n_rows - int(raw.expr.count().execute()) if mapping.where else 0
    resolved = resolve_columns(raw, spec, mapping)
    formats = _detect_formats(raw, spec, resolved, mapping, read, where)
    t = raw.expr
    engine = con.name  # the parse rules write regexes and casts for the engine
    check_known = (
        spec.references_customers
        and known_customers is not None
        and resolved.get("customer_id") in t.columns
    )
    if check_known:
        assert known_customers is not None
        known = known_customers.select(_known_id=known_customers.customer_id).distinct()
        customer = parse_id(t[resolved["customer_id"]], default_shape(engine), engine=engine)
        t = t.left_join(known, customer == known._known_id)

    currency = (
        _currency_plan(raw.expr, resolved["currency"], fx_rates or {}, book_currency, where)
        if spec.name == "transactions" and "currency" in resolved
        else _NO_CONVERSION
    )

    def checked_rows(shapes: dict[str, TextShape]) -> tuple[dict[str, ir.Value], ir.Table]:
        """Typed values and each row's first failed check, parsed for the given shapes."""
        values, checks = _parse_columns(t, spec, resolved, formats, read, shapes, engine)
        if currency.factors:  # an amount whose currency has no rate cannot be converted
            code = _currency_code(values["currency"])
            known = code.isin(list(currency.factors))
            checks.append((~known.fill_null(False), "unknown currency"))
        if spec.event_date and spec.event_date in values:
            cutoff = at_midnight(today + timedelta(days=1))
            checks.append((values[spec.event_date] >= cutoff, f"{spec.event_date} in the future"))
        if check_known:
            checks.append((t._known_id.isnull(), "unknown customer"))
        first_failure = (
            ibis.cases(*checks, else_=ibis.null("string")) if checks else ibis.null("string")
        )
        return values, t.mutate(_reason0=first_failure, **{f"__{k}": v for k, v in values.items()})

    # Row-local checks stay lazy. Checks that compare rows (exact duplicates, duplicate
    # keys) are resolved once, into a small materialised table of the rejected positions.
    originals = raw.original_columns
    duplicates = (
        _exact_duplicates(con, raw.expr, originals)
        if read.exact_duplicates
        else _no_exceptions(raw.expr)
    )
    exceptions = keep_table(con, f"exceptions_{spec.name}", duplicates)
    _, wary = checked_rows({})  # exact whatever the shapes: strips just the values that need it
    no_exceptions = _is_empty(exceptions)
    staged = _with_exceptions(wary, exceptions, no_exceptions)
    keys = [(f"__{spec.key}", spec.key)] if spec.key and f"__{spec.key}" in staged.columns else []
    if mapping.unique:
        if mapping.unique not in originals:
            raise InputError(
                f"{where}: the record id column {mapping.unique!r} (mapping 'unique') is not in "
                f"the file; it has {originals}"
            )
        keys.append(
            (
                mapping.unique,
                f"{mapping.unique}: the same record is in an earlier row, "
                "of this export or another",
            )
        )
    for index, (key, label) in enumerate(keys):
        key_dups = _key_duplicates(staged, key, label)
        # a new name for each version: on Spark a view cannot be replaced by one reading it
        exceptions = keep_table(
            con, f"exceptions_{spec.name}_{index + 1}", exceptions.union(key_dups)
        )
        no_exceptions = _is_empty(exceptions)
        staged = _with_exceptions(wary, exceptions, no_exceptions)

    # Free text is stripped only in scans that read it; ids and checked columns in every scan.
    # On Spark every value is stripped: learning which columns need it would cost more.
    shaped = _raw_sources(
        {c.name: resolved[c.name] for c in spec.columns if c.name in resolved and c.kind != "text"},
        raw.expr,
    )
    if not is_duckdb(con):
        shaped = []
    n_accepted, reasons, shapes = _count_reasons(staged, raw, shaped)
    n_quarantined = int(sum(reasons.values()))
    n_malformed = int(raw.malformed.count().execute()) if raw.malformed is not None else 0
    n_read = n_rows - n_filtered + n_malformed  # the rows the mapping keeps
    if n_accepted + n_quarantined != n_read:  # an internal guarantee, never expected to fire
        raise InputError(
            f"{where}: accounting does not balance ({n_accepted} accepted + {n_quarantined} "
            f"quarantined != {n_read} read); please report this"
        )

    if n_quarantined:
        values, fast = checked_rows(shapes)
    else:
        # nothing rejected: later scans need no check, nor the join with the known customers
        values, _ = _parse_columns(raw.expr, spec, resolved, formats, read, shapes, engine)
        fast = raw.expr.mutate(**{f"__{k}": v for k, v in values.items()})
    extras: list[str] = []
    if spec.extra_columns_allowed:
        used = set(resolved.values())
        extras = [c for c in originals if c not in used and _normalise(c) not in values]
    # with nothing rejected, the reason need not be evaluated on every later scan
    if n_quarantined:
        fast = _with_exceptions(fast, exceptions, no_exceptions)
        fast = fast.filter(fast.reason.isnull())
    accepted = fast.select(
        *[fast[f"__{k}"].name(k) for k in values],
        *[fast[c].name(_attribute_name(c)) for c in extras],
    )
    if spec.name == "transactions":
        accepted = _with_order_id(accepted)
        accepted = _in_book_currency(accepted, currency)
    accepted = _keep_accepted(con, f"tw_{spec.name}", accepted, lazy=raw.lazy)

    quarantine = staged.filter(staged.reason.notnull()).select(
        "_file", "_line", *originals, "reason"
    )
    quarantine = _with_malformed(raw, quarantine)
    accounting = TableAccounting(
        table=spec.name,
        files=raw.files,
        read=n_read,
        accepted=n_accepted,
        quarantined=n_quarantined,
        reasons=reasons,
        columns=resolved,
        notes=list(raw.notes),
        filtered_out=n_filtered,
        filters=list(mapping.where),
        synonyms=_synonyms(spec, mapping, resolved),
    )
    return ValidatedTable(spec.name, accepted, quarantine, accounting)


def _kept_by_filters(
    con: ibis.BaseBackend,
    raw: RawTable,
    filters: list[str],
    read: ReadOptions,
    where: str,
) -> RawTable:
    """The raw rows every filter of the mapping keeps (a malformed line is always kept,
    to be quarantined); a condition that is unknown (null) for a row leaves it out."""
    t = raw.expr
    engine = con.name
    keep: ir.BooleanValue = ibis.literal(True)
    for text in filters:
        try:
            condition = build_filter(
                parse_filter(text), t, lambda v: parse_number(v, read.decimal, engine=engine)
            )
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc
        keep = keep & condition.fill_null(False)
    if "_malformed" in t.columns:
        keep = keep | t._malformed.notnull()
    kept = t.filter(keep)
    if not raw.lazy:
        kept = keep_table(con, f"kept_{raw.name}", kept)
    return replace(raw, expr=kept)


def _synonyms(spec: TableSpec, mapping: TableMapping, resolved: dict[str, str]) -> dict[str, str]:
    """Contract columns found under another name (``revenue`` taken as ``amount``), not mapped."""
    return {
        target: source
        for target, source in resolved.items()
        if target not in mapping.columns
        and target in spec.column_names
        and _normalise(source) != _normalise(target)
    }


def _keep_accepted(con: ibis.BaseBackend, name: str, accepted: ir.Table, lazy: bool) -> ir.Table:
    """The accepted rows under ``name``: a view over Parquet, else a typed table.

    Rows loaded from text are parsed (dates, numbers, ids) once here rather than in every
    later scan; Parquet columns are typed already, and a view avoids copying a big book.
    On Spark the table is a cached temporary view (``store.keep_table``).
    """
    drop_relation(con, name)  # an earlier read may have left either kind
    if lazy:
        return con.create_view(name, accepted)
    return keep_table(con, name, accepted)


def _raw_sources(resolved: dict[str, str], raw: ir.Table) -> list[str]:
    """The raw columns the resolved contract columns read, including those in expressions."""
    names: list[str] = []
    for source in resolved.values():
        if source not in raw.columns and constant_value(source) is not None:
            continue
        for name in [source] if source in raw.columns else value_columns(source) or []:
            if name not in names:
                names.append(name)
    return names


def _detect_formats(
    raw: RawTable,
    spec: TableSpec,
    resolved: dict[str, str],
    mapping: TableMapping,
    read: ReadOptions,
    where: str,
) -> dict[str, DateFormat]:
    """How each date column is written; stop on ambiguous dates or decimal commas."""
    formats: dict[str, DateFormat] = {}
    for col in spec.columns:
        source = resolved.get(col.name)
        if source is None or (
            constant_value(source) is not None and source not in raw.expr.columns
        ):
            continue
        if source not in raw.expr.columns:  # a derived column: an expression over numbers
            for name in value_columns(source) or []:
                check_decimal_convention(raw.expr, name, read.decimal, f"{where}, column {name!r}")
        elif col.kind == "number":
            check_decimal_convention(raw.expr, source, read.decimal, f"{where}, column {source!r}")
        elif col.kind == "date":
            fmt_text = mapping.date_format.get(col.name)
            formats[col.name] = (
                DateFormat("strftime", fmt_text)
                if fmt_text
                else detect_date_format(raw.expr, source, f"{where}, column {source!r}")
            )
    return formats


def _parse_columns(
    t: ir.Table,
    spec: TableSpec,
    resolved: dict[str, str],
    formats: dict[str, DateFormat],
    read: ReadOptions,
    shapes: dict[str, TextShape],
    engine: str = "duckdb",
) -> tuple[dict[str, ir.Value], list[tuple[ir.BooleanValue, str]]]:
    """Each contract column's typed value, and the row checks in reason priority order,
    written for ``engine`` (the connection's name; see ``parse_date``)."""
    unknown = default_shape(engine)
    values: dict[str, ir.Value] = {}
    checks: list[tuple[ir.BooleanValue, str]] = []
    if "_malformed" in t.columns:
        checks.append((t._malformed.notnull(), "malformed line: wrong number of fields"))
    kind_word = {"date": "unparseable", "number": "non-numeric", "bool": "not a yes/no value"}
    for col in spec.columns:
        if col.name not in resolved:
            continue
        source = resolved[col.name]
        bad: ir.BooleanValue | None
        constant = constant_value(source)
        if constant is not None and source not in t.columns:
            value, missing, bad = _parse_column(
                ibis.literal(constant),
                col.kind,
                formats.get(col.name),
                read.decimal,
                unknown,
                engine,
            )
        elif source in t.columns:
            shape = shapes.get(source, unknown)
            value, missing, bad = _parse_column(
                t[source], col.kind, formats.get(col.name), read.decimal, shape, engine
            )
        else:  # a derived column: an expression over number columns
            parsed = {}
            missing = ibis.literal(False)
            bad = None
            for name in value_columns(source) or []:
                shape = shapes.get(name, unknown)
                parsed[name] = parse_number(t[name], read.decimal, shape, engine=engine)
                name_missing = blank(t[name], shape)
                missing = missing | name_missing
                checks.append((~name_missing & parsed[name].isnull(), f"non-numeric {name}"))
            value = build_value(source, parsed)
        values[col.name] = value
        if col.required:
            checks.append((missing, f"missing {col.name}"))
        if col.kind in kind_word and bad is not None:
            checks.append((bad, f"{kind_word[col.kind]} {col.name}"))
    return values, checks


def _parse_column(
    raw_value: ir.Value,
    kind: str,
    fmt: DateFormat | None,
    decimal: str,
    shape: TextShape,
    engine: str = "duckdb",
) -> tuple[ir.Value, ir.BooleanValue, ir.BooleanValue | None]:
    """A column's typed value, its "missing" test and its "unreadable" test (None: cannot be)."""
    missing = blank(raw_value, shape)
    if kind == "id":
        return parse_id(raw_value, shape, engine=engine), missing, None
    if kind == "text":
        return parse_text(raw_value, shape), missing, None
    if kind == "date":
        assert fmt is not None
        value = parse_date(raw_value, fmt, shape, engine=engine)
        native = raw_value.type().is_timestamp() or raw_value.type().is_date()
    elif kind == "number":
        value = parse_number(raw_value, decimal, shape, engine=engine)
        native = raw_value.type().is_numeric()
    else:
        value = parse_bool(raw_value, shape)
        native = raw_value.type().is_boolean()
    # a typed source column (Parquet) holds only readable values
    return value, missing, None if native else ~missing & value.isnull()


def _count_reasons(
    staged: ir.Table, raw: RawTable, shaped: list[str]
) -> tuple[int, dict[str, int], dict[str, TextShape]]:
    """Accepted rows, quarantined rows per reason (most frequent first) and the shapes of
    the ``shaped`` text columns, all in one scan."""
    by_reason = staged.group_by("reason").aggregate(
        n=staged.count(), **shape_aggregates(staged, shaped)
    )
    rows = by_reason.to_pyarrow().to_pylist()
    shapes = shapes_from(rows, shaped)
    n_accepted = sum(int(r["n"]) for r in rows if r["reason"] is None)
    counts = {str(r["reason"]): int(r["n"]) for r in rows if r["reason"] is not None}
    if raw.malformed is not None:
        bad_lines = raw.malformed.select(
            reason=ibis.literal("malformed line: ").concat(raw.malformed.error)
        )
        for row in (
            bad_lines.group_by("reason").aggregate(n=bad_lines.count()).to_pyarrow().to_pylist()
        ):
            counts[row["reason"]] = counts.get(row["reason"], 0) + int(row["n"])
    return n_accepted, dict(sorted(counts.items(), key=lambda x: -x[1])), shapes


_EXACT = "exact duplicate of an earlier line"


def _no_exceptions(raw: ir.Table) -> ir.Table:
    schema = {"_file": raw._file.type(), "_line": raw._line.type(), "_exception": "string"}
    return ibis.memtable(pd.DataFrame(columns=list(schema)), schema=schema)


def _exact_duplicates(con: ibis.BaseBackend, raw: ir.Table, originals: list[str]) -> ir.Table:
    """Positions of lines that repeat an earlier line exactly (the first one is kept).

    A 64-bit hash of each line finds the candidate groups in one aggregation; a book
    without repeats stops there. Only candidate lines are then compared column by column,
    so no false match survives.
    """
    hashed = raw.mutate(_h=ibis.struct({c: raw[c] for c in originals}).hash())
    counted = hashed.group_by("_h").aggregate(_n=hashed.count())
    repeated = keep_table(con, "_repeated_lines", counted.filter(counted._n > 1).select("_h"))
    if repeated.count().execute() == 0:
        return _no_exceptions(raw)
    candidates = hashed.semi_join(repeated, "_h")
    rank = ibis.row_number().over(
        group_by=[candidates[c] for c in originals], order_by=[candidates._file, candidates._line]
    )
    ranked = candidates.mutate(_rank=rank)
    return ranked.filter(ranked._rank > 0).select("_file", "_line", _exception=ibis.literal(_EXACT))


def _key_duplicates(staged: ir.Table, key: str, label: str) -> ir.Table:
    """Positions of otherwise valid rows whose key repeats an earlier valid row's."""
    good = staged.filter(staged.reason.isnull() & staged[key].notnull())
    rank = ibis.row_number().over(group_by=good[key], order_by=[good._file, good._line])
    ranked = good.mutate(_rank=rank)
    return ranked.filter(ranked._rank > 0).select(
        "_file", "_line", _exception=ibis.literal(f"duplicate {label}")
    )


def _with_exceptions(staged: ir.Table, exceptions: ir.Table, none: bool) -> ir.Table:
    """Each row's reason: its first failed check, else the cross-row rejection it got.

    A clean book has no exceptions (``none``); then the join, which every later scan of
    the view would pay for, is left out.
    """
    if none:
        return staged.rename(reason="_reason0")
    exc = exceptions.rename(_exc_file="_file", _exc_line="_line")
    joined = staged.left_join(exc, [staged._file == exc._exc_file, staged._line == exc._exc_line])
    joined = joined.mutate(reason=joined._reason0.fill_null(joined._exception))
    return joined.drop("_exc_file", "_exc_line", "_exception", "_reason0")


def _is_empty(table: ir.Table) -> bool:
    return int(table.count().execute()) == 0


def _attribute_name(column: str) -> str:
    name = re.sub(r"[^0-9a-zA-Z]+", "_", column.strip()).strip("_").lower()
    return name or "attribute"


def _with_order_id(t: ir.Table) -> ir.Table:
    """Without order ids, each customer's purchases of one day form one order (CONTRACT §1)."""
    if "order_id" in t.columns:
        return t.mutate(
            order_id=t.order_id.fill_null(t.customer_id.concat("|", t.date.date().cast("string")))
        )
    return t.mutate(order_id=t.customer_id.concat("|", t.date.date().cast("string")))


@dataclass(frozen=True)
class _CurrencyPlan:
    """How amounts reach the book currency: ``factors`` maps each code to its rate (the
    book currency to 1); empty when the book needs no conversion."""

    base: str | None = None
    factors: dict[str, float] = field(default_factory=dict)


_NO_CONVERSION = _CurrencyPlan()


def _currency_code(value: ir.Value) -> ir.StringValue:
    """A currency code as compared with the policy's rates: trimmed and upper-case."""
    return parse_text(value).upper()


def _currency_plan(
    raw: ir.Table, source: str, rates: dict[str, float], book_currency: str | None, where: str
) -> _CurrencyPlan:
    """Which codes the book holds and the rate of each, or stop if a code has no rate.

    A book of one currency (and no rates, or a book currency equal to its code) is not
    converted. Otherwise each code needs a rate; a row with a blank code then goes to
    the quarantine as ``unknown currency``, never accepted without its amount.
    """
    found = raw.select(code=_currency_code(raw[source])).distinct().execute()["code"]
    codes = sorted(str(c) for c in found if isinstance(c, str))
    factors = {str(code).strip().upper(): float(rate) for code, rate in rates.items()}
    base = book_currency.strip().upper() if book_currency else None
    if not factors and len(codes) <= 1 and (base is None or codes in ([], [base])):
        return _CurrencyPlan(base or (codes[0] if codes else None))
    base = base or (codes[0] if len(codes) == 1 else None)
    needed = [c for c in codes if c != base and c not in factors]
    if base is None or needed:
        raise InputError(
            f"{where}: column 'currency' holds {codes}; mixed currencies need rates. Set "
            "analysis.currency (the book currency) and analysis.fx_rates in the policy, e.g. "
            f"fx_rates: {{{', '.join(f'{c}: 1.0' for c in (needed or codes))}}}"
        )
    return _CurrencyPlan(base, {**factors, base: 1.0})


def _in_book_currency(t: ir.Table, plan: _CurrencyPlan) -> ir.Table:
    """Convert every money column to the book currency (rows without a rate were rejected)."""
    if not plan.factors:
        return t
    factor = _currency_code(t.currency).substitute(plan.factors, else_=ibis.null("float64"))
    money = {c: t[c] * factor for c in ("amount", "cost", "list_amount") if c in t.columns}
    return t.mutate(**money, currency=ibis.literal(plan.base))


def _with_malformed(raw: RawTable, quarantine: ir.Table) -> ir.Table:
    if raw.malformed is None:
        return quarantine
    m = raw.malformed
    filler = {c: ibis.null("string") for c in raw.original_columns}
    if raw.original_columns:  # the whole line goes into the first column, to keep it
        filler[raw.original_columns[0]] = m.raw_line
    extra = m.select(
        "_file", "_line", **filler, reason=ibis.literal("malformed line: ").concat(m.error)
    ).cast(quarantine.schema())
    return quarantine.union(extra)
