"""Order lines for one block of customers: rhythm, seasonality, basket, prices and returns.

Everything is drawn per order or per line with NumPy, never in a Python loop over
customers or rows. The block's draws depend only on the seed and the block number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tierwise.demo import _words as words
from tierwise.demo._archetypes import ARCHETYPES
from tierwise.demo._population import Population

#: Relative order intake by calendar month (summer and Christmas breaks, busy autumn).
MONTH_FACTORS = np.array([0.85, 0.95, 1.1, 1.0, 1.0, 1.05, 0.9, 0.7, 1.1, 1.15, 1.1, 0.75])
#: Relative order intake by weekday, Monday first.
WEEKDAY_FACTORS = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.04, 0.01])
#: Days before the end of the book where a trend (declining / improving) sets in.
TREND_DAYS = 182
#: Intensity before and after the trend starts, and the order size after it, by trend code
#: (0 none, 1 declining, 2 improving).
TREND_BEFORE = np.array([1.0, 1.0, 0.45])
TREND_AFTER = np.array([1.0, 0.3, 1.0])
TREND_SIZE_AFTER = np.array([1.0, 0.6, 1.5])
PRODUCTS_PER_CATEGORY = 30
#: Share of a customer's lines from its three preferred categories.
PREFERRED_SHARE = 0.85
PREFERRED_WEIGHTS = np.array([0.6, 0.3, 0.1])


@dataclass(frozen=True)
class Catalogue:
    """Products sorted by category then list price, with their unit list price and cost."""

    name: list[str]
    category: np.ndarray
    unit_price: np.ndarray
    unit_cost: np.ndarray
    offsets: np.ndarray
    search_key: np.ndarray

    @property
    def category_names(self) -> list[str]:
        return [c[0] for c in words.CATEGORIES]


def build_catalogue(seed: int) -> Catalogue:
    """A catalogue of a few hundred products (a loop over products, not rows, is fine)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 98])))
    k = PRODUCTS_PER_CATEGORY
    names: list[str] = []
    cats, prices, costs = [], [], []
    for c, (_, median, cost_share) in enumerate(words.CATEGORIES):
        price = np.sort(np.round(median * rng.lognormal(0.0, 0.8, size=k), 2).clip(0.5))
        nouns = words.PRODUCT_NOUNS[c]
        grades = rng.permutation(len(words.PRODUCT_GRADES))
        for j in range(k):
            noun = nouns[j % len(nouns)]
            grade = words.PRODUCT_GRADES[grades[j % len(grades)]]
            names.append(f"{noun.capitalize()} {grade} #{100 * (c + 1) + j}")
        cats.append(np.full(k, c))
        prices.append(price)
        costs.append(np.round(price * cost_share * rng.normal(1.0, 0.06, size=k), 4))
    category = np.concatenate(cats)
    unit_price = np.concatenate(prices)
    offsets = np.arange(len(words.CATEGORIES) + 1) * k
    return Catalogue(
        name=names,
        category=category,
        unit_price=unit_price,
        unit_cost=np.concatenate(costs),
        offsets=offsets,
        search_key=category * 100.0 + np.log(unit_price) + 20.0,
    )


def day_factors(start_day: int, end_day: int) -> np.ndarray:
    """Seasonal intensity of each day of the book (month × weekday), index = day - start."""
    days = np.arange(start_day, end_day + 1)
    month = (days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)) % 12
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    return MONTH_FACTORS[month] * WEEKDAY_FACTORS[weekday]


@dataclass
class BlockLines:
    """The order lines of one block; orders are numbered from 0 in date order."""

    customer: np.ndarray
    order: np.ndarray
    is_return: np.ndarray
    timestamp_us: np.ndarray
    product: np.ndarray
    category: np.ndarray
    quantity: np.ndarray
    list_amount: np.ndarray
    amount: np.ndarray
    cost: np.ndarray
    orders: int
    credit_notes: int
    order_customer: np.ndarray
    order_day: np.ndarray
    order_rush: np.ndarray
    return_customer: np.ndarray
    return_day: np.ndarray


