"""Activities for one block of customers: the time the team spends, the cost-to-serve driver.

Touches (visits, calls, QBRs, ...) come at yearly rates set by the owner's role and the
customer's archetype; rush orders, returns and deliveries follow from the orders drawn
in :mod:`tierwise.demo._orders`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tierwise.demo._archetypes import ARCHETYPES, ROLE_TOUCH_RATES, TOUCH_TYPES, TYPE_MINUTES
from tierwise.demo._orders import BlockLines
from tierwise.demo._population import Population

#: Every activity type the demo writes, in code order.
ACTIVITY_TYPES: tuple[str, ...] = (*TOUCH_TYPES, "rush_order", "return", "delivery")
_RUSH, _RETURN, _DELIVERY = (ACTIVITY_TYPES.index(t) for t in ("rush_order", "return", "delivery"))
#: Types handled by customer service rather than the account's owner.
SERVICE_TYPES = frozenset({"support_ticket", "rush_order", "return"})
#: Types whose minutes stretch for high-maintenance customers (long calls, long tickets).
STRETCH_TYPES = frozenset({"call", "support_ticket", "revision", "rush_order", "return"})
#: Key accounts' deliveries are logged one by one (own-fleet drops to several sites);
#: other customers' deliveries are left to the policy's per-order estimate.
LOGGED_DELIVERY_ROLE = 0
MINUTES_SIGMA = 0.45
#: Spread of how much attention customers of the same role and archetype get (mean 1).
ENGAGEMENT_SIGMA = 0.7


@dataclass
class BlockActivities:
    """Activities of one block, sorted by time; owner is an index into the team (-1 = none)."""

    customer: np.ndarray
    type_code: np.ndarray
    timestamp_us: np.ndarray
    minutes: np.ndarray
    owner: np.ndarray


def touch_rates(pop: Population, idx: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Touches per year of each type (n, len(TOUCH_TYPES)) for customers ``idx``.

    ``noise`` (mean 1) is how much attention this customer draws; scheduled reviews
    (QBRs, executive meetings) keep their cadence and vary only by chance.
    """
    arch = pop.archetype[idx]
    mult = np.array([a.touch_mult for a in ARCHETYPES])[arch]
    add = np.array([a.touch_add for a in ARCHETYPES])[arch]
    scaled = np.clip(noise, 0.15, 3.0)[:, None] * np.ones(len(TOUCH_TYPES))
    scaled[:, [TOUCH_TYPES.index("qbr"), TOUCH_TYPES.index("exec_meeting")]] = 1.0
    return (ROLE_TOUCH_RATES[pop.role[idx]] * mult + add) * scaled


def separate_collisions(
    timestamp_us: np.ndarray, customer: np.ndarray, code: np.ndarray
) -> np.ndarray:
    """Move events of the same kind and customer logged at the same minute a minute apart.

    Two such rows would read as an exact duplicate and be quarantined. Timestamps are
    whole minutes; (minute, customer, code) are packed into one int64 key to sort once.
    """
    if len(timestamp_us) == 0:
        return timestamp_us
    minute = timestamp_us // 60_000_000
    cust = customer - customer.min()
    c_span = int(cust.max()) + 1
    k_span = int(code.max()) + 1
    for _ in range(60):
        key = ((minute - minute.min()) * c_span + cust) * k_span + code
        order = np.argsort(key)
        same = key[order[1:]] == key[order[:-1]]
        if not same.any():
            break
        minute[order[1:][same]] += 1
    return minute * 60_000_000


def _weekday(day: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays on to Monday (work happens on weekdays)."""
    weekday = (day + 3) % 7
    return day - (weekday == 5) + (weekday == 6)


def activities(
    rng: np.random.Generator, pop: Population, lo: int, hi: int, lines: BlockLines
) -> BlockActivities:
    """Draw the activities of customers ``lo .. hi-1``, given their orders."""
    idx = np.arange(lo, hi)
    n = len(idx)
    a, b = pop.active_start[idx], pop.active_end[idx]
    noise = rng.lognormal(-(ENGAGEMENT_SIGMA**2) / 2, ENGAGEMENT_SIGMA, size=n)
    rates = touch_rates(pop, idx, noise)
    span_years = (b - a + 1) / 365.25
    counts = rng.poisson(rates * span_years[:, None]).ravel()
    flat = np.repeat(np.arange(counts.size), counts)
    t_local, t_type = np.divmod(flat, len(TOUCH_TYPES))
    t_day = a[t_local] + np.floor(rng.random(len(flat)) * (b - a + 1)[t_local]).astype(np.int64)
    t_day = np.minimum(_weekday(t_day), b[t_local])
    # events that follow from orders
    rush = np.flatnonzero(lines.order_rush)
    delivered = np.flatnonzero(pop.role[lines.order_customer] == LOGGED_DELIVERY_ROLE)
    e_customer = np.concatenate(
        [lines.order_customer[rush], lines.return_customer, lines.order_customer[delivered]]
    )
    e_type = np.concatenate(
        [
            np.full(len(rush), _RUSH),
            np.full(len(lines.return_customer), _RETURN),
            np.full(len(delivered), _DELIVERY),
        ]
    )
    e_day = np.concatenate(
        [
            lines.order_day[rush],
            lines.return_day,
            np.minimum(lines.order_day[delivered] + 1, pop.end_day),
        ]
    )
    customer = np.concatenate([t_local + lo, e_customer])
    type_code = np.concatenate([t_type, e_type])
    day = np.concatenate([t_day, e_day])
    # minutes: log-normal around the type's standard, stretched for high maintenance
    base = np.array([TYPE_MINUTES[t] for t in ACTIVITY_TYPES])[type_code]
    stretch_type = np.array([t in STRETCH_TYPES for t in ACTIVITY_TYPES])[type_code]
    stretch = np.array([x.minutes_mult for x in ARCHETYPES])[pop.archetype[customer]]
    factor = np.where(stretch_type, stretch, 1.0)
    sigma = MINUTES_SIGMA
    minutes = np.maximum(
        1.0, np.round(base * factor * rng.lognormal(-sigma * sigma / 2, sigma, len(day)))
    )
    # who spent it: customer service for service types, nobody named for deliveries
    service = np.array([t in SERVICE_TYPES for t in ACTIVITY_TYPES])[type_code]
    owner = np.where(service, pop.support_owner[customer], pop.owner[customer])
    owner = np.where(type_code == _DELIVERY, -1, owner)
    minute = rng.integers(8 * 60, 17 * 60, size=len(day))
    timestamp = separate_collisions((day * 1440 + minute) * 60_000_000, customer, type_code)
    sort = np.lexsort((type_code, customer, timestamp))
    return BlockActivities(
        customer=customer[sort],
        type_code=type_code[sort],
        timestamp_us=timestamp[sort],
        minutes=minutes[sort],
        owner=owner[sort],
    )
