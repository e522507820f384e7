"""Do the cost rates fit this book? A check that the cost-to-serve figures are believable.

The built-in cost rates are for B2B orders (tens of pounds to process and deliver one
order). On a book of small consumer orders they exceed the margin of almost every
order, so nearly every customer "loses money" because of the policy, not the customers.
When most buyers' cost-to-serve exceeds their gross margin, the run says so, with the
policy keys that set the rates, instead of presenting the losses as findings.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from tierwise.settings.cost_model import CostModel

#: Share of buyers whose cost-to-serve exceeds their gross margin above which the rates
#: are called out: a real book where most customers lose money is rare enough to check.
UNFIT_SHARE = 0.5
#: Fewer buyers than this say too little about the rates to warn.
MIN_BUYERS = 20
#: The rates that are charged per order whatever its size, the usual misfit.
ORDER_KEYS = ("cost_per_order", "cost_per_order_line", "cost_per_delivery", "deliveries_per_order")


def cost_fit(scorecard: ir.Table, costs: CostModel) -> dict[str, Any] | None:
    """The ``cost_fit`` block of portfolio.json when the rates do not fit, else None.

    Counts the customers who bought in the window (orders > 0) whose cost-to-serve
    exceeds their gross margin, with the medians of both, in the engine.
    """
    buyers = scorecard.filter(scorecard.orders > 0)
    row = (
        buyers.aggregate(
            buyers=buyers.count(),
            over=(buyers.cost_to_serve > buyers.gross_margin).sum(),
            median_cost=buyers.cost_to_serve.median(),
            median_margin=buyers.gross_margin.median(),
            median_orders=buyers.orders.median(),
        )
        .execute()
        .iloc[0]
    )
    n, over = int(row["buyers"] or 0), int(row["over"] or 0)
    if n < MIN_BUYERS or over / n <= UNFIT_SHARE:
        return None
    default = costs == CostModel()
    rates = ", ".join(f"costs.{k} = {getattr(costs, k):g}" for k in ORDER_KEYS)
    message = (
        f"The {'default ' if default else ''}cost rates do not fit this book: for "
        f"{over / n:.0%} of the {n:,} customers who bought in the window, cost-to-serve "
        f"exceeds gross margin (per customer, median cost-to-serve {row['median_cost']:,.0f} "
        f"against median gross margin {row['median_margin']:,.0f}), so the losses below "
        "come from the rates more than from the customers. "
        + ("The built-in rates are for B2B orders: " if default else "The rates in the policy: ")
        + f"{rates}. Set these (and analysis.default_margin_rate when margins are "
        "estimated) to this book's own costs in a policy file (`tierwise policy init FILE`)."
    )
    return {
        "buyers": n,
        "cost_above_margin": over,
        "share": round(over / n, 4),
        "median_cost_to_serve": round(float(row["median_cost"]), 2),
        "median_gross_margin": round(float(row["median_margin"]), 2),
        "default_rates": default,
        "keys": [f"costs.{k}" for k in ORDER_KEYS],
        "message": message,
    }
