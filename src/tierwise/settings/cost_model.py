"""The ``costs:`` section of the policy: what serving a customer costs, driver by driver.

Time-driven activity-based costing: each activity costs its minutes at the hourly rate
of whoever spent them, plus a fixed cost per event for the types that carry one
(deliveries, rush orders, returns, support tickets); orders and order lines cost a fixed
amount each; payment terms cost the interest on the money outstanding. The defaults are
plausible for a mid-sized European B2B company in EUR; docs/cost-to-serve.md says where
each comes from and how to set your own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Driver = Literal[
    "people", "orders", "logistics", "returns", "support", "discounts", "payment_terms"
]

#: Every cost driver, in the order they are reported (columns ``cts_<driver>``).
DRIVERS: tuple[str, ...] = (
    "people",
    "orders",
    "logistics",
    "returns",
    "support",
    "discounts",
    "payment_terms",
)

#: Activity types that carry a fixed cost per event, and the CostModel field that holds it.
EVENT_COST_FIELDS: dict[str, str] = {
    "delivery": "cost_per_delivery",
    "rush_order": "cost_per_rush_order",
    "return": "cost_per_return",
    "support_ticket": "cost_per_support_ticket",
}


def _default_rates() -> dict[str, float]:
    return {
        "account_manager": 60.0,
        "key_account_manager": 80.0,
        "inside_sales": 45.0,
        "customer_service": 40.0,
        "sales_engineer": 70.0,
        "logistics": 35.0,
        "executive": 150.0,
    }


def _default_minutes() -> dict[str, float]:
    return {
        "visit": 150.0,
        "meeting": 60.0,
        "call": 15.0,
        "email": 5.0,
        "quote": 30.0,
        "revision": 20.0,
        "support_ticket": 30.0,
        "rush_order": 30.0,
        "delivery": 0.0,
        "return": 20.0,
        "qbr": 240.0,
        "exec_meeting": 90.0,
        "rebate": 0.0,
    }


def _default_type_roles() -> dict[str, str]:
    return {
        "support_ticket": "customer_service",
        "rush_order": "customer_service",
        "return": "customer_service",
        "delivery": "logistics",
        "exec_meeting": "executive",
    }


def _default_activity_drivers() -> dict[str, Driver]:
    return {
        "support_ticket": "support",
        "rush_order": "logistics",
        "delivery": "logistics",
        "return": "returns",
        "rebate": "discounts",
    }


class CostModel(BaseModel):
    """How much it costs to serve a customer: rates, standard times and costs per event."""

    model_config = ConfigDict(extra="forbid")

    hourly_rates: dict[str, float] = Field(
        default_factory=_default_rates,
        description=(
            "Fully loaded cost of one hour (salary, social charges, travel, tools, overhead) "
            "per role, in book currency. A key may also be a person's name as written in the "
            "activities' owner column, to give that person their own rate."
        ),
    )
    owner_roles: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Role of each owner named in the activities or customers, e.g. {anna.schmidt: "
            "key_account_manager}. The role must be a key of hourly_rates."
        ),
    )
    type_roles: dict[str, str] = Field(
        default_factory=_default_type_roles,
        description=(
            "Role that does each activity type when the owner is unknown, e.g. support tickets are "
            "handled by customer_service. Types not listed fall back to default_role."
        ),
    )
    default_role: str = Field(
        "account_manager",
        description=(
            "Role whose rate applies when neither the owner nor the activity type names one; such"
            " costs are marked estimated."
        ),
    )
    standard_minutes: dict[str, float] = Field(
        default_factory=_default_minutes,
        description=(
            "Minutes one activity of each type takes, used when an activity has no minutes (or "
            "impossible ones). A visit includes travel; a QBR includes preparation."
        ),
    )
    unknown_type_minutes: float = Field(
        30.0,
        ge=0,
        description=(
            "Minutes assumed for an activity type not listed in standard_minutes; such types are "
            "counted and named in the run's warnings."
        ),
    )
    max_minutes: float = Field(
        720.0,
        gt=0,
        description=(
            "Longest believable single activity, in minutes; longer ones are capped here and "
            "counted in the run's warnings."
        ),
    )
    activity_drivers: dict[str, Driver] = Field(
        default_factory=_default_activity_drivers,
        description=(
            "Cost driver each activity type is reported under (people, orders, logistics, returns, "
            "support, discounts, payment_terms). Types not listed count as people's time."
        ),
    )
    cost_per_order: float = Field(
        20.0,
        ge=0,
        description=(
            "Cost of processing one order: order entry, credit check, confirmation, invoicing, "
            "collection."
        ),
    )
    cost_per_order_line: float = Field(
        1.5, ge=0, description="Cost of each order line: picking, packing, checking one item."
    )
    cost_per_delivery: float = Field(
        25.0,
        ge=0,
        description=(
            "Freight and dispatch cost of one delivery, on top of any minutes recorded on it."
        ),
    )
    deliveries_per_order: float = Field(
        1.0,
        ge=0,
        description=(
            "Deliveries each order calls for; those not logged as `logistics` activities in the "
            "window are inferred (marked estimated). 0 = never infer deliveries."
        ),
    )
    cost_per_rush_order: float = Field(
        50.0,
        ge=0,
        description=(
            "Extra cost of a `rush_order` activity (express freight, re-planning), on top of its "
            "minutes."
        ),
    )
    cost_per_return: float = Field(
        35.0,
        ge=0,
        description=(
            "Cost of handling one return (reverse freight, inspection, restocking, credit note). "
            "Counted per `return` activity, plus one per negative transaction line beyond the "
            "returns logged under the `returns` driver."
        ),
    )
    cost_per_support_ticket: float = Field(
        10.0,
        ge=0,
        description=(
            "Cost of each `support_ticket` (tooling, escalation), on top of the minutes spent on "
            "it."
        ),
    )
    off_invoice_discount_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description=(
            "Share of revenue paid back outside the invoice (year-end rebates, bonuses, free "
            "goods) and not already in the transactions. On-invoice discounts are already out "
            "of `amount` and are shown in the price waterfall, not counted again."
        ),
    )
    payment_terms_days: float = Field(
        30.0,
        ge=0,
        description="Days customers take to pay, when the customers table has no such column.",
    )
    payment_terms_column: str = Field(
        "payment_terms_days",
        description=(
            "Column of the customers table that gives each customer's payment days, if present."
        ),
    )
    cost_of_capital: float = Field(
        0.08,
        ge=0,
        le=1,
        description=(
            "Yearly interest on money customers owe us (cost of payment terms). 0 = ignore "
            "payment terms."
        ),
    )
    low_price_realisation: float = Field(
        0.85,
        ge=0,
        le=1,
        description=(
            "Net price below this share of list price is named as a reason when a customer makes "
            "a loss."
        ),
    )

    @model_validator(mode="after")
    def _roles_have_rates(self) -> CostModel:
        problems: list[str] = []
        negative = {k: v for k, v in self.hourly_rates.items() if v < 0}
        if negative:
            problems.append(f"costs.hourly_rates has negative rates {negative}; use 0 or more")
        bad_minutes = {k: v for k, v in self.standard_minutes.items() if v < 0}
        if bad_minutes:
            problems.append(
                f"costs.standard_minutes has negative minutes {bad_minutes}; use 0 or more"
            )
        if self.default_role not in self.hourly_rates:
            problems.append(
                f"costs.default_role is {self.default_role!r} but hourly_rates has no such role; "
                f"add it to hourly_rates or pick one of {sorted(self.hourly_rates)}"
            )
        for key in ("owner_roles", "type_roles"):
            unknown = {k: r for k, r in getattr(self, key).items() if r not in self.hourly_rates}
            if unknown:
                problems.append(
                    f"costs.{key} names roles without a rate {unknown}; add them to "
                    f"costs.hourly_rates or use one of {sorted(self.hourly_rates)}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def event_costs(self) -> dict[str, float]:
        """Fixed cost per event of each activity type that carries one."""
        return {t: float(getattr(self, f)) for t, f in EVENT_COST_FIELDS.items()}