def _draw_days(
    rng: np.random.Generator,
    first: np.ndarray,
    last: np.ndarray,
    trend: np.ndarray,
    factors: np.ndarray,
    start_day: int,
    cut_day: int,
) -> np.ndarray:
    """Days in ``[first, last]`` with the seasonal and trend intensity (vectorised rejection)."""
    n = len(first)
    days = np.empty(n, dtype=np.int64)
    pending = np.arange(n)
    ceiling = factors.max()
    for _ in range(60):
        if len(pending) == 0:
            break
        f, l_ = first[pending], last[pending]
        d = f + np.floor(rng.random(len(pending)) * (l_ - f + 1)).astype(np.int64)
        t = trend[pending]
        weight = factors[d - start_day] * np.where(d >= cut_day, TREND_AFTER[t], TREND_BEFORE[t])
        accept = rng.random(len(pending)) * ceiling < weight
        days[pending[accept]] = d[accept]
        pending = pending[~accept]
    if len(pending):  # practically never: take the last draw as it is
        days[pending] = first[pending]
    return days


def order_lines(
    rng: np.random.Generator,
    pop: Population,
    lo: int,
    hi: int,
    catalogue: Catalogue,
    factors: np.ndarray,
) -> BlockLines:
    """Draw the orders, lines and returns of customers ``lo .. hi-1``."""
    idx = np.arange(lo, hi)
    a = pop.active_start[idx]
    b = pop.active_end[idx]
    arch = pop.archetype[idx]
    trend_of = np.array([x.trend for x in ARCHETYPES])[arch]
    span_years = (b - a + 1) / 365.25
    mean_orders = pop.lines_per_year[idx] * span_years / pop.lines_per_order[idx]
    n_orders = rng.poisson(mean_orders)
    o_local = np.repeat(np.arange(len(idx)), n_orders)
    cut_day = pop.end_day - TREND_DAYS + 1
    o_day = _draw_days(
        rng, a[o_local], b[o_local], trend_of[o_local], factors, pop.start_day, cut_day
    )
    o_minute = rng.integers(7 * 60, 18 * 60, size=len(o_local))
    order_sort = np.lexsort((o_local, o_minute, o_day))
    o_local, o_day, o_minute = o_local[order_sort], o_day[order_sort], o_minute[order_sort]
    rush_p = np.array([x.rush_p for x in ARCHETYPES])[arch]
    o_rush = rng.random(len(o_local)) < rush_p[o_local]
    # lines per order
    n_lines = 1 + rng.poisson(pop.lines_per_order[idx][o_local] - 1.0)
    l_order = np.repeat(np.arange(len(o_local)), n_lines)
    l_local = o_local[l_order]
    l_day = o_day[l_order]
    m = len(l_order)
    # basket: mostly the customer's preferred categories
    pref = pop.preferred_categories[idx][l_local]
    which = rng.choice(3, size=m, p=PREFERRED_WEIGHTS)
    category = np.where(
        rng.random(m) < PREFERRED_SHARE,
        pref[np.arange(m), which],
        rng.integers(len(words.CATEGORIES), size=m),
    )
    # line value and a product that fits it: cheap products for small lines
    trend_size = np.where(l_day >= cut_day, TREND_SIZE_AFTER[trend_of[l_local]], 1.0)
    discount = np.clip(pop.discount[idx][l_local] + rng.normal(0.0, 0.02, m), 0.0, 0.6)
    target_list = (
        pop.line_value[idx][l_local] * trend_size * rng.lognormal(-0.245, 0.7, m) / (1 - discount)
    )
    start = catalogue.offsets[category]
    affordable = (
        np.searchsorted(catalogue.search_key, category * 100.0 + np.log(2 * target_list) + 20.0)
        - start
    )
    affordable = np.clip(affordable, 1, PRODUCTS_PER_CATEGORY)
    product = start + np.floor(affordable * rng.random(m) ** 1.3).astype(np.int64)
    product = _distinct_in_order(l_order, product, category, catalogue)
    unit_price = catalogue.unit_price[product]
    quantity = np.maximum(1, np.round(target_list / unit_price)).astype(np.int64)
    list_amount = np.round(quantity * unit_price, 2)
    amount = np.round(list_amount * (1 - discount), 2)
    cost = np.round(quantity * catalogue.unit_cost[product], 2)
    minute = o_minute[l_order]
    ret = _returns(rng, pop, arch, l_local, l_order, l_day, quantity)
    r, frac, note_of = ret.line, ret.share, ret.note_of
    note_day, note_minute = ret.day[note_of], ret.minute[note_of]
    ts = _timestamps(np.concatenate([l_day, note_day]), np.concatenate([minute, note_minute]))
    lines = BlockLines(
        customer=np.concatenate([l_local, l_local[r]]) + lo,
        order=np.concatenate([l_order, ret.number[note_of]]),
        is_return=np.concatenate([np.zeros(m, dtype=bool), np.ones(len(r), dtype=bool)]),
        timestamp_us=ts,
        product=np.concatenate([product, product[r]]),
        category=np.concatenate([category, category[r]]),
        quantity=np.concatenate([quantity, -ret.quantity]),
        list_amount=np.concatenate([list_amount, -np.round(list_amount[r] * frac, 2)]),
        amount=np.concatenate([amount, -np.round(amount[r] * frac, 2)]),
        cost=np.concatenate([cost, -np.round(cost[r] * frac, 2)]),
        orders=len(o_local),
        credit_notes=len(ret.day),
        order_customer=o_local + lo,
        order_day=o_day,
        order_rush=o_rush,
        return_customer=ret.customer + lo,
        return_day=ret.day,
    )
    sort = np.lexsort((lines.order, lines.is_return, lines.timestamp_us))
    for name in (
        "customer",
        "order",
        "is_return",
        "timestamp_us",
        "product",
        "category",
        "quantity",
        "list_amount",
        "amount",
        "cost",
    ):
        setattr(lines, name, getattr(lines, name)[sort])
    return lines


