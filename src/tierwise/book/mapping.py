"""How a user's files map onto the contract: read options, column sources, derived columns.

Real files never carry our column names. A mapping says, per table and contract column,
where the value comes from: a source column, or an arithmetic expression over source
columns (``amount: "Quantity * UnitPrice"``). Several candidates may be listed; the
first whose columns exist in the file wins, so one preset can cover file variants.
The same model serves presets, the policy's ``book:`` section and ``--map`` flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from os import PathLike, fspath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tierwise.book.contract import TABLES
from tierwise.book.expressions import parse_filter
from tierwise.errors import InputError

OwnerRule = Literal["most_recent", "most_revenue"]


class ReadOptions(BaseModel):
    """How to read the files of a book (CSV dialect, encoding, number format)."""

    model_config = ConfigDict(extra="forbid")

    delimiter: str | None = Field(
        None,
        description=(
            'Field separator; empty: detected. "whitespace" splits on runs of spaces or tabs.'
        ),
    )
    header: bool | None = Field(
        None, description="Whether the first line holds column names; empty: detected."
    )
    names_by_width: dict[int, list[str]] = Field(
        default_factory=dict,
        description="Column names to use by number of fields, for files without a usable header.",
    )
    encoding: str | None = Field(
        None, description="Text encoding, e.g. cp1252; empty: UTF-8, else Windows-1252 (latin-1)."
    )
    decimal: Literal[".", ","] = Field(
        ".", description='Decimal separator of numbers in text files ("," for 1.234,56).'
    )
    exact_duplicates: bool = Field(
        True,
        description=(
            "Quarantine lines that repeat an earlier line exactly. It costs a hash of every line "
            "(about half the time to read, check and sum up 100M lines); turn it off only for "
            "books known to be free of duplicates."
        ),
    )


class TableMapping(BaseModel):
    """Where each contract column of one table comes from."""

    model_config = ConfigDict(extra="forbid")

    file: list[str] = Field(
        default_factory=list,
        description="File name patterns for this table (glob); empty: a file named like the table.",
    )
    columns: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "Contract column -> candidate sources (column names or expressions like 'Qty * Price')."
        ),
    )
    date_format: dict[str, str] = Field(
        default_factory=dict,
        description="Contract date column -> strftime format, e.g. {date: '%d/%m/%Y'}.",
    )
    path: str | None = Field(
        None,
        description=(
            "The file (or folder of part files) holding this table, by name in the book folder "
            "or as a path, e.g. accounts.csv; the file keeps its name. Empty: found by name."
        ),
    )
    where: list[str] = Field(
        default_factory=list,
        description=(
            "Keep only the rows for which each condition holds, e.g. \"deal_stage = 'Won'\"; "
            "the file's column names, compared as read. Rows left out are counted as filtered "
            "out by the mapping."
        ),
    )

    optional: list[str] = Field(
        default_factory=list,
        description=(
            "Contract columns whose mapping may match no column of the file (a preset's "
            "optional fields, absent from some exports); they are then left out."
        ),
    )
    unique: str | None = Field(
        None,
        description=(
            "A column of the file that identifies a record (e.g. a CRM's Id): a row whose "
            "value repeats an earlier row's, in the same export or another, is quarantined."
        ),
    )
    parts: list[TableMapping] = Field(
        default_factory=list,
        description=(
            "Several exports that together make this table (e.g. tasks, events and cases "
            "as activities), each with its own file, columns and filters; their rows are "
            "stacked. A part whose files are absent is skipped."
        ),
    )
    use: Literal["all", "first"] = Field(
        "all",
        description=(
            "With parts: stack every part found (all), or take only the first part whose "
            "files the book has (first), for exports that are alternatives."
        ),
    )

    @field_validator("parts")
    @classmethod
    def _parts_are_flat(cls, parts: list[TableMapping]) -> list[TableMapping]:
        if any(part.parts for part in parts):
            raise ValueError("a part cannot have parts of its own")
        return parts

    @field_validator("where", mode="before")
    @classmethod
    def _one_filter_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("where")
    @classmethod
    def _filters_parse(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_filter(text)
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _one_source_is_a_list(cls, value: object) -> object:
        if isinstance(value, Mapping):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


class BookMapping(BaseModel):
    """Read options and column mappings for a whole book."""

    model_config = ConfigDict(extra="forbid")

    read: ReadOptions = Field(default_factory=ReadOptions)
    tables: dict[str, TableMapping] = Field(
        default_factory=dict, description="Per-table mappings, keyed by contract table name."
    )
    owner_rule: OwnerRule = Field(
        "most_recent",
        description=(
            "Where transactions carry an owner (the rep on each deal) and the customers table "
            "has none: each customer's owner is the one on its most recent transaction "
            "(most_recent) or the one with the most revenue from it (most_revenue)."
        ),
    )

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, tables: dict[str, TableMapping]) -> dict[str, TableMapping]:
        unknown = sorted(set(tables) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown table(s) {unknown}; the book's tables are {sorted(TABLES)}")
        return tables

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())

    def merged(self, other: BookMapping) -> BookMapping:
        """This mapping with ``other``'s explicit settings laid on top."""
        read = self.read.model_copy(update=other.read.model_dump(exclude_unset=True))
        tables = {k: v.model_copy(deep=True) for k, v in self.tables.items()}
        for name, mapping in other.tables.items():
            base = tables.get(name, TableMapping())
            tables[name] = TableMapping(
                file=mapping.file or base.file,
                columns={**base.columns, **mapping.columns},
                date_format={**base.date_format, **mapping.date_format},
                path=mapping.path or base.path,
                where=[*base.where, *(w for w in mapping.where if w not in base.where)],
                optional=[*base.optional, *(c for c in mapping.optional if c not in base.optional)],
                unique=mapping.unique or base.unique,
                parts=mapping.parts or base.parts,
                use=mapping.use if mapping.parts else base.use,  # it goes with the parts
            )
        result = BookMapping(read=read, tables=tables)
        for source in (self, other):  # set only where one of them set it, so it merges on
            if "owner_rule" in source.model_fields_set:
                result.owner_rule = source.owner_rule
        return result


