"""Signals and tasks for one block of customers: what they say, give and ask of us.

Each signal kind comes at a yearly rate per customer, drawn separately for the early
part of the book and its last six months, so that trends (NPS falling, complaints
rising) show up in both the counts and the values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tierwise.demo import _words as words
from tierwise.demo._archetypes import ARCHETYPES, ROLE_TOUCH_RATES, TOUCH_TYPES
from tierwise.demo._effort import separate_collisions
from tierwise.demo._orders import TREND_DAYS
from tierwise.demo._population import MEDIAN_SIZE, Population

#: Signal kinds written by the demo, in code order.
SIGNAL_KINDS: tuple[str, ...] = (
    "nps",
    "csat",
    "usage",
    "complaint",
    "outcome",
    "review",
    "case_study",
    "reference_call",
    "social_mention",
    "feedback",
    "idea",
    "beta_test",
    "co_development",
    "event",
    "community",
    "training",
    "referral",
)
K = {kind: i for i, kind in enumerate(SIGNAL_KINDS)}
INFLUENCE = ("review", "case_study", "reference_call", "social_mention")
KNOWLEDGE = ("feedback", "idea", "beta_test", "co_development")
ENGAGEMENT = ("event", "community", "training")
#: Yearly base rates of the influence, knowledge and engagement kinds.
BASE_RATES = {
    "review": 0.06,
    "case_study": 0.01,
    "reference_call": 0.02,
    "social_mention": 0.05,
    "feedback": 0.3,
    "idea": 0.08,
    "beta_test": 0.02,
    "co_development": 0.006,
    "event": 0.3,
    "community": 0.15,
    "training": 0.25,
}
#: Satisfaction change over the last six months, by trend code (none, declining, improving).
SATISFACTION_SHIFT = np.array([0.0, -0.45, 0.4])
#: Task horizon: due dates from this many days before the end of the book to after it.
TASKS_BEFORE, TASKS_AFTER = 120, 45
TASKS_PER_ROLE = np.array([8.0, 4.0, 0.6])


@dataclass
class BlockSignals:
    """Signals of one block sorted by time; value NaN and note -1 mean none."""

    customer: np.ndarray
    kind: np.ndarray
    timestamp_us: np.ndarray
    value: np.ndarray
    referred: np.ndarray
    note_kind: np.ndarray
    note: np.ndarray


def _yearly_rates(
    pop: Population, idx: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Rates per year (n, kinds, 2 periods) and satisfaction (n, 2 periods) of each customer.

    The referral kind stays at zero: referrals are drawn for the whole book beforehand.
    """
    arch = pop.archetype[idx]
    n = len(idx)
    sat = pop.satisfaction[idx]
    trend = np.array([a.trend for a in ARCHETYPES])[arch]
    late = np.clip(sat + SATISFACTION_SHIFT[trend], 0.0, 1.0)
    sats = np.stack([sat, late], axis=1)
    size_factor = (pop.size[idx] / MEDIAN_SIZE) ** 0.2
    planted_level = np.array([a.expected_level is not None for a in ARCHETYPES])[arch]
    strategic = np.array([a.expected_strategic is True for a in ARCHETYPES])[arch]
    rates = np.zeros((n, len(SIGNAL_KINDS), 2))
    responder = (rng.random(n) < 0.6) | planted_level | (trend > 0)
    rates[:, K["nps"], :] = np.where(responder, 1.5, 0.15)[:, None]
    # a CSAT survey follows some support tickets
    ticket = TOUCH_TYPES.index("support_ticket")
    tickets = (
        ROLE_TOUCH_RATES[pop.role[idx], ticket]
        * np.array([a.touch_mult[ticket] for a in ARCHETYPES])[arch]
        + np.array([a.touch_add[ticket] for a in ARCHETYPES])[arch]
    )
    rates[:, K["csat"], :] = (0.4 * tickets)[:, None]
    usage = (rng.random(n) < 0.45) | planted_level | strategic
    rates[:, K["usage"], :] = np.where(usage, 4.0, 0.0)[:, None]
    rates[:, K["complaint"], :] = (0.15 + 4.0 * (1.0 - sats) ** 2) * size_factor[:, None]
    tracked = (rng.random(n) < 0.3) | planted_level | strategic
    rates[:, K["outcome"], :] = np.where(tracked, 1.0, 0.0)[:, None]
    happy = np.where(sats > 0.7, 1.0, 0.25)
    for group, attr in (
        (INFLUENCE, "influence"),
        (KNOWLEDGE, "knowledge"),
        (ENGAGEMENT, "engagement"),
    ):
        mult = np.array([getattr(a, attr) for a in ARCHETYPES])[arch]
        for kind in group:
            scale = happy if group is INFLUENCE else 1.0
            rates[:, K[kind], :] = BASE_RATES[kind] * mult[:, None] * scale
    for a_code, archetype in enumerate(ARCHETYPES):
        for kind, extra in archetype.signal_add:
            rates[arch == a_code, K[kind], :] += extra
    return rates, sats


