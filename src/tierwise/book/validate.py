"""Validation: every raw row ends accepted (typed, contract names) or quarantined with a reason.

All checks are Ibis expressions evaluated in the engine. The first failing check, in a
fixed priority order, names the row's reason, so counts are stable and explainable.
``accepted + quarantined = read`` is checked for every table before anything else runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.book.contract import TableSpec
from tierwise.book.mapping import ReadOptions, TableMapping, build_expression, expression_columns
from tierwise.book.parse import (
    DateFormat,
    blank,
    check_decimal_convention,
    detect_date_format,
    parse_bool,
    parse_date,
    parse_id,
    parse_number,
)
from tierwise.book.readers import RawTable
from tierwise.errors import InputError


@dataclass
class TableAccounting:
    """What happened to the rows of one table; ``read == accepted + quarantined`` always."""

    table: str
    files: list[str]
    read: int
    accepted: int
    quarantined: int
    reasons: dict[str, int]
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> source
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "read": self.read,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "reasons": self.reasons,
            "columns": self.columns,
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
    for target, candidates in mapping.columns.items():
        for candidate in candidates:
            if candidate in available:
                resolved[target] = candidate
                break
            names = expression_columns(candidate)
            if names and all(n in available for n in names):
                resolved[target] = candidate
                break
        else:
            raise InputError(
                f"{raw.files[0]}: the mapping for {spec.name}.{target} ({candidates}) matches no "
                f"column; the file has {available}"
            )
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
    """Parse, check and split one raw table; materialise the accepted rows in ``con``."""
    resolved = resolve_columns(raw, spec, mapping)
    t = raw.expr
    check_known = (
        spec.references_customers
        and known_customers is not None
        and resolved.get("customer_id") in t.columns
    )
    if check_known:
        assert known_customers is not None
        known = known_customers.select(_known_id=known_customers.customer_id).distinct()
        t = t.left_join(known, parse_id(t[resolved["customer_id"]]) == known._known_id)
    where = raw.files[0] if len(raw.files) == 1 else f"{raw.files[0]} (+{len(raw.files) - 1} files)"

    values: dict[str, ir.Value] = {}
    checks: list[tuple[ir.BooleanValue, str]] = []
    if "_malformed" in t.columns:
        checks.append((t._malformed.notnull(), "malformed line: wrong number of fields"))

    for col in spec.columns:
        if col.name not in resolved:
            continue
        source = resolved[col.name]
        label = f"{where}, column {source!r}"
        if source in t.columns:
            raw_value = t[source]
            missing = blank(raw_value)
            if col.kind == "id":
                value = parse_id(raw_value)
                bad = ibis.literal(False)
            elif col.kind == "text":
                value = raw_value.cast("string").strip().nullif("")
                bad = ibis.literal(False)
            elif col.kind == "date":
                fmt_text = mapping.date_format.get(col.name)
                fmt = (
                    DateFormat("strftime", fmt_text)
                    if fmt_text
                    else detect_date_format(raw.expr, source, label)
                )
                value = parse_date(raw_value, fmt)
                bad = ~missing & value.isnull()
            elif col.kind == "number":
                check_decimal_convention(raw.expr, source, read.decimal, label)
                value = parse_number(raw_value, read.decimal)
                bad = ~missing & value.isnull()
            else:
                value = parse_bool(raw_value)
                bad = ~missing & value.isnull()
        else:  # a derived column: an expression over number columns
            names = expression_columns(source) or []
            parsed = {}
            missing = ibis.literal(False)
            bad = ibis.literal(False)
            for name in names:
                check_decimal_convention(raw.expr, name, read.decimal, f"{where}, column {name!r}")
                parsed[name] = parse_number(t[name], read.decimal)
                name_missing = blank(t[name])
                missing = missing | name_missing
                checks.append((~name_missing & parsed[name].isnull(), f"non-numeric {name}"))
            value = build_expression(source, parsed)
        values[col.name] = value
        if col.required:
            checks.append((missing, f"missing {col.name}"))
        kind_word = {"date": "unparseable", "number": "non-numeric", "bool": "not a yes/no value"}
        if col.kind in kind_word:
            checks.append((bad, f"{kind_word[col.kind]} {col.name}"))

    if spec.event_date and spec.event_date in values:
        cutoff = ibis.literal(today + timedelta(days=1)).cast("timestamp")
        checks.append((values[spec.event_date] >= cutoff, f"{spec.event_date} in the future"))
    if check_known:
        checks.append((t._known_id.isnull(), "unknown customer"))

    first_failure = (
        ibis.cases(*checks, else_=ibis.null("string")) if checks else ibis.null("string")
    )
    originals = raw.original_columns
    # Row-local checks stay lazy: they are cheap to re-evaluate on each scan. Checks that
    # compare rows (exact duplicates, duplicate keys) are resolved once, into a small
    # materialised table of the rejected positions.
    duplicates = (
        _exact_duplicates(raw.expr, originals)
        if read.exact_duplicates
        else raw.expr.limit(0).select("_file", "_line", _exception=ibis.literal(_EXACT))
    )
    exceptions = con.create_table(f"exceptions_{spec.name}", duplicates, overwrite=True)
    checked = t.mutate(_reason0=first_failure, **{f"__{k}": v for k, v in values.items()})
    staged = _with_exceptions(checked, exceptions)
    if spec.key and f"__{spec.key}" in staged.columns:
        key_dups = _key_duplicates(staged, f"__{spec.key}", spec.key)
        exceptions = con.create_table(
            f"exceptions_{spec.name}", exceptions.union(key_dups), overwrite=True
        )
        staged = _with_exceptions(checked, exceptions)

    extras: list[str] = []
    if spec.extra_columns_allowed:
        used = set(resolved.values())
        extras = [c for c in originals if c not in used and _normalise(c) not in values]
    good = staged.filter(staged.reason.isnull())
    accepted = good.select(
        *[good[f"__{k}"].name(k) for k in values],
        *[good[c].name(_attribute_name(c)) for c in extras],
    )
    if spec.name == "transactions":
        accepted = _with_order_id(accepted)
        accepted = _in_book_currency(accepted, fx_rates or {}, book_currency, where)
    accepted = con.create_view(f"tw_{spec.name}", accepted, overwrite=True)

    quarantine = staged.filter(staged.reason.notnull()).select(
        "_file", "_line", *originals, "reason"
    )
    quarantine = _with_malformed(con, raw, quarantine)
    counts = staged.group_by("reason").aggregate(n=staged.count()).execute()
    n_accepted = int(counts.loc[counts["reason"].isna(), "n"].sum())
    counts = counts[counts["reason"].notna()]
    if raw.malformed is not None:
        bad_lines = raw.malformed.select(
            reason=ibis.literal("malformed line: ").concat(raw.malformed.error)
        )
        counts = pd.concat(
            [counts, bad_lines.group_by("reason").aggregate(n=bad_lines.count()).execute()]
        )
    reasons = {
        str(r): int(n)
        for r, n in sorted(zip(counts["reason"], counts["n"], strict=True), key=lambda x: -x[1])
    }
    n_quarantined = int(sum(reasons.values()))
    n_read = int(raw.expr.count().execute()) + (
        int(raw.malformed.count().execute()) if raw.malformed is not None else 0
    )
    if n_accepted + n_quarantined != n_read:  # an internal guarantee, never expected to fire
        raise InputError(
            f"{where}: accounting does not balance ({n_accepted} accepted + {n_quarantined} "
            f"quarantined != {n_read} read); please report this"
        )
    accounting = TableAccounting(
        table=spec.name,
        files=raw.files,
        read=n_read,
        accepted=n_accepted,
        quarantined=n_quarantined,
        reasons=reasons,
        columns=resolved,
        notes=list(raw.notes),
    )
    return ValidatedTable(spec.name, accepted, quarantine, accounting)


_EXACT = "exact duplicate of an earlier line"


def _exact_duplicates(raw: ir.Table, originals: list[str]) -> ir.Table:
    """Positions of lines that repeat an earlier line exactly (the first one is kept).

    A 64-bit hash of each line finds the few candidate groups in one cheap aggregation;
    only those lines are then compared column by column, so no false match survives.
    """
    row_hash = ibis.struct({c: raw[c] for c in originals}).hash()
    hashed = raw.select("_file", "_line", *originals, _h=row_hash)
    repeated = hashed.group_by("_h").aggregate(_n=hashed.count())
    candidates = hashed.semi_join(repeated.filter(repeated._n > 1), "_h")
    rank = ibis.row_number().over(
        group_by=[candidates[c] for c in originals], order_by=[candidates._file, candidates._line]
    )
    ranked = candidates.mutate(_rank=rank)
    return ranked.filter(ranked._rank > 0).select("_file", "_line", _exception=ibis.literal(_EXACT))


def _key_duplicates(staged: ir.Table, key: str, label: str) -> ir.Table:
    """Positions of otherwise valid rows whose key repeats an earlier valid row's."""
    good = staged.filter(staged.reason.isnull())
    rank = ibis.row_number().over(group_by=good[key], order_by=[good._file, good._line])
    ranked = good.mutate(_rank=rank)
    return ranked.filter(ranked._rank > 0).select(
        "_file", "_line", _exception=ibis.literal(f"duplicate {label}")
    )