_FLAG = re.compile(r"^(?:(?P<table>[a-z_]+)\.)?(?P<column>[a-z_]+)=(?P<source>.+)$", re.S)


_WHERE = re.compile(r"^\s*(?P<table>[a-z_]+)\s*:(?!:)\s*(?P<condition>.+)$", re.S)
_TABLE = re.compile(r"^\s*(?P<table>[a-z_]+)\s*=\s*(?P<path>.+)$", re.S)


def mapping_from_flags(
    maps: Iterable[str] = (),
    date_formats: Iterable[str] = (),
    wheres: Iterable[str] = (),
    tables_at: Iterable[str] = (),
) -> BookMapping:
    """Build a mapping from ``--map [table.]column=source``, ``--date-format``,
    ``--where [table:]condition`` and ``--table table=file`` flags.

    A bare ``--date-format FMT`` applies to every date column of every table; a
    ``--where`` without a table filters the transactions.
    """
    tables: dict[str, TableMapping] = {}
    for flag in maps:
        table, column, source = _parse_flag(flag, "--map")
        tables.setdefault(table, TableMapping()).columns[column] = [source]
    for flag in wheres:
        match = _WHERE.match(flag)
        table, condition = (
            (match["table"], match["condition"])
            if match and match["table"] in TABLES
            else ("transactions", flag)
        )
        parse_filter(condition.strip())  # a bad filter stops here, naming the flag's text
        tables.setdefault(table, TableMapping()).where.append(condition.strip())
    for flag in tables_at:
        match = _TABLE.match(flag)
        if not match:
            raise InputError(
                f"--table {flag!r} is not of the form table=file, "
                "e.g. --table customers=accounts.csv"
            )
        if match["table"] not in TABLES:
            raise InputError(
                f"--table {flag!r}: unknown table {match['table']!r}; use one of {sorted(TABLES)}"
            )
        tables.setdefault(match["table"], TableMapping()).path = match["path"].strip()
    for flag in date_formats:
        if "=" not in flag:
            for spec in TABLES.values():
                for col in spec.columns:
                    if col.kind == "date":
                        tables.setdefault(spec.name, TableMapping()).date_format[col.name] = flag
            continue
        table, column, fmt = _parse_flag(flag, "--date-format")
        tables.setdefault(table, TableMapping()).date_format[column] = fmt
    return BookMapping.model_validate({"tables": {k: v.model_dump() for k, v in tables.items()}})


def _parse_flag(flag: str, option: str) -> tuple[str, str, str]:
    match = _FLAG.match(flag.strip())
    if not match:
        raise InputError(
            f"{option} {flag!r} is not of the form [table.]column=source, "
            f"e.g. {option} amount='Quantity * UnitPrice' or {option} customers.owner=Rep"
        )
    table = match["table"] or "transactions"
    column = match["column"]
    if table not in TABLES:
        raise InputError(f"{option} {flag!r}: unknown table {table!r}; use one of {sorted(TABLES)}")
    return table, column, match["source"].strip()


MapOption = Mapping[str, str] | Iterable[str]
WhereOption = str | Mapping[str, str | Iterable[str]] | Iterable[str]


def mapping_from_options(
    map: MapOption | None = None,
    where: WhereOption | None = None,
    tables: Mapping[str, str | PathLike[str]] | None = None,
    date_format: str | Mapping[str, str] | Iterable[str] | None = None,
) -> BookMapping | None:
    """The Python API's mapping options, read exactly as the CLI's flags.

    ``map={"amount": "Quantity * UnitPrice", "customers.owner": "Rep"}`` (or the flags'
    ``["amount=Quantity * UnitPrice"]``); ``where="deal_stage = 'Won'"`` (transactions), or
    ``{"customers": "region = 'EU'"}``; ``tables={"customers": "accounts.csv"}``;
    ``date_format="%d/%m/%Y"`` or ``{"transactions.date": "%d/%m/%Y"}``. None: no options.
    """
    if map is None and where is None and tables is None and date_format is None:
        return None
    maps = [f"{k}={v}" for k, v in map.items()] if isinstance(map, Mapping) else list(map or [])
    wheres: list[str] = []
    if isinstance(where, str):
        wheres = [where]
    elif isinstance(where, Mapping):
        for table, conditions in where.items():
            items = [conditions] if isinstance(conditions, str) else list(conditions)
            wheres += [f"{table}: {c}" for c in items]
    elif where is not None:
        wheres = list(where)
    formats: list[str]
    if isinstance(date_format, str):
        formats = [date_format]
    elif isinstance(date_format, Mapping):
        formats = [f"{k}={v}" for k, v in date_format.items()]
    else:
        formats = list(date_format or [])
    paths = [f"{k}={fspath(v)}" for k, v in (tables or {}).items()]
    return mapping_from_flags(maps, formats, wheres, paths)
