"""Numbers as people read them, built in the engine (so a ``why`` never needs a Python loop)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def grouped(value: ir.NumericValue) -> ir.StringValue:
    """A rounded whole number with thousands separators: 1450.4 -> "1,450"."""
    n = value.cast("float64").round().cast("int64")
    sign = ibis.ifelse(n < 0, ibis.literal("-"), ibis.literal(""))
    a = n.abs()

    def block(power: int) -> ir.StringValue:
        return ((a // 10**power) % 1000).cast("string").lpad(3, "0")

    text = ibis.cases(
        (
            a >= 10**9,
            (a // 10**9).cast("string") + "," + block(6) + "," + block(3) + "," + block(0),
        ),
        (a >= 10**6, (a // 10**6).cast("string") + "," + block(3) + "," + block(0)),
        (a >= 10**3, (a // 10**3).cast("string") + "," + block(0)),
        else_=a.cast("string"),
    )
    return sign + text


def percent(share: ir.NumericValue) -> ir.StringValue:
    """A share in 0..1 as a whole percentage: 0.637 -> "64%"."""
    whole = (share.cast("float64") * 100).round().cast("int64").cast("string") + "%"
    return ibis.ifelse((share > 0) & (share < 0.005), ibis.literal("under 1%"), whole)
