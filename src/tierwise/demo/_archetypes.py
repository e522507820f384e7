"""The planted customer archetypes: how each one behaves, and what tierwise should find.

Every customer of the demo book is drawn as one archetype. Most are ``ordinary`` (no
expectation); the others carry a clear but noisy signature and the answers that the
analytics are expected to give for them (written to ``_truth.parquet``), so later tests
can measure precision and recall.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Activity types that people spend time on, drawn at a yearly rate per customer.
#: (``rush_order``, ``return`` and ``delivery`` follow from the orders instead.)
TOUCH_TYPES: tuple[str, ...] = (
    "visit",
    "meeting",
    "call",
    "email",
    "quote",
    "revision",
    "support_ticket",
    "qbr",
    "exec_meeting",
)

#: Typical minutes of one activity, by type (log-normal noise around these).
TYPE_MINUTES: dict[str, float] = {
    "visit": 150.0,
    "meeting": 60.0,
    "call": 15.0,
    "email": 6.0,
    "quote": 30.0,
    "revision": 20.0,
    "support_ticket": 30.0,
    "rush_order": 30.0,
    "delivery": 20.0,
    "return": 25.0,
    "qbr": 240.0,
    "exec_meeting": 90.0,
}

#: Roles of the sales team, as the policy's ``costs.hourly_rates`` names them.
ROLES: tuple[str, ...] = ("key_account_manager", "account_manager", "inside_sales")
SUPPORT_ROLE = "customer_service"

#: Touches per year an ordinary customer gets, by the role of its owner (TOUCH_TYPES order).
ROLE_TOUCH_RATES: np.ndarray = np.array(
    [
        [10.0, 8.0, 24.0, 30.0, 10.0, 4.0, 4.0, 4.0, 1.0],  # key account manager
        [3.0, 3.0, 12.0, 12.0, 6.0, 2.0, 2.0, 0.5, 0.0],  # account manager
        [0.1, 0.2, 6.0, 4.0, 3.0, 0.8, 1.5, 0.0, 0.0],  # inside sales
    ]
)


@dataclass(frozen=True)
class Archetype:
    """One planted behaviour: the draws that make it, and the answers expected for it."""

    name: str
    share: float
    size_quantiles: tuple[float, float] = (0.0, 1.0)
    new_customer_p: float = 0.25
    discount: tuple[float, float] | None = None
    satisfaction: tuple[float, float] | None = None
    fit_beta: tuple[float, float] = (2.0, 4.0)
    wallet_share: tuple[float, float] = (0.25, 0.85)
    lines_mult: float = 1.0
    lines_per_order_mult: float = 1.0
    line_value_mult: float = 1.0
    rush_p: float = 0.01
    return_p: float = 0.015
    trend: int = 0
    touch_mult: tuple[float, ...] = (1.0,) * len(TOUCH_TYPES)
    touch_add: tuple[float, ...] = (0.0,) * len(TOUCH_TYPES)
    minutes_mult: float = 1.0
    influence: float = 1.0
    knowledge: float = 1.0
    engagement: float = 1.0
    referrals: float = 0.02
    signal_add: tuple[tuple[str, float], ...] = ()
    owner_role: str | None = None
    churn_p: float = 0.0
    expected_level: int | None = None
    expected_trend: str | None = None
    expected_strategic: bool | None = None
    expected_alignment: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _touch(**kwargs: float) -> tuple[float, ...]:
    """A touch vector in TOUCH_TYPES order from keyword values (others 0 or 1)."""
    return tuple(kwargs.get(t, 0.0) for t in TOUCH_TYPES)


def _mult(default: float = 1.0, **kwargs: float) -> tuple[float, ...]:
    return tuple(kwargs.get(t, default) for t in TOUCH_TYPES)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("ordinary", share=0.685, churn_p=0.10),
    Archetype(
        "strategic_key_account",
        share=0.01,
        size_quantiles=(0.95, 0.998),
        new_customer_p=0.0,
        discount=(0.07, 0.13),
        satisfaction=(0.8, 0.95),
        fit_beta=(8.0, 2.0),
        wallet_share=(0.3, 0.6),
        touch_add=_touch(qbr=2.0, exec_meeting=2.0),
        influence=3.0,
        knowledge=4.0,
        engagement=2.0,
        referrals=1.5,
        signal_add=(("co_development", 0.3), ("reference_call", 0.5)),
        owner_role="key_account_manager",
        expected_strategic=True,
    ),
    Archetype(
        "strategic_small",
        share=0.02,
        size_quantiles=(0.25, 0.6),
        new_customer_p=0.0,
        discount=(0.04, 0.10),
        satisfaction=(0.82, 0.98),
        fit_beta=(9.0, 1.8),
        wallet_share=(0.08, 0.2),
        trend=0,
        touch_add=_touch(meeting=2.0, exec_meeting=0.5, qbr=1.0),
        influence=4.0,
        knowledge=4.0,
        engagement=3.0,
        referrals=5.0,
        signal_add=(
            ("case_study", 0.6),
            ("co_development", 0.6),
            ("reference_call", 0.8),
            ("beta_test", 0.4),
        ),
        owner_role="account_manager",
        expected_strategic=True,
    ),
    Archetype(
        "large_not_strategic",
        share=0.015,
        size_quantiles=(0.93, 0.995),
        new_customer_p=0.0,
        discount=(0.28, 0.34),
        fit_beta=(1.2, 9.0),
        touch_mult=_mult(2.0),
        return_p=0.03,
        rush_p=0.05,
        wallet_share=(0.6, 0.95),
        influence=0.0,
        knowledge=0.3,
        engagement=0.5,
        referrals=0.0,
        expected_strategic=False,
    ),
    Archetype(
        "loss_maker_high_maintenance",
        share=0.04,
        size_quantiles=(0.05, 0.35),
        new_customer_p=0.1,
        discount=(0.14, 0.22),
        satisfaction=(0.3, 0.7),
        lines_mult=2.0,
        lines_per_order_mult=0.3,
        line_value_mult=0.5,
        rush_p=0.35,
        return_p=0.10,
        touch_mult=_mult(call=3.0, revision=4.0, quote=3.0, support_ticket=6.0),
        touch_add=_touch(call=30.0, support_ticket=18.0, revision=6.0, quote=6.0),
        minutes_mult=2.0,
        owner_role="inside_sales",
    ),
    Archetype(
        "under_served_quiet",
        share=0.02,
        size_quantiles=(0.8, 0.97),
        new_customer_p=0.0,
        discount=(0.06, 0.14),
        wallet_share=(0.12, 0.3),
        touch_mult=_mult(0.06),
        expected_alignment="under_served",
    ),
    Archetype(
        "over_served_small",
        share=0.03,
        size_quantiles=(0.05, 0.4),
        new_customer_p=0.05,
        touch_mult=_mult(2.0),
        touch_add=_touch(visit=12.0, meeting=10.0, call=20.0, email=20.0, qbr=2.0),
        owner_role="account_manager",
        expected_alignment="over_served",
    ),
    Archetype(
        "declining",
        share=0.04,
        size_quantiles=(0.35, 0.92),
        new_customer_p=0.0,
        satisfaction=(0.65, 0.85),
        trend=1,
        expected_trend="deteriorating",
    ),
    Archetype(
        "improving",
        share=0.035,
        size_quantiles=(0.35, 0.92),
        new_customer_p=0.0,
        satisfaction=(0.35, 0.55),
        trend=2,
        expected_trend="improving",
    ),
    Archetype(
        "level_1",
        share=0.03,
        size_quantiles=(0.45, 0.95),
        new_customer_p=0.0,
        discount=(0.04, 0.10),
        satisfaction=(0.92, 1.0),
        fit_beta=(4.0, 3.0),
        influence=3.0,
        engagement=2.0,
        referrals=0.4,
        expected_level=1,
    ),
    Archetype(
        "level_2",
        share=0.025,
        size_quantiles=(0.45, 0.95),
        new_customer_p=0.0,
        discount=(0.03, 0.09),
        satisfaction=(0.08, 0.32),
        influence=0.2,
        engagement=0.5,
        referrals=0.0,
        expected_level=2,
    ),
    Archetype(
        "level_3",
        share=0.025,
        size_quantiles=(0.3, 0.8),
        new_customer_p=0.0,
        discount=(0.29, 0.35),
        satisfaction=(0.88, 1.0),
        touch_mult=_mult(2.5),
        touch_add=_touch(visit=6.0, meeting=6.0, call=20.0, support_ticket=8.0),
        return_p=0.05,
        rush_p=0.10,
        influence=2.0,
        referrals=0.2,
        expected_level=3,
    ),
    Archetype(
        "level_4",
        share=0.025,
        size_quantiles=(0.1, 0.6),
        new_customer_p=0.0,
        discount=(0.27, 0.33),
        satisfaction=(0.05, 0.3),
        touch_mult=_mult(2.0),
        touch_add=_touch(call=20.0, support_ticket=10.0, visit=3.0, meeting=3.0),
        return_p=0.06,
        rush_p=0.10,
        influence=0.0,
        referrals=0.0,
        expected_level=4,
    ),
)

ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in ARCHETYPES)


def archetype_counts(customers: int) -> np.ndarray:
    """Exact number of customers of each archetype (largest-remainder rounding).

    Exact counts keep small books useful: every planted archetype appears as soon as
    its share times the book size reaches one half.
    """
    shares = np.array([a.share for a in ARCHETYPES])
    shares = shares / shares.sum()
    raw = shares * customers
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: customers - counts.sum()]] += 1
    return counts


def parameter_table(attr: str) -> np.ndarray:
    """One archetype attribute as an array indexed by archetype code."""
    return np.array([getattr(a, attr) for a in ARCHETYPES])
