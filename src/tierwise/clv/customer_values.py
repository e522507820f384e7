"""The per-customer side of the CLV stage, in the data engine.

The driver fits the models on distinct histories (``frequency, recency, T`` and how many
customers share each, the models' sufficient statistics) and sends back, per history,
P(alive), expected purchases and discounted purchases, plus a few fitted numbers (the
Gamma-Gamma spend parameters, the book's margin and cost rates). The engine turns them
into each customer's scores; no table with a row per customer comes to the driver.

Every number the driver sends goes in as a one-row table joined to the customers, not as
a literal in the SQL: DuckDB reads a 17-digit literal as a decimal and may round it to a
neighbouring double, so a literal would not give the figures numpy gives, bit for bit.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from tierwise.settings.clv import ClvSettings

HISTORY = ["frequency", "recency", "T"]


def distinct_histories(full: ir.Table, *, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frequency, recency, T`` (and ``extra`` columns) with ``weight``, the number of
    customers sharing them: what the models are fitted on. At most one row per customer,
    32 bytes each (232k rows for a million simulated customers in weeks; nearly one per
    customer in the demo book, whose days make fine-grained weeks: docs/SCALING.md)."""
    keys = [*HISTORY, *extra]
    return full.group_by(keys).aggregate(weight=full.count()).order_by(keys).to_pandas()


def numbers(**values: float) -> ir.Table:
    """Floats as a one-row table, to join rather than paste into SQL (module note)."""
    return ibis.memtable(
        pa.table({k: pa.array([float(v)], pa.float64()) for k, v in values.items()})
    )


def _finite(column: ir.FloatingValue) -> ir.BooleanValue:
    return column.notnull() & ~column.isnan() & ~column.isinf()


def book_rates(full: ir.Table, rates: ir.Table) -> dict[str, Any]:
    """The margin and cost-to-serve rates of the customers of ``full`` who bought in the
    window (``rates``: their window revenue, gross margin and net profit), and how many
    customers have no such revenue and take the book's rates."""
    t = with_rates(full, rates)
    buying = buying_in_window(t)
    revenue = buying.ifelse(t.revenue, 0.0)
    row = (
        t.aggregate(
            revenue=revenue.sum(),
            margin=buying.ifelse(t.gross_margin, 0.0).sum(),
            cost=buying.ifelse(t.gross_margin - t.net_profit, 0.0).sum(),
            others=(~buying).cast("int64").sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    total = float(row["revenue"] or 0.0)
    return {
        "book_margin_rate": float(row["margin"] or 0.0) / total if total > 0 else 1.0,
        "book_cost_to_serve_rate": float(row["cost"] or 0.0) / total if total > 0 else 0.0,
        "customers_at_book_rate": int(row["others"] or 0),
    }


def with_rates(full: ir.Table, rates: ir.Table) -> ir.Table:
    """``full`` with each customer's window ``revenue, gross_margin, net_profit`` (blank
    for customers the rates do not hold)."""
    r = rates.select(
        customer_id=rates.customer_id.cast("string"),
        revenue=rates.revenue.cast("float64"),
        gross_margin=rates.gross_margin.cast("float64"),
        net_profit=rates.net_profit.cast("float64"),
    )
    joined = full.left_join(r, full.customer_id == r.customer_id)
    return joined.select(full, r.revenue, r.gross_margin, r.net_profit)


def buying_in_window(t: ir.Table) -> ir.BooleanValue:
    """Customers whose own rates count: revenue in the window, and known margin and profit."""
    return _finite(t.revenue) & (t.revenue > 0) & _finite(t.gross_margin) & _finite(t.net_profit)


def purchase_value(
    full: ir.Table,
    rates: ir.Table | None,
    settings: ClvSettings,
    spend: dict[str, float],
    value: dict[str, Any],
) -> ir.Table:
    """``customer_id, purchase_value``: the value of one future purchase per customer of
    ``full``, the expected spend times the share of it that counts as value.

    ``spend`` holds the Gamma-Gamma parameters ``gg_p, gg_q, gg_gamma`` or the
    ``average_spend``; ``value`` the book's rates (``book_rates``). The arithmetic is the
    one of ``GammaGammaModel.expected_spend`` and of the stage's value rates, operation
    by operation, so DuckDB gives the figures numpy gave.
    """
    basis = settings.value
    share_numbers: dict[str, float] = {}
    if settings.margin_rate is not None:
        share_numbers["margin_rate"] = settings.margin_rate
    if rates is not None and basis != "revenue":
        share_numbers["book_margin"] = value["book_margin_rate"]
        share_numbers["book_cost"] = value["book_cost_to_serve_rate"]
        base = with_rates(full, rates)
    else:
        base = full
    t = base.cross_join(numbers(**spend, **share_numbers))

    if "average_spend" in spend:
        spent: ir.FloatingValue = t.average_spend
    else:
        positive = t.monetary_value > 0
        x = positive.ifelse(t.frequency, 0).cast("float64")
        m = positive.ifelse(t.monetary_value, 0.0)
        m = (x > 0).ifelse(m, 0.0)
        spent = (t.gg_p * (t.gg_gamma + m * x)) / (t.gg_p * x + t.gg_q - 1)

    if basis == "revenue":
        share: ir.FloatingValue = ibis.literal(1.0)
    elif rates is None:
        share = t.margin_rate if settings.margin_rate is not None else ibis.literal(1.0)
    else:
        buying = buying_in_window(t)
        margin_rate = (
            t.margin_rate
            if settings.margin_rate is not None
            else buying.ifelse(t.gross_margin / t.revenue, t.book_margin)
        )
        share = (
            margin_rate
            if basis == "margin"
            else margin_rate
            - buying.ifelse((t.gross_margin - t.net_profit) / t.revenue, t.book_cost)
        )
    return t.select("customer_id", purchase_value=spent * share)


def customer_scores(
    everyone: ir.Table,
    full: ir.Table | None,
    values: pd.DataFrame | None,
    worth: ir.Table | None,
) -> ir.Table:
    """``customer_id, p_alive, expected_purchases, clv`` for every customer of ``everyone``.

    ``values`` has, per history, ``p_alive``, ``expected_purchases`` and ``value`` (the
    discounted expected purchases); a customer's CLV is ``value`` times its
    ``purchase_value`` (``worth``). Customers not in ``full`` (no purchase) stay blank.
    """
    if full is None or values is None or worth is None:
        blank = ibis.null("float64")
        return everyone.select("customer_id", p_alive=blank, expected_purchases=blank, clv=blank)
    per_history = ibis.memtable(
        values[[*HISTORY, "p_alive", "expected_purchases", "value"]].astype(
            {"frequency": "int64", "recency": "float64", "T": "float64"}
        )
    )
    h = full.select("customer_id", *HISTORY)
    scored = h.inner_join(per_history, HISTORY).inner_join(worth, "customer_id")
    scored = scored.select(
        "customer_id",
        "p_alive",
        "expected_purchases",
        clv=scored.value * scored.purchase_value,
    )
    joined = everyone.left_join(scored, everyone.customer_id == scored.customer_id)
    return joined.select(
        everyone.customer_id, scored.p_alive, scored.expected_purchases, scored.clv
    )
