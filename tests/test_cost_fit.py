"""Cost rates that do not fit the book are called out, with the policy keys to set."""

from __future__ import annotations

import ibis
import pandas as pd

from tierwise.metrics.cost_fit import cost_fit
from tierwise.settings.cost_model import CostModel


def scorecard(margins: list[float], costs: list[float], orders: list[int]) -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(len(margins))],
                "gross_margin": margins,
                "cost_to_serve": costs,
                "orders": orders,
            }
        )
    )


def test_default_rates_above_most_buyers_margin_are_called_out() -> None:
    # 30 buyers of small orders: margin 12 each, cost-to-serve 46.5 (one order at the
    # default rates: 20 + 1.5 per line + 25 per delivery); 10 of them have margin 60.
    # Plus 5 customers without a purchase in the window, who must not count.
    margins = [12.0] * 20 + [60.0] * 10 + [0.0] * 5
    costs = [46.5] * 30 + [0.0] * 5
    orders = [1] * 30 + [0] * 5
    fit = cost_fit(scorecard(margins, costs, orders), CostModel())
    assert fit is not None
    assert fit["buyers"] == 30 and fit["cost_above_margin"] == 20
    assert fit["share"] == round(20 / 30, 4)
    assert fit["median_cost_to_serve"] == 46.5 and fit["median_gross_margin"] == 12.0
    assert fit["default_rates"] is True
    message = fit["message"]
    assert message.startswith("The default cost rates do not fit this book: for 67% of the 30")
    for key in ("costs.cost_per_order = 20", "costs.cost_per_delivery = 25"):
        assert key in message
    assert "analysis.default_margin_rate" in message


def test_rates_that_fit_say_nothing() -> None:
    margins = [120.0] * 25 + [10.0] * 5  # 5 of 30 cost more than they earn: 17%
    fit = cost_fit(scorecard(margins, [46.5] * 30, [1] * 30), CostModel())
    assert fit is None


def test_a_handful_of_buyers_is_too_few_to_judge_the_rates() -> None:
    fit = cost_fit(scorecard([1.0] * 5, [46.5] * 5, [1] * 5), CostModel())
    assert fit is None


def test_rates_the_user_set_are_named_as_theirs() -> None:
    costs = CostModel(cost_per_order=80.0)
    fit = cost_fit(scorecard([12.0] * 30, [100.0] * 30, [1] * 30), costs)
    assert fit is not None and fit["default_rates"] is False
    assert fit["message"].startswith("The cost rates do not fit")
    assert "costs.cost_per_order = 80" in fit["message"]
