"""Tables made of several exports: each part read, filtered and checked, then stacked.

A CRM exports tasks, events and cases as separate files, each with its own columns,
that together are the book's activities; or line items and opportunities, either of
which gives the transactions. A table mapping's ``parts`` say which files make each
part and how its columns map. Every part is validated on its own (its rows keep their
file and line, its quarantine its original columns) and the accepted rows are stacked.
CRM tools change the letter case of field names (Data Loader writes ``ACCOUNTID`` for
``AccountId``), so a part's column names are matched whatever their case.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.book.contract import TableSpec
from tierwise.book.expressions import parse_filter, value_columns
from tierwise.book.mapping import TableMapping
from tierwise.book.readers import RawTable, _union_by_name, is_data_file, strip_suffix
from tierwise.book.store import keep_table, keep_view
from tierwise.book.validate import TableAccounting, ValidatedTable, constant_value, validate_table


def part_mappings(table: TableMapping) -> list[TableMapping]:
    """Each part's own mapping with the table's settings (the user's flags) laid on top."""
    return [
        part.model_copy(
            update={
                "columns": {**part.columns, **table.columns},
                "date_format": {**part.date_format, **table.date_format},
                "where": [*part.where, *(w for w in table.where if w not in part.where)],
                "optional": [*part.optional, *table.optional],
                "unique": table.unique or part.unique,
            }
        )
        for part in table.parts
    ]


def part_files(book: Path, part: TableMapping) -> list[Path]:
    """The files of one part: its ``path`` (a name in the book folder, suffix optional) or
    the files its ``file`` patterns match, in any letter case. None found: an empty list."""
    folder = book if book.is_dir() else book.parent
    entries = sorted(p for p in folder.iterdir() if p.is_file() and is_data_file(p))
    if part.path:
        wanted = part.path.lower()
        exact = [p for p in entries if p.name.lower() == wanted]
        return exact or [p for p in entries if strip_suffix(p.name).lower() == wanted]
    patterns = [p.lower() for p in part.file]
    return [p for p in entries if any(fnmatch.fnmatchcase(p.name.lower(), pat) for pat in patterns)]


def with_header_case(con: ibis.BaseBackend, raw: RawTable, mapping: TableMapping) -> RawTable:
    """``raw`` with each column the mapping names but the file spells in another letter case
    renamed to the mapping's spelling (``ACCOUNTID`` -> ``AccountId``)."""
    wanted: list[str] = []
    for candidates in mapping.columns.values():
        for candidate in candidates:
            if constant_value(candidate) is None:
                wanted += value_columns(candidate) or [candidate]
    for text in mapping.where:
        wanted += list(parse_filter(text).columns)
    if mapping.unique:
        wanted.append(mapping.unique)
    present = set(raw.original_columns)
    by_lower = {c.lower(): c for c in raw.original_columns}
    renames = {
        name: by_lower[name.lower()]
        for name in dict.fromkeys(wanted)
        if name not in present and name.lower() in by_lower
    }
    if not renames:
        return raw
    expr = keep_view(con, f"{raw.name}_cased", raw.expr.rename(renames))
    back = {old: new for new, old in renames.items()}
    return replace(raw, expr=expr, original_columns=[back.get(c, c) for c in raw.original_columns])


def part_fits(raw: RawTable, mapping: TableMapping) -> bool:
    """Whether ``raw`` has what its part reads: the filters' and the record id's columns,
    and a source for every contract column the part maps but does not mark optional."""
    present = set(raw.original_columns)
    needed = [c for text in mapping.where for c in parse_filter(text).columns]
    if mapping.unique:
        needed.append(mapping.unique)
    if not set(needed) <= present:
        return False
    for target, candidates in mapping.columns.items():
        if target in mapping.optional:
            continue
        if not any(
            constant_value(c) is not None or c in present or set(value_columns(c) or [c]) <= present
            for c in candidates
        ):
            return False
    return True


def validate_parts(
    con: ibis.BaseBackend,
    name: str,
    sources: list[tuple[RawTable, TableMapping]],
    spec: TableSpec,
    **options: Any,
) -> ValidatedTable:
    """Validate each part and stack them: accepted rows, quarantine and accounting."""
    if len(sources) == 1:
        raw, mapping = sources[0]
        return validate_table(con, raw, spec, mapping, **options)
    accepted: list[ir.Table] = []
    quarantined: list[ir.Table] = []
    counts: list[TableAccounting] = []
    for index, (raw, mapping) in enumerate(sources):
        done = validate_table(con, raw, spec, mapping, **options)
        # later parts reuse the engine's table names, so each part's rows are kept apart
        accepted.append(keep_table(con, f"tw_{name}_part{index}", done.accepted))
        quarantine = done.quarantine
        quarantine = quarantine.cast(
            {c: "string" for c in quarantine.columns if c not in ("_file", "_line")}
        )
        quarantined.append(keep_table(con, f"quarantine_{name}_part{index}", quarantine))
        counts.append(done.accounting)
    rows = keep_table(con, f"tw_{name}", _union_by_name(accepted))
    rejected = _union_by_name(quarantined)
    rejected = rejected.select(*[c for c in rejected.columns if c != "reason"], "reason")
    return ValidatedTable(name, rows, rejected, _stacked_accounting(name, counts))


def _stacked_accounting(name: str, parts: list[TableAccounting]) -> TableAccounting:
    reasons: dict[str, int] = {}
    columns: dict[str, str] = {}
    synonyms: dict[str, str] = {}
    for part in parts:
        for reason, n in part.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        for target, source in part.columns.items():
            seen = columns.get(target)
            columns[target] = source if seen in (None, source) else f"{seen} | {source}"
        synonyms.update(part.synonyms)
    return TableAccounting(
        table=name,
        files=[f for part in parts for f in part.files],
        read=sum(p.read for p in parts),
        accepted=sum(p.accepted for p in parts),
        quarantined=sum(p.quarantined for p in parts),
        reasons=dict(sorted(reasons.items(), key=lambda x: -x[1])),
        columns=columns,
        notes=[n for part in parts for n in part.notes],
        filtered_out=sum(p.filtered_out for p in parts),
        filters=[f for part in parts for f in part.filters],
        synonyms=synonyms,
    )


_SAFE = re.compile(r"[^0-9A-Za-z_]+")


def part_table_name(name: str, index: int) -> str:
    """The engine name of one part's raw rows (``activities_p1``)."""
    return _SAFE.sub("_", f"{name}_p{index}")
