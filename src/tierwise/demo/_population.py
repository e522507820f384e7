"""The customer population: every per-customer trait the demo book is generated from.

Drawn once for the whole book (a few dozen numbers per customer, so a million customers
fit easily in memory), before any transaction: traits that need the whole book (size
ranks, owners, who referred whom, the normalising constant for the number of lines) are
then the same whatever chunk size writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import ndtri

from tierwise.demo import _words as words
from tierwise.demo._archetypes import ARCHETYPES, ROLES, SUPPORT_ROLE, archetype_counts

#: Median yearly spend of a customer (EUR), and the log-normal spread of sizes. A spread
#: of 1.55 puts about 75% of revenue with the top 20% of customers.
MEDIAN_SIZE = 12_000.0
SIZE_SIGMA = 1.55
#: How the number of order lines grows with size: twice the spend, 2**0.4 = 1.3 times the
#: lines (small accounts buy in small, frequent orders that cost more to serve).
LINES_ELASTICITY = 0.4
#: Size quantiles that set the owner's role: the top 3% have key-account managers,
#: the next 22% account managers, the rest inside sales.
KEY_ACCOUNT_QUANTILE = 0.97
ACCOUNT_QUANTILE = 0.75
#: Customers each person of a role covers (team sizes scale with the book).
ACCOUNTS_PER_PERSON = {  # sized so each person logs about 1,200-1,400 customer hours a year
    "key_account_manager": 22,
    "account_manager": 45,
    "inside_sales": 170,
}
CUSTOMERS_PER_SUPPORT_AGENT = 600
#: Seed streams, one per kind of draw, so adding a table never changes the others.
STREAM_POPULATION = 0
EPOCH = np.datetime64("1970-01-01", "D")


def day_number(d: date) -> int:
    """Days since 1970-01-01, the integer time base of the generator."""
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


@dataclass
class Population:
    """Per-customer traits, indexed by customer number (ids are issued in order of creation)."""

    start_day: int
    end_day: int
    customer_id: pa.Array
    archetype: np.ndarray
    created_day: np.ndarray
    active_start: np.ndarray
    active_end: np.ndarray
    size: np.ndarray
    wallet: np.ndarray
    strategic_fit: np.ndarray
    discount: np.ndarray
    satisfaction: np.ndarray
    lines_per_year: np.ndarray
    lines_per_order: np.ndarray
    line_value: np.ndarray
    preferred_categories: np.ndarray
    role: np.ndarray
    owner: np.ndarray
    support_owner: np.ndarray
    region: np.ndarray
    industry: np.ndarray
    name: pa.Array
    team_names: list[str]
    team_roles: list[str]
    referrer: np.ndarray
    referred: np.ndarray
    referral_day: np.ndarray

    @property
    def customers(self) -> int:
        return len(self.archetype)


def customer_ids(count: int) -> pa.Array:
    """Ids "C000001", ... wide enough for the book (at least six digits)."""
    width = max(6, len(str(count)))
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise("C", pc.utf8_lpad(numbers, width=width, padding="0"), "")


def _param(attr: str, codes: np.ndarray) -> np.ndarray:
    return np.array([getattr(a, attr) for a in ARCHETYPES])[codes]


def _range_param(attr: str, codes: np.ndarray, default: tuple[float, float]) -> np.ndarray:
    """Lower and upper bounds per customer of an archetype range attribute (n, 2)."""
    table = np.array(
        [getattr(a, attr) if getattr(a, attr) is not None else default for a in ARCHETYPES]
    )
    return table[codes]


def _has(attr: str, codes: np.ndarray) -> np.ndarray:
    return np.array([getattr(a, attr) is not None for a in ARCHETYPES])[codes]


def _team(role_counts: np.ndarray, customers: int) -> tuple[list[str], list[str]]:
    """Person names and roles of the sales team (small: a loop over people is fine)."""
    sizes = [
        max(2, -(-int(c) // ACCOUNTS_PER_PERSON[r]))
        for r, c in zip(ROLES, role_counts, strict=True)
    ]
    sizes.append(max(2, -(-customers // CUSTOMERS_PER_SUPPORT_AGENT)))
    roles = [r for r, k in zip((*ROLES, SUPPORT_ROLE), sizes, strict=True) for _ in range(k)]
    nf, nl = len(words.FIRST_NAMES), len(words.LAST_NAMES)
    names = []
    for i in range(len(roles)):
        first = words.FIRST_NAMES[i % nf]
        last = words.LAST_NAMES[(i * 7 + i // nf) % nl]
        suffix = "" if i < nf * nl else f" {i // (nf * nl) + 1}"
        names.append(f"{first} {last}{suffix}")
    return names, roles


def _company_names(rng: np.random.Generator, region: np.ndarray) -> pa.Array:
    """Plausible company names: head [qualifier] trade legal-form; unique while space allows."""
    n = len(region)
    nh, nq, nt = len(words.NAME_HEADS), len(words.NAME_QUALIFIERS), len(words.NAME_TRADES)
    space = nh * nq * nt * 4
    codes = (
        rng.choice(space, size=n, replace=False) if n <= space // 2 else rng.integers(space, size=n)
    )
    head, rest = np.divmod(codes, nq * nt * 4)
    qual, rest = np.divmod(rest, nt * 4)
    trade, slot = np.divmod(rest, 4)
    legal = [form for forms in words.LEGAL_FORMS for form in forms]
    joined = pc.binary_join_element_wise(
        pa.array(words.NAME_HEADS).take(pa.array(head)),
        pa.array(words.NAME_QUALIFIERS).take(pa.array(qual)),
        pa.array(words.NAME_TRADES).take(pa.array(trade)),
        pa.array(legal).take(pa.array(region * 4 + slot)),
        " ",
    )
    return pc.replace_substring(joined, "  ", " ")


def _referrals(
    rng: np.random.Generator,
    archetype: np.ndarray,
    created: np.ndarray,
    start_day: int,
    end_day: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who referred whom: each referred customer was created after its referrer, in the window.

    Customers are numbered in order of creation, so the candidates for a referrer are a
    contiguous range of later numbers. A customer is referred at most once; strategic
    small accounts get first pick.
    """
    mean = _param("referrals", archetype)
    strategic = np.array([a.name == "strategic_small" for a in ARCHETYPES])[archetype]
    counts = rng.poisson(mean)
    counts[strategic] = 3 + rng.poisson(2.0, size=int(strategic.sum()))
    referrer = np.repeat(np.arange(len(archetype)), counts)
    lo = np.searchsorted(created, np.maximum(created[referrer] + 1, start_day), side="left")
    hi = np.searchsorted(created, end_day - 14, side="right")
    pick = lo + np.floor(rng.random(len(referrer)) * (hi - lo)).astype(np.int64)
    ok = hi > lo
    referrer, pick = referrer[ok], pick[ok]
    # one referrer per referred customer: strategic accounts first, then by number
    priority = np.where(strategic[referrer], 0, 1)
    order = np.lexsort((referrer, priority))
    _, first = np.unique(pick[order], return_index=True)
    keep = np.sort(order[first])
    referrer, referred = referrer[keep], pick[keep]
    order = np.lexsort((referred, referrer))
    referrer, referred = referrer[order], referred[order]
    lead = rng.integers(1, 21, size=len(referred))
    day = np.maximum(created[referred] - lead, created[referrer] + 1)
    return referrer, referred, day


