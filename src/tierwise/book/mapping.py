"""How a user's files map onto the contract: read options, column sources, derived columns.

Real files never carry our column names. A mapping says, per table and contract column,
where the value comes from: a source column, or an arithmetic expression over source
columns (``amount: "Quantity * UnitPrice"``). Several candidates may be listed; the
first whose columns exist in the file wins, so one preset can cover file variants.
The same model serves presets, the policy's ``book:`` section and ``--map`` flags.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tierwise.book.contract import TABLES
from tierwise.errors import InputError


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
            )
        return BookMapping(read=read, tables=tables)


_FLAG = re.compile(r"^(?:(?P<table>[a-z_]+)\.)?(?P<column>[a-z_]+)=(?P<source>.+)$", re.S)


def mapping_from_flags(maps: Iterable[str] = (), date_formats: Iterable[str] = ()) -> BookMapping:
    """Build a mapping from ``--map [table.]column=source`` and ``--date-format`` flags.

    A bare ``--date-format FMT`` applies to every date column of every table.
    """
    tables: dict[str, TableMapping] = {}
    for flag in maps:
        table, column, source = _parse_flag(flag, "--map")
        tables.setdefault(table, TableMapping()).columns[column] = [source]
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


# --- derived columns ---------------------------------------------------------------------

_ALLOWED_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def expression_columns(source: str) -> list[str] | None:
    """The source columns an arithmetic expression uses, or None if it is not one."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return None
    names: list[str] = []
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id == "abs"):
                return None
        elif not isinstance(
            node,
            (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load, ast.USub, ast.UAdd, *_ALLOWED_OPS),
        ):
            return None
    return [n for n in names if n != "abs"]


def build_expression(source: str, columns: Mapping[str, ir.NumericValue]) -> ir.NumericValue:
    """Turn ``"Quantity * UnitPrice"`` into an Ibis expression over parsed number columns."""

    def walk(node: ast.AST) -> ir.NumericValue:
        if isinstance(node, ast.Name):
            return columns[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return ibis.literal(float(node.value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = walk(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abs":
            return walk(node.args[0]).abs()
        if isinstance(node, ast.BinOp) and type(node.op) in _ALLOWED_OPS:
            left, right = walk(node.left), walk(node.right)
            op = _ALLOWED_OPS[type(node.op)]
            if op == "+":
                return left + right
            if op == "-":
                return left - right
            if op == "*":
                return left * right
            return left / right
        raise InputError(
            f"expression {source!r} may use column names, numbers, + - * / and abs() only"
        )

    return walk(ast.parse(source, mode="eval").body)
