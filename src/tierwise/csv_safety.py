"""CSV cells a spreadsheet would run as a formula, made inert.

A CSV of names and texts from a book opens in Excel or Google Sheets, which run a cell
that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) as a formula.
Every CSV tierwise writes for people or other tools prefixes such text cells with an
apostrophe (OWASP "CSV injection"), in the engine.
"""

from __future__ import annotations

import ibis.expr.types as ir

FORMULA_START = r"^[=+\-@\t\r]"


def formula_safe(table: ir.Table) -> ir.Table:
    """``table`` with every text cell that starts like a formula prefixed with ``'``."""
    return table.select(
        [
            table[c].re_search(FORMULA_START).ifelse("'" + table[c], table[c]).name(c)
            if table[c].type().is_string()
            else table[c]
            for c in table.columns
        ]
    )