def signals(rng: np.random.Generator, pop: Population, lo: int, hi: int) -> BlockSignals:
    """Draw the signals of customers ``lo .. hi-1``, with their referrals."""
    idx = np.arange(lo, hi)
    a, b = pop.active_start[idx], pop.active_end[idx]
    cut = pop.end_day - TREND_DAYS + 1
    first = np.stack([a, np.maximum(a, cut)], axis=1)
    last = np.stack([np.minimum(b, cut - 1), b], axis=1)
    length = np.maximum(last - first + 1, 0)
    rates, sats = _yearly_rates(pop, idx, rng)
    counts = rng.poisson(rates * (length / 365.25)[:, None, :]).ravel()
    flat = np.repeat(np.arange(counts.size), counts)
    local, rest = np.divmod(flat, len(SIGNAL_KINDS) * 2)
    kind, period = np.divmod(rest, 2)
    f, l_ = first[local, period], last[local, period]
    day = f + np.floor(rng.random(len(flat)) * (l_ - f + 1)).astype(np.int64)
    sat = sats[local, period]
    m = len(flat)
    value = np.full(m, np.nan)
    noise = rng.normal(0.0, 1.0, m)
    value = np.where(kind == K["nps"], np.clip(np.round(10 * sat + 0.7 * noise), 0, 10), value)
    value = np.where(kind == K["csat"], np.clip(np.round(1 + 4 * sat + 0.5 * noise), 1, 5), value)
    value = np.where(
        kind == K["usage"], np.clip(np.round(0.1 + 0.85 * sat + 0.06 * noise, 3), 0, 1), value
    )
    outcome = pop.size[idx][local] * rng.uniform(0.05, 0.3, m) * (0.3 + sat)
    value = np.where(kind == K["outcome"], np.round(outcome, -1), value)
    # referrals of this block's customers, drawn once for the whole book
    r_lo, r_hi = np.searchsorted(pop.referrer, [lo, hi])
    r_customer = pop.referrer[r_lo:r_hi]
    customer = np.concatenate([local + lo, r_customer])
    kind = np.concatenate([kind, np.full(r_hi - r_lo, K["referral"])])
    day = np.concatenate([day, pop.referral_day[r_lo:r_hi]])
    value = np.concatenate([value, np.full(r_hi - r_lo, np.nan)])
    referred = np.concatenate([np.full(m, -1), pop.referred[r_lo:r_hi]])
    # notes: one of the kind's short texts where the kind has any
    note_choice = rng.integers(0, 1 << 30, size=len(kind))
    note_sizes = np.array([len(words.SIGNAL_NOTES.get(k, ())) for k in SIGNAL_KINDS])
    has_note = note_sizes[kind] > 0
    note = np.where(has_note, note_choice % np.maximum(note_sizes[kind], 1), -1)
    minute = rng.integers(8 * 60, 18 * 60, size=len(day))
    timestamp = separate_collisions((day * 1440 + minute) * 60_000_000, customer, kind)
    sort = np.lexsort((kind, customer, timestamp))
    return BlockSignals(
        customer=customer[sort],
        kind=kind[sort],
        timestamp_us=timestamp[sort],
        value=value[sort],
        referred=referred[sort],
        note_kind=kind[sort],
        note=note[sort],
    )


@dataclass
class BlockTasks:
    """Open and recent follow-ups of one block, sorted by due date."""

    customer: np.ndarray
    owner: np.ndarray
    title: np.ndarray
    due_day: np.ndarray
    done: np.ndarray
    important: np.ndarray


def tasks(rng: np.random.Generator, pop: Population, lo: int, hi: int) -> BlockTasks:
    """Draw the follow-ups due around the end of the book for customers ``lo .. hi-1``."""
    idx = np.arange(lo, hi)
    arch = pop.archetype[idx]
    boost = np.array([2.0 if a.expected_strategic else 1.0 for a in ARCHETYPES])[arch]
    active = pop.active_end[idx] >= pop.end_day - TASKS_BEFORE
    mean = TASKS_PER_ROLE[pop.role[idx]] * boost * active
    local = np.repeat(np.arange(len(idx)), rng.poisson(mean))
    m = len(local)
    due = pop.end_day + rng.integers(-TASKS_BEFORE, TASKS_AFTER + 1, size=m)
    title = rng.integers(len(words.TASK_TITLES), size=m)
    flags = np.array([imp for _, imp in words.TASK_TITLES])
    important = flags[title] ^ (rng.random(m) < 0.1)
    done = np.where(due <= pop.end_day, rng.random(m) < 0.8, rng.random(m) < 0.05)
    customer = local + lo
    sort = np.lexsort((title, customer, due))
    return BlockTasks(
        customer=customer[sort],
        owner=pop.owner[customer][sort],
        title=title[sort],
        due_day=due[sort],
        done=done[sort],
        important=important[sort],
    )
