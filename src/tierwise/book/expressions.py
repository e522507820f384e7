"""Expressions a user writes in a mapping: row filters and derived columns.

``--where "deal_stage = 'Won'"`` and ``--map amount='Quantity * UnitPrice'`` come from a
user, so they are never pasted into SQL. Each is parsed by sqlglot into a tree, every
node is checked against a short allow-list (column references, literals, comparisons,
boolean logic, IN, IS NULL, LIKE, BETWEEN, + - * /, abs), and the tree is translated
into an Ibis expression. Anything else (a subquery, a function such as ``read_csv``, a
second statement) stops with a message that says what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from tierwise.errors import InputError

_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_PREDICATES = (*_COMPARISONS, exp.And, exp.Or, exp.Not, exp.In, exp.Is, exp.Like, exp.ILike)
_VALUE_NODES = (exp.Column, exp.Identifier, exp.Literal, exp.Paren, exp.Neg, exp.Abs, *_ARITHMETIC)
_FILTER_NODES = (*_VALUE_NODES, *_PREDICATES, exp.Between, exp.Boolean, exp.Null)

FILTER_HELP = (
    "a filter may use column names (in double quotes if they hold spaces), 'text' and "
    "number literals, = <> < <= > >=, AND OR NOT, IN (...), IS [NOT] NULL, [NOT] LIKE, "
    "BETWEEN and + - * /"
)
VALUE_HELP = (
    "an expression may use column names (in double quotes if they hold spaces), numbers, "
    "+ - * / and abs()"
)


@dataclass(frozen=True)
class UserExpression:
    """A checked expression tree and the source columns it reads."""

    text: str
    tree: exp.Expression
    columns: tuple[str, ...]


def _parse(
    text: str, allowed: tuple[type[exp.Expression], ...], what: str, hint: str
) -> exp.Expression:
    try:
        statements = sqlglot.parse(text, read="duckdb")
    except SqlglotError as exc:
        raise InputError(f"{what} {text!r} cannot be parsed; {hint}") from exc
    if len(statements) != 1 or statements[0] is None:
        raise InputError(f"{what} {text!r} must be one expression, not several statements; {hint}")
    tree = statements[0]
    assert isinstance(tree, exp.Expression)
    for node in tree.walk():
        if isinstance(node, exp.Column) and node.table:
            raise InputError(
                f"{what} {text!r}: {node.sql()!r} names a table; use the file's column "
                f"name alone ({node.name!r})"
            )
        if not isinstance(node, allowed):
            raise InputError(
                f"{what} {text!r}: {node.sql(dialect='duckdb')!r} is not allowed; {hint}"
            )
    return tree


def _columns(tree: exp.Expression) -> tuple[str, ...]:
    names: list[str] = []
    for column in tree.find_all(exp.Column):
        if column.name not in names:
            names.append(column.name)
    return tuple(names)


def parse_filter(text: str) -> UserExpression:
    """A row filter such as ``deal_stage = 'Won' AND close_value > 0``, checked."""
    tree = _parse(text, _FILTER_NODES, "filter", FILTER_HELP)
    if not isinstance(tree, (*_PREDICATES, exp.Between, exp.Boolean, exp.Paren)):
        raise InputError(
            f"filter {text!r} is not a condition; write one that is true for the rows to keep, "
            "e.g. deal_stage = 'Won'"
        )
    return UserExpression(text, tree, _columns(tree))


def parse_value(text: str) -> UserExpression:
    """A derived number such as ``Quantity * UnitPrice``, checked."""
    tree = _parse(text, _VALUE_NODES, "expression", VALUE_HELP)
    return UserExpression(text, tree, _columns(tree))


def value_columns(text: str) -> list[str] | None:
    """The source columns a derived-column expression reads, or None if it is not one.

    Text that does not even parse as an expression (a column name with spaces, say) is
    None; an expression using anything outside the allow-list raises ``InputError``.
    """
    if not re.search(r"[-+*/()]", text):  # a name, perhaps a keyword such as Order: no expression
        return None
    try:
        statements = sqlglot.parse(text, read="duckdb")
    except SqlglotError:
        return None
    if len(statements) != 1 or statements[0] is None or isinstance(statements[0], exp.Alias):
        return None
    return list(parse_value(text).columns)


def build_value(text: str, columns: Mapping[str, ir.NumericValue]) -> ir.NumericValue:
    """Turn ``"Quantity * UnitPrice"`` into an Ibis expression over parsed number columns."""
    expression = parse_value(text)

    def walk(node: exp.Expression) -> ir.NumericValue:
        if isinstance(node, exp.Column):
            return columns[node.name]
        if isinstance(node, exp.Literal) and not node.is_string:
            return ibis.literal(float(node.this))
        if isinstance(node, exp.Paren):
            return walk(node.this)
        if isinstance(node, exp.Neg):
            return -walk(node.this)
        if isinstance(node, exp.Abs):
            return walk(node.this).abs()
        if isinstance(node, _ARITHMETIC):
            return _arithmetic(node, walk(node.this), walk(node.expression))
        raise InputError(f"expression {text!r}: {node.sql()!r} is not a number; {VALUE_HELP}")

    return walk(expression.tree)


def _arithmetic(
    node: exp.Expression, left: ir.NumericValue, right: ir.NumericValue
) -> ir.NumericValue:
    if isinstance(node, exp.Add):
        return left + right
    if isinstance(node, exp.Sub):
        return left - right
    if isinstance(node, exp.Mul):
        return left * right
    return left / right


Number = Callable[[ir.Value], ir.NumericValue]


def build_filter(expression: UserExpression, table: ir.Table, number: Number) -> ir.BooleanValue:
    """The filter as an Ibis condition over ``table``'s raw columns.

    Raw text columns meet numbers through ``number`` (the book's number parser), so
    ``close_value > 0`` compares numbers and a value that is no number fails the test.
    """

    def operand(node: exp.Expression) -> ir.Value:
        if isinstance(node, exp.Column):
            if node.name not in table.columns:
                shown = [c for c in table.columns if not c.startswith("_")]
                raise InputError(
                    f"filter {expression.text!r}: no column {node.name!r}; the file has {shown} "
                    "(text values go in single quotes: deal_stage = 'Won')"
                )
            return table[node.name]
        if isinstance(node, exp.Literal):
            return ibis.literal(node.this if node.is_string else float(node.this))
        if isinstance(node, exp.Boolean):
            return ibis.literal(bool(node.this))
        if isinstance(node, exp.Paren):
            return operand(node.this)
        if isinstance(node, exp.Neg):
            return -as_number(operand(node.this))
        if isinstance(node, exp.Abs):
            return as_number(operand(node.this)).abs()
        if isinstance(node, _ARITHMETIC):
            return _arithmetic(
                node, as_number(operand(node.this)), as_number(operand(node.expression))
            )
        return condition(node)

    def as_number(value: ir.Value) -> ir.NumericValue:
        return value if value.type().is_numeric() else number(value)

    def pair(left: ir.Value, right: ir.Value) -> tuple[ir.Value, ir.Value]:
        """Compare like with like: text meets a number as a parsed number."""
        if left.type().is_numeric() and not right.type().is_numeric():
            return left, number(right)
        if right.type().is_numeric() and not left.type().is_numeric():
            return number(left), right
        if left.type().is_temporal() and right.type().is_string():
            return left, right.cast(left.type())
        if right.type().is_temporal() and left.type().is_string():
            return left.cast(right.type()), right
        return left, right

    def condition(node: exp.Expression) -> ir.BooleanValue:
        if isinstance(node, exp.Paren):
            return condition(node.this)
        if isinstance(node, exp.Boolean):
            return ibis.literal(bool(node.this))
        if isinstance(node, exp.And):
            return condition(node.this) & condition(node.expression)
        if isinstance(node, exp.Or):
            return condition(node.this) | condition(node.expression)
        if isinstance(node, exp.Not):
            return ~condition(node.this)
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise InputError(f"filter {expression.text!r}: IS must be followed by NULL")
            return operand(node.this).isnull()
        if isinstance(node, (exp.Like, exp.ILike)):
            pattern = node.expression
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise InputError(f"filter {expression.text!r}: LIKE takes a 'pattern' in quotes")
            text = operand(node.this).cast("string")
            if isinstance(node, exp.ILike):
                return text.lower().like(pattern.this.lower())
            return text.like(pattern.this)
        if isinstance(node, exp.In):
            left = operand(node.this)
            values = [operand(v) for v in node.expressions]
            if not values:
                raise InputError(f"filter {expression.text!r}: IN needs a list of values")
            if any(v.type().is_numeric() for v in values):
                left = as_number(left)
                values = [as_number(v) for v in values]
            return left.isin(values)
        if isinstance(node, exp.Between):
            value = operand(node.this)
            low_value, low = pair(value, operand(node.args["low"]))
            high_value, high = pair(value, operand(node.args["high"]))
            return (low_value >= low) & (high_value <= high)
        if isinstance(node, _COMPARISONS):
            left, right = pair(operand(node.this), operand(node.expression))
            return _compare(node, left, right)
        raise InputError(f"filter {expression.text!r}: {node.sql()!r} is not a condition")

    return condition(expression.tree)


def _compare(node: exp.Expression, left: ir.Value, right: ir.Value) -> ir.BooleanValue:
    if isinstance(node, exp.EQ):
        return left == right
    if isinstance(node, exp.NEQ):
        return left != right
    if isinstance(node, exp.GT):
        return left > right
    if isinstance(node, exp.GTE):
        return left >= right
    if isinstance(node, exp.LT):
        return left < right
    return left <= right