def draw_population(
    customers: int, seed: int, years: float, end_date: date, lines_per_customer: float
) -> Population:
    """Draw every customer's traits for a book of ``customers`` customers."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, STREAM_POPULATION])))
    end_day = day_number(end_date)
    span_days = round(365.25 * years)
    start_day = end_day - span_days + 1
    n = customers
    archetype = rng.permutation(
        np.repeat(np.arange(len(ARCHETYPES), dtype=np.int8), archetype_counts(n))
    )
    # creation: long-standing customers before the window, new ones inside it
    new = rng.random(n) < _param("new_customer_p", archetype)
    years_before = rng.gamma(1.3, 3.0, size=n)
    years_before = np.where(years_before > 25.0, rng.uniform(0.0, 25.0, n), years_before)
    created = np.where(
        new,
        rng.integers(start_day, end_day - 6, size=n),
        start_day - 1 - np.floor(years_before * 365.25).astype(np.int64),
    )
    order = np.argsort(created, kind="stable")
    archetype, created = archetype[order], created[order]
    # size: a log-normal drawn within the archetype's quantile range
    quantiles = _range_param("size_quantiles", archetype, (0.0, 1.0))
    u = quantiles[:, 0] + (quantiles[:, 1] - quantiles[:, 0]) * rng.random(n)
    z = ndtri(np.clip(u, 1e-6, 1 - 1e-6))
    size = MEDIAN_SIZE * np.exp(SIZE_SIGMA * z)
    # activity span inside the window; some ordinary customers stop buying
    active_start = np.maximum(created, start_day)
    churn = rng.random(n) < _param("churn_p", archetype)
    churn_day = active_start + np.floor(rng.random(n) * (end_day - active_start + 1)).astype(
        np.int64
    )
    active_end = np.where(churn, np.maximum(churn_day, active_start + 30), end_day)
    active_end = np.minimum(active_end, end_day)
    # prices and satisfaction
    default_discount = np.clip(0.05 + 0.045 * (z + 1.5) + rng.normal(0, 0.04, n), 0.0, 0.35)
    bounds = _range_param("discount", archetype, (0.0, 0.0))
    planted = _has("discount", archetype)
    discount = np.where(
        planted, bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.random(n), default_discount
    )
    bounds = _range_param("satisfaction", archetype, (0.0, 0.0))
    planted = _has("satisfaction", archetype)
    satisfaction = np.where(
        planted,
        bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.random(n),
        rng.beta(6.0, 3.0, size=n),
    )
    fit = _range_param("fit_beta", archetype, (2.0, 4.0))
    strategic_fit = np.round(rng.beta(fit[:, 0], fit[:, 1]), 2)
    bounds = _range_param("wallet_share", archetype, (0.25, 0.85))
    share = bounds[:, 0] + (bounds[:, 1] - bounds[:, 0]) * rng.random(n)
    share = np.where(rng.random(n) < 0.05, rng.uniform(1.0, 1.3, n), share)  # bad estimates
    wallet = np.round(size / share, -2)
    # rhythm: lines per year normalised so the book averages lines_per_customer lines
    line_weight = (size / MEDIAN_SIZE) ** LINES_ELASTICITY * _param("lines_mult", archetype)
    span_years = (active_end - active_start + 1) / 365.25
    scale = n * lines_per_customer / max(float(np.sum(line_weight * span_years)), 1e-9)
    lines_per_year = scale * line_weight
    line_value = size * _param("line_value_mult", archetype) / lines_per_year
    lines_per_order = np.clip(
        1.0 + 1.2 * (size / MEDIAN_SIZE) ** 0.3 * _param("lines_per_order_mult", archetype),
        1.0,
        15.0,
    )
    # what they buy: three preferred categories, weighted by industry
    industry = rng.choice(len(words.INDUSTRIES), size=n, p=_normalised(words.INDUSTRY_WEIGHTS))
    region = rng.choice(len(words.REGIONS), size=n, p=_normalised(words.REGION_WEIGHTS))
    affinity = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 99]))).gamma(
        0.6, 1.0, size=(len(words.INDUSTRIES), len(words.CATEGORIES))
    )
    gumbel = -np.log(-np.log(rng.random((n, len(words.CATEGORIES)))))
    preferred = np.argsort(-(np.log(affinity[industry] + 1e-9) + gumbel), axis=1)[:, :3]
    # owners: role from the global size rank, overridden by some archetypes
    rank = np.empty(n, dtype=np.float64)
    rank[np.argsort(size, kind="stable")] = (np.arange(n) + 0.5) / max(n, 1)
    role = np.where(rank >= KEY_ACCOUNT_QUANTILE, 0, np.where(rank >= ACCOUNT_QUANTILE, 1, 2))
    override = np.array([ROLES.index(a.owner_role) if a.owner_role else -1 for a in ARCHETYPES])
    role = np.where(override[archetype] >= 0, override[archetype], role).astype(np.int8)
    role_counts = np.bincount(role, minlength=len(ROLES))
    team_names, team_roles = _team(role_counts, n)
    offsets = np.array([team_roles.index(r) for r in ROLES])
    team_sizes = np.array([team_roles.count(r) for r in ROLES])
    owner = offsets[role] + np.floor(rng.random(n) * team_sizes[role]).astype(np.int64)
    support_first = team_roles.index(SUPPORT_ROLE)
    support_owner = support_first + rng.integers(team_roles.count(SUPPORT_ROLE), size=n)
    name = _company_names(rng, region)
    referrer, referred, referral_day = _referrals(rng, archetype, created, start_day, end_day)
    return Population(
        start_day=start_day,
        end_day=end_day,
        customer_id=customer_ids(n),
        archetype=archetype,
        created_day=created,
        active_start=active_start,
        active_end=active_end,
        size=size,
        wallet=wallet,
        strategic_fit=strategic_fit,
        discount=discount,
        satisfaction=satisfaction,
        lines_per_year=lines_per_year,
        lines_per_order=lines_per_order,
        line_value=line_value,
        preferred_categories=preferred,
        role=role,
        owner=owner,
        support_owner=support_owner,
        region=region,
        industry=industry,
        name=name,
        team_names=team_names,
        team_roles=team_roles,
        referrer=referrer,
        referred=referred,
        referral_day=referral_day,
    )


def _normalised(weights: tuple[float, ...]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum()