def _with_exceptions(staged: ir.Table, exceptions: ir.Table) -> ir.Table:
    """Each row's reason: its first failed check, else the cross-row rejection it got.

    A clean book has no exceptions; then the join, which every later scan of the view
    would pay for, is left out.
    """
    if exceptions.count().execute() == 0:
        return staged.rename(reason="_reason0")
    exc = exceptions.rename(_exc_file="_file", _exc_line="_line")
    joined = staged.left_join(exc, [staged._file == exc._exc_file, staged._line == exc._exc_line])
    joined = joined.mutate(reason=joined._reason0.fill_null(joined._exception))
    return joined.drop("_exc_file", "_exc_line", "_exception", "_reason0")


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


def _in_book_currency(
    t: ir.Table, rates: dict[str, float], book_currency: str | None, where: str
) -> ir.Table:
    """Convert every money column to the book currency, or stop if rates are missing."""
    if "currency" not in t.columns:
        return t
    found = t.select(code=t.currency.upper()).distinct().execute()["code"]
    codes = sorted(str(c) for c in found if isinstance(c, str))
    if len(codes) <= 1 and not rates:
        return t
    base = book_currency or (codes[0] if len(codes) == 1 else None)
    needed = [c for c in codes if c != base and c not in rates]
    if base is None or needed:
        raise InputError(
            f"{where}: column 'currency' holds {codes}; mixed currencies need rates. Set "
            "analysis.currency (the book currency) and analysis.fx_rates in the policy, e.g. "
            f"fx_rates: {{{', '.join(f'{c}: 1.0' for c in (needed or codes))}}}"
        )
    table = {**{c: float(r) for c, r in rates.items()}, base: 1.0}
    factor = t.currency.upper().substitute(table, else_=ibis.null("float64")).cast("float64")
    money = {c: t[c] * factor for c in ("amount", "cost", "list_amount") if c in t.columns}
    return t.mutate(**money, currency=ibis.literal(base))


def _with_malformed(con: ibis.BaseBackend, raw: RawTable, quarantine: ir.Table) -> ir.Table:
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
