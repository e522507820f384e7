"""What an account plan is made of: statements that cite their figures.

Every sentence of a plan carries the figures it rests on (``Figure``: name, value,
where it comes from, and whether it is internal — a margin, a cost-to-serve, a value we
put on the customer — so the joint version for the customer can leave it out).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

#: Figures the customer never sees: our margins, costs and the values we put on them.
INTERNAL_FIGURES = frozenset(
    {
        "gross_margin",
        "cost_to_serve",
        "net_profit",
        "clv",
        "cev",
        "crv",
        "civ",
        "ckv",
        "expected_margin",
        "margin_rate",
        "price_realisation",
        "discount_amount",
        "money_at_stake",
        "strategic_score",
        "strategic_rank",
        "p_alive",
        "loss_drivers",
        "value_to_us",
        "hours_gap",
        "effort_hours",
        "entitled_hours",
        "relationship_level",
        "tier",
        "influence",
        "sentiment",
    }
)


@dataclass
class Figure:
    """One figure a statement cites: ``source`` is the file and column it comes from."""

    name: str
    value: Any
    source: str

    @property
    def internal(self) -> bool:
        return self.name in INTERNAL_FIGURES or self.name.startswith("cts_")

    def shown(self) -> str:
        return f"{self.name.replace('_', ' ')} {fmt(self.value)} ({self.source})"


@dataclass
class Statement:
    text: str
    cites: list[Figure] = field(default_factory=list)

    @property
    def internal(self) -> bool:
        return any(f.internal for f in self.cites)


@dataclass
class Objective:
    key: str
    title: str
    because: Statement
    functions: list[str]
    #: shared with the customer in the joint plan (a loss driver is ours alone)
    joint: bool = True


@dataclass
class Action:
    key: str
    objective: str
    title: str
    owner: str | None
    due: str
    status: str = "open"


@dataclass
class Stakeholder:
    name: str
    title: str | None = None
    function: str | None = None
    role: str | None = None
    influence: str | None = None
    sentiment: str | None = None
    last_touch: str | None = None


@dataclass
class WhitespaceItem:
    item: str
    peer_penetration: float
    similar_penetration: float | None
    expected_margin: float
    why: str


@dataclass
class AccountPlan:
    """A draft (or kept) joint business plan for one account."""

    customer_id: str
    name: str | None
    owner: str | None
    tier: str | None
    as_of: str
    run: str
    summary: list[Statement] = field(default_factory=list)
    value_drivers: list[Statement] = field(default_factory=list)
    whitespace: list[WhitespaceItem] = field(default_factory=list)
    whitespace_note: str | None = None
    share_of_wallet: Statement | None = None
    objectives: list[Objective] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    stakeholder_gaps: list[Statement] = field(default_factory=list)
    risks: list[Statement] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def plan_from_dict(data: Any, *, source: str) -> AccountPlan:
    """An ``AccountPlan`` from its JSON form (an edited export or a kept version);
    a clear error names the field that does not fit."""
    from pydantic import TypeAdapter, ValidationError

    from tierwise.errors import InputError

    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "joint"}
        for w in data.get("whitespace") or []:
            if isinstance(w, dict) and w.get("expected_margin") is None:
                w["expected_margin"] = float("nan")
    try:
        return TypeAdapter(AccountPlan).validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InputError(f"{source} is not an account plan: {problems}") from None


def fmt(value: Any) -> str:
    """A figure as people read it: 15261.24 -> "15,261"; 0.25 -> "0.25"; None -> "unknown"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100 or value.is_integer():
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    return str(value)


def _clean(value: Any) -> Any:
    """NaN to None, so the JSON is valid."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