@dataclass
class _Returns:
    """Returned lines and the credit notes that book them (one note per order)."""

    line: np.ndarray  # index of each returned line
    quantity: np.ndarray  # units sent back, per returned line
    share: np.ndarray  # share of the line sent back
    note_of: np.ndarray  # credit note of each returned line
    number: np.ndarray  # credit note numbers (0.. in date order), per note
    day: np.ndarray  # per note
    minute: np.ndarray  # per note
    customer: np.ndarray  # block-local customer, per note


def _returns(
    rng: np.random.Generator,
    pop: Population,
    arch: np.ndarray,
    l_local: np.ndarray,
    l_order: np.ndarray,
    l_day: np.ndarray,
    quantity: np.ndarray,
) -> _Returns:
    """Part of some lines comes back 3 to 30 days later, booked on a credit note per order."""
    m = len(l_order)
    return_p = np.array([x.return_p for x in ARCHETYPES])[arch]
    returned = rng.random(m) < return_p[l_local]
    r_day = l_day + rng.integers(3, 31, size=m)
    returned &= r_day <= pop.end_day
    r = np.flatnonzero(returned)
    back = np.minimum(
        quantity[r], np.maximum(1, np.round(quantity[r] * rng.uniform(0.3, 1.0, len(r))))
    ).astype(np.int64)
    # one credit note per order with returns, dated at its first returned line's day
    r_orders, r_first = np.unique(l_order[r], return_index=True)
    note_of = np.searchsorted(r_orders, l_order[r])
    day = r_day[r][r_first]
    minute = rng.integers(8 * 60, 17 * 60, size=len(r_orders))
    number = np.empty(len(r_orders), dtype=np.int64)
    number[np.lexsort((r_orders, day))] = np.arange(len(r_orders))
    return _Returns(
        line=r,
        quantity=back,
        share=back / quantity[r],
        note_of=note_of,
        number=number,
        day=day,
        minute=minute,
        customer=l_local[r][r_first],
    )


def _distinct_in_order(
    order: np.ndarray, product: np.ndarray, category: np.ndarray, catalogue: Catalogue
) -> np.ndarray:
    """Move a product met twice in one order to the next product of its category.

    An order lists each product once (two identical lines would read as a duplicate).
    """
    product = product.copy()
    start = catalogue.offsets[category]
    for _ in range(PRODUCTS_PER_CATEGORY):
        key = order * len(catalogue.unit_price) + product
        sort = np.argsort(key, kind="stable")
        repeated = np.zeros(len(key), dtype=bool)
        repeated[sort[1:]] = key[sort[1:]] == key[sort[:-1]]
        if not repeated.any():
            break
        moved = product[repeated] - start[repeated] + 1
        product[repeated] = start[repeated] + moved % PRODUCTS_PER_CATEGORY
    return product


def _timestamps(day: np.ndarray, minute: np.ndarray) -> np.ndarray:
    """Microseconds since the epoch for a day number and a minute of that day."""
    return (day.astype(np.int64) * 1440 + minute.astype(np.int64)) * 60_000_000
