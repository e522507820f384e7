"""The ``agenda:`` section of the policy: what makes an item important, urgent, and how long.

The rules of the priority matrix live here so a team can read and change them; every
item's ``why`` names the rule that placed it. Defaults are complete, so a policy file
without this section (every policy written before it existed) stays valid.
"""

from __future__ import annotations

from datetime import time
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

KINDS = ("purchase", "task", "cadence", "review", "alert", "override", "plan_action", "reduce")


def _default_minutes() -> dict[str, int]:
    return {
        "purchase": 10,
        "task": 20,
        "cadence": 30,
        "review": 60,
        "alert": 30,
        "override": 10,
        "plan_action": 30,
        "reduce": 0,
    }


class ImportanceRules(BaseModel):
    """An item is important when its account's tier or value says so (either rule)."""

    model_config = ConfigDict(extra="forbid")

    tiers: list[str] = Field(
        default_factory=lambda: ["strategic", "growth"],
        description="Tiers whose accounts are important; their items come first, in this order.",
    )
    value_column: str = Field(
        default="strategic_score",
        description="Scorecard column that measures an account's value (strategic_score, cev, …).",
    )
    min_value: float | None = Field(
        default=0.8,
        description=(
            "Accounts whose value_column reaches this are important whatever their tier; "
            "empty = the tier rule only."
        ),
    )
    task_flag: bool = Field(
        default=True,
        description="Whether a task marked `important` in the book is important by itself.",
    )


class UrgencyRules(BaseModel):
    """An item is urgent when it is due soon, its cadence is overdue, or an alert is raised."""

    model_config = ConfigDict(extra="forbid")

    due_within_days: int = Field(
        default=1,
        ge=0,
        description="Items due within this many days of the agenda's date (or overdue) are urgent.",
    )
    alerts: bool = Field(
        default=True, description="Whether relationship alerts are urgent by themselves."
    )


class AgendaSettings(BaseModel):
    """The daily agenda: candidate items, the priority matrix's rules, and time per item."""

    model_config = ConfigDict(extra="forbid")

    importance: ImportanceRules = Field(
        default_factory=lambda: ImportanceRules(),
        description="What makes an item important (the account's tier and value).",
    )
    urgency: UrgencyRules = Field(
        default_factory=lambda: UrgencyRules(),
        description="What makes an item urgent (due dates, cadence, alerts).",
    )
    minutes: dict[str, int] = Field(
        default_factory=_default_minutes,
        description=f"Planned minutes per item kind ({', '.join(KINDS)}).",
    )
    delegate_minutes: int = Field(
        default=5,
        ge=0,
        description="Minutes to hand a `delegate` item over (planned instead of the work).",
    )
    purchase_days: int = Field(
        default=30,
        gt=0,
        description=(
            "Purchases since the last touch are listed when made within this many days "
            "(the whole gap when the account was never touched is capped here too)."
        ),
    )
    purchase_followup_days: int = Field(
        default=2,
        ge=0,
        description="A purchase of an important account is followed up this many days after it.",
    )
    purchase_tiers: list[str] = Field(
        default_factory=lambda: ["strategic", "growth"],
        description="Tiers whose recent purchases become agenda items.",
    )
    horizon_days: int = Field(
        default=7,
        ge=0,
        description=(
            "Cadence touches, business reviews and override reviews due within this many days "
            "become items (overdue ones always do)."
        ),
    )
    review_types: list[str] = Field(
        default_factory=lambda: ["qbr", "exec_meeting"],
        description="Activity types that count as a business review (for the tier's reviews/year).",
    )
    working_days_per_week: float = Field(
        default=5.0, gt=0, le=7, description="Working days a week: turns weekly hours into a day."
    )
    day_start: str = Field(
        default="09:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When the planned items start in the calendar file (.ics), local time HH:MM.",
    )
    daily_minutes: dict[str, int] = Field(
        default_factory=dict,
        description=(
            "Per person: planned customer minutes a day, replacing what the team entry gives "
            "(hours_per_week × customer_share / working days)."
        ),
    )

    @model_validator(mode="after")
    def _known_kinds(self) -> Self:
        unknown = sorted(set(self.minutes) - set(KINDS))
        if unknown:
            raise ValueError(
                f"agenda.minutes names unknown kind(s) {unknown}; the kinds are {list(KINDS)}"
            )
        return self

    @property
    def start_time(self) -> time:
        """``day_start`` as a time of day."""
        return time.fromisoformat(self.day_start)

    def minutes_for(self, kind: str) -> int:
        """Planned minutes of one item of ``kind`` (0 when the policy leaves it out)."""
        return self.minutes.get(kind, _default_minutes().get(kind, 0))
