"""The reference costing behind the truth's ``loss_maker``: a customer's realised net profit.

An independent, fixed oracle (it does not read the policy): the last 365 days' gross
margin, less activity-based costs set close to the default policy's, so that the
analytics run with the default policy should find the same loss makers, give or take
customers near zero.
"""

from __future__ import annotations

import numpy as np

from tierwise.demo._archetypes import SUPPORT_ROLE
from tierwise.demo._effort import ACTIVITY_TYPES, LOGGED_DELIVERY_ROLE, BlockActivities
from tierwise.demo._orders import BlockLines
from tierwise.demo._population import Population

WINDOW_DAYS = 365
#: Hourly cost of each role's time (EUR); time with no named owner is logistics'.
HOURLY_RATES = {
    "key_account_manager": 80.0,
    "account_manager": 60.0,
    "inside_sales": 45.0,
    SUPPORT_ROLE: 40.0,
}
UNOWNED_HOURLY_RATE = 35.0
COST_PER_ORDER = 20.0
COST_PER_ORDER_LINE = 1.5
#: Freight per delivery; customers without logged deliveries get one per order.
COST_PER_DELIVERY = 25.0
#: Fixed cost per event of these activity types, on top of their minutes.
EVENT_COSTS = {"rush_order": 50.0, "return": 35.0, "support_ticket": 10.0, "delivery": 25.0}
_US_PER_DAY = 86_400_000_000


def window_profit(
    pop: Population, lo: int, hi: int, lines: BlockLines, acts: BlockActivities
) -> tuple[np.ndarray, np.ndarray]:
    """Revenue and net profit of customers ``lo .. hi-1`` over the last 365 days."""
    first_day = pop.end_day - WINDOW_DAYS + 1
    n = hi - lo
    inside = lines.timestamp_us // _US_PER_DAY >= first_day
    local = lines.customer[inside] - lo
    revenue = np.bincount(local, weights=lines.amount[inside], minlength=n)
    margin = revenue - np.bincount(local, weights=lines.cost[inside], minlength=n)
    sales_lines = np.bincount(local[~lines.is_return[inside]], minlength=n)
    orders_in = lines.order_day >= first_day
    orders = np.bincount(lines.order_customer[orders_in] - lo, minlength=n)
    a_in = acts.timestamp_us // _US_PER_DAY >= first_day
    owner = acts.owner[a_in]
    role_rate = np.array([HOURLY_RATES[r] for r in pop.team_roles])
    rate = np.where(owner >= 0, role_rate[np.maximum(owner, 0)], UNOWNED_HOURLY_RATE)
    events = np.array([EVENT_COSTS.get(t, 0.0) for t in ACTIVITY_TYPES])[acts.type_code[a_in]]
    effort = np.bincount(
        acts.customer[a_in] - lo, weights=acts.minutes[a_in] / 60.0 * rate + events, minlength=n
    )
    logged = pop.role[lo:hi] == LOGGED_DELIVERY_ROLE
    inferred_deliveries = np.where(logged, 0, orders) * COST_PER_DELIVERY
    net = (
        margin
        - effort
        - orders * COST_PER_ORDER
        - sales_lines * COST_PER_ORDER_LINE
        - inferred_deliveries
    )
    return revenue, net
