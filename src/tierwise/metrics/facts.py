"""Customer facts: what each customer bought, when, and what it left us before serving costs.

Pure Ibis from a transactions table to a per-customer table, so the same expression runs
on DuckDB and PySpark. Window figures count ``start <= date < end``; first and last
purchase look at the whole history before the as-of date.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tierwise.literals import at_midnight
from tierwise.window import Window


def is_purchase(amount: ir.NumericValue) -> ir.BooleanValue:
    """True for a transaction line that is a purchase: its amount is not negative.

    The one definition of "a purchase" (docs/CONTRACT.md): orders, first and last
    purchase, the CLV summary's purchase periods, the trend's order counts and the
    cost-to-serve's order drivers all count these lines. Returns and credit notes
    (below zero) are not purchases; a free order (zero) is one, as in the published
    CLV analyses of CDNOW, and it costs as much to process as a paid one.
    """
    return amount >= 0


FACT_COLUMNS = (
    "customer_id",
    "revenue",
    "gross_margin",
    "margin_estimated",
    "orders",
    "order_lines",
    "return_lines",
    "returns_amount",
    "list_revenue",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
)


def customer_facts(
    transactions: ir.Table,
    window: Window,
    default_margin_rate: float,
    customers: ir.Table | None = None,
) -> ir.Table:
    """One row per customer known before ``window.end``, with the facts of CONTRACT §3.

    Gross margin is ``amount - cost`` where a line has a cost, else ``amount ×
    default_margin_rate`` and then ``margin_estimated`` is true. ``frequency`` is the
    number of orders in the window and ``monetary`` the net revenue in the window, the
    usual R/F/M reading. Customers listed in ``customers`` without purchases get zeros.
    """
    end = at_midnight(window.end)
    start = at_midnight(window.start)
    tx = transactions.filter(transactions.date < end)
    in_window = (tx.date >= start) & (tx.date < end)
    bought = is_purchase(tx.amount)
    has_cost = "cost" in tx.columns
    line_margin = (
        ibis.ifelse(tx.cost.isnull(), tx.amount * default_margin_rate, tx.amount - tx.cost)
        if has_cost
        else tx.amount * default_margin_rate
    )
    estimated = tx.cost.isnull() if has_cost else ibis.literal(True)
    zero = ibis.literal(0.0)
    list_amount = tx.list_amount if "list_amount" in tx.columns else ibis.null("float64")
    facts = tx.group_by("customer_id").aggregate(
        revenue=ibis.ifelse(in_window, tx.amount, zero).sum(),
        gross_margin=ibis.ifelse(in_window, line_margin, zero).sum(),
        margin_estimated=(in_window & estimated).any(),
        orders=ibis.ifelse(in_window & bought, tx.order_id, ibis.null("string")).nunique(),
        order_lines=in_window.sum(),
        return_lines=(in_window & (tx.amount < 0)).sum(),
        returns_amount=ibis.ifelse(in_window & (tx.amount < 0), -tx.amount, zero).sum(),
        list_revenue=ibis.ifelse(
            in_window, list_amount.cast("float64"), ibis.null("float64")
        ).sum(),
        first_purchase=ibis.ifelse(bought, tx.date, ibis.null("timestamp")).min(),
        last_purchase=ibis.ifelse(bought, tx.date, ibis.null("timestamp")).max(),
    )
    if customers is not None:
        base = customers.select("customer_id").union(tx.select("customer_id")).distinct()
        facts = base.left_join(facts, "customer_id").select(
            base.customer_id, *[facts[c] for c in facts.columns if c != "customer_id"]
        )
    days = 86_400
    recency = (end.epoch_seconds() - facts.last_purchase.epoch_seconds()) / days
    tenure = (end.epoch_seconds() - facts.first_purchase.epoch_seconds()) / days
    return facts.mutate(
        revenue=facts.revenue.fill_null(0.0),
        gross_margin=facts.gross_margin.fill_null(0.0),
        margin_estimated=facts.margin_estimated.fill_null(False),
        orders=facts.orders.fill_null(0).cast("int64"),
        order_lines=facts.order_lines.fill_null(0).cast("int64"),
        return_lines=facts.return_lines.fill_null(0).cast("int64"),
        returns_amount=facts.returns_amount.fill_null(0.0),
        recency_days=recency.floor().cast("int64"),
        frequency=facts.orders.fill_null(0).cast("int64"),
        monetary=facts.revenue.fill_null(0.0),
        tenure_days=tenure.floor().cast("int64"),
    ).select(*FACT_COLUMNS)
