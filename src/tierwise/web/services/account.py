"""One account, as its page and the API show it: every scorecard figure, grouped, each
group with the reason the analysis gave, and the account's tier and level over the runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tierwise.web.services.accounts import get_account
from tierwise.web.services.runs import RunCatalog, RunRef
from tierwise.web.services.scorecard import ScorecardStore
from tierwise.web.services.viewer import Viewer

#: (title, the column holding the group's reason, [(column, label, kind)]).
GROUPS: tuple[tuple[str, str | None, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Tier and strategic score",
        "reasons",
        (
            ("tier", "Tier", "text"),
            ("model_tier", "Tier the evidence gives", "text"),
            ("strategic_score", "Strategic score", "score"),
            ("strategic_rank", "Strategic rank", "count"),
            ("revenue_rank", "Revenue rank", "count"),
            ("objective_net_profit", "from net profit", "score"),
            ("objective_growth_potential", "from growth potential", "score"),
            ("objective_cev", "from engagement value (CEV)", "score"),
            ("objective_engagement_value", "from referrals, influence, knowledge", "score"),
            ("objective_strategic_fit", "from strategic fit", "score"),
        ),
    ),
    (
        "Profit",
        "loss_drivers",
        (
            ("revenue", "Revenue", "money"),
            ("gross_margin", "Gross margin", "money"),
            ("cost_to_serve", "Cost to serve", "money"),
            ("net_profit", "Net profit", "money"),
            ("list_revenue", "Revenue at list price", "money"),
            ("discount_amount", "Discounts", "money"),
            ("price_realisation", "Price realisation", "share"),
            ("returns_amount", "Returns", "money"),
        ),
    ),
    (
        "Lifetime value",
        None,
        (
            ("p_alive", "P(alive)", "share"),
            ("expected_purchases", "Expected purchases", "number"),
            ("clv", "CLV", "money"),
            ("crv", "Referral value (CRV)", "money"),
            ("civ", "Influence value (CIV)", "money"),
            ("ckv", "Knowledge value (CKV)", "money"),
            ("cev", "Engagement value (CEV)", "money"),
        ),
    ),
    (
        "Relationship",
        "recommended_play",
        (
            ("relationship_level", "Level", "count"),
            ("relationship_trend", "Trend", "text"),
            ("level_alert", "Alert", "bool"),
            ("value_to_us", "Value to us", "score"),
            ("value_to_client", "Value to the customer", "score"),
            ("client_satisfaction", "Satisfaction", "score"),
            ("client_usage", "Usage", "score"),
            ("client_complaint_count", "Complaints", "count"),
        ),
    ),
    (
        "Service: effort against entitlement",
        "service_notes",
        (
            ("alignment", "Alignment", "text"),
            ("effort_hours", "Hours spent", "hours"),
            ("entitled_hours", "Hours the tier entitles", "hours"),
            ("hours_gap", "Gap (spent − entitled)", "hours"),
            ("money_at_stake", "Money at stake", "money"),
            ("cadence_missed", "Cadence missed", "bool"),
            ("days_since_touch", "Days since last touch", "count"),
        ),
    ),
    (
        "Buying",
        None,
        (
            ("orders", "Orders", "count"),
            ("first_purchase", "First purchase", "date"),
            ("last_purchase", "Last purchase", "date"),
            ("recency_days", "Days since last purchase", "count"),
            ("rfm_score", "R/F/M score", "text"),
            ("rfm_segment", "R/F/M segment", "text"),
        ),
    ),
)
#: Labels of the cost-to-serve drivers (scorecard columns cts_*).
COST_DRIVERS = {
    "cts_people": "People's time",
    "cts_orders": "Order handling",
    "cts_logistics": "Logistics",
    "cts_returns": "Returns",
    "cts_support": "Support",
    "cts_discounts": "Discounts",
    "cts_payment_terms": "Payment terms",
}
SHOWN = {"customer_id", "name", "owner", *COST_DRIVERS} | {
    c for _, reason, items in GROUPS for c in [reason, *(i[0] for i in items)] if c
}


@dataclass
class Figure:
    label: str
    value: Any
    kind: str  # money | share | score | count | number | hours | date | bool | text


@dataclass
class FigureGroup:
    title: str
    figures: list[Figure]
    reason: str | None = None


@dataclass
class AccountView:
    """Everything the account page shows, computed; the template only lays it out."""

    run: RunRef
    row: dict[str, Any]
    groups: list[FigureGroup]
    cost_breakdown: list[Figure]
    other: list[Figure]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def customer_id(self) -> str:
        return str(self.row["customer_id"])


def clean(value: Any) -> Any:
    """JSON-safe value: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def account_view(
    store: ScorecardStore, catalog: RunCatalog, run: RunRef, viewer: Viewer, customer_id: str
) -> AccountView:
    """The account page of ``customer_id`` in ``run``, checked against the viewer."""
    row = {k: clean(v) for k, v in get_account(store.table(run.path), viewer, customer_id).items()}
    groups = []
    for title, reason_column, items in GROUPS:
        figures = [Figure(label, row[c], kind) for c, label, kind in items if c in row]
        if figures:
            reason = row.get(reason_column) if reason_column else None
            groups.append(FigureGroup(title, figures, str(reason) if reason else None))
    costs = [Figure(label, row[c], "money") for c, label in COST_DRIVERS.items() if c in row]
    other = [Figure(c, row[c], "number") for c in row if c not in SHOWN]
    return AccountView(
        run=run,
        row=row,
        groups=groups,
        cost_breakdown=costs,
        other=other,
        history=history(store, catalog, run, customer_id),
    )


def history(
    store: ScorecardStore, catalog: RunCatalog, run: RunRef, customer_id: str
) -> list[dict[str, Any]]:
    """The account's tier, level and trend in every run of the same book, oldest first."""
    out = []
    for ref in catalog.of_book(run):
        t = store.table(ref.path)
        wanted = [c for c in ("tier", "relationship_level", "relationship_trend") if c in t.columns]
        rows = t.filter(t.customer_id == customer_id).select(wanted).limit(1).to_pyarrow()
        if rows.num_rows:
            out.append({"run": ref.id, "as_of": ref.as_of, **rows.to_pylist()[0]})
    return out
