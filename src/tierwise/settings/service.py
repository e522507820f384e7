"""The ``service:`` section of the policy: how each tier is served, and by whom.

A baseline every customer gets, the extra commitments of each tier, tailoring per
account (always with a reason), the team that carries it, and the rules that judge
effort against entitlement. Defaults are complete so the built-in policy works as is.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Average days in a month, so "hours per month" turns into hours over any window.
DAYS_PER_MONTH = 365.25 / 12
DEFAULT_TIERS = ("strategic", "growth", "core", "transactional")


class BaselineStandards(BaseModel):
    """What every customer gets, whatever its tier."""

    model_config = ConfigDict(extra="forbid")

    response_time_hours: float = Field(
        default=48.0,
        gt=0,
        description=(
            "Longest time, in business hours, before any customer's request gets an answer."
        ),
    )
    order_accuracy: float = Field(
        default=0.98,
        ge=0,
        le=1,
        description="Share of orders that must ship complete and correct, for every customer.",
    )
    commitments: list[str] = Field(
        default_factory=lambda: [
            "order confirmation within one business day",
            "named contact for every account",
            "self-service order status",
        ],
        description="Commitments made to every customer, in plain words.",
    )


class TierServiceModel(BaseModel):
    """The service model of one tier: who owns it and how much attention it gets."""

    model_config = ConfigDict(extra="forbid")

    owner_role: str = Field(
        description="Team role that owns accounts of this tier (must be a role in service.team)."
    )
    hours_per_month: float = Field(
        ge=0,
        description="Hours of customer work each account of this tier is entitled to per month.",
    )
    contact_cadence_days: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Planned days between touches (visit, meeting, call); empty = no planned cadence."
        ),
    )
    business_reviews_per_year: int = Field(
        default=0, ge=0, description="Business reviews (QBRs) held with each account per year."
    )
    executive_sponsor: bool = Field(
        default=False,
        description="Whether each account of this tier has an executive sponsor on our side.",
    )
    response_time_hours: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Promised response time in hours; empty = the baseline. Never slower than the baseline."
        ),
    )
    commitments: list[str] = Field(
        default_factory=list,
        description="Commitments this tier gets on top of the baseline, in plain words.",
    )


def _default_tiers() -> dict[str, TierServiceModel]:
    return {
        "strategic": TierServiceModel(
            owner_role="key_account_manager",
            hours_per_month=8,
            contact_cadence_days=30,
            business_reviews_per_year=4,
            executive_sponsor=True,
            response_time_hours=4,
            commitments=["joint account plan", "quarterly business review", "executive sponsor"],
        ),
        "growth": TierServiceModel(
            owner_role="account_manager",
            hours_per_month=3,
            contact_cadence_days=45,
            business_reviews_per_year=2,
            response_time_hours=8,
            commitments=["half-yearly business review", "whitespace proposal"],
        ),
        "core": TierServiceModel(
            owner_role="account_manager",
            hours_per_month=1,
            contact_cadence_days=90,
            business_reviews_per_year=1,
            response_time_hours=24,
        ),
        "transactional": TierServiceModel(
            owner_role="inside_sales",
            hours_per_month=0.25,
            contact_cadence_days=None,
            business_reviews_per_year=0,
        ),
    }


class AccountTailoring(BaseModel):
    """Extra or fewer commitments for one account, with the reason shown beside it."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=3,
        description="Why this account is served differently; shown wherever the account is shown.",
    )
    extra_hours_per_month: float = Field(
        default=0.0,
        description=(
            "Hours per month added to the tier's entitlement (negative = fewer; never below 0)."
        ),
    )
    hours_per_month: float | None = Field(
        default=None,
        ge=0,
        description=(
            "Hours per month that replace the tier's entitlement; empty = the tier's hours."
        ),
    )
    max_days_without_touch: int | None = Field(
        default=None,
        gt=0,
        description="Days without a touch before this account is flagged; empty = the tier's rule.",
    )
    add_commitments: list[str] = Field(
        default_factory=list, description="Commitments this account gets beyond its tier."
    )
    remove_commitments: list[str] = Field(
        default_factory=list, description="Commitments of its tier this account does not get."
    )

    @model_validator(mode="after")
    def _one_way_to_set_hours(self) -> Self:
        if self.hours_per_month is not None and self.extra_hours_per_month != 0:
            raise ValueError(
                f"both hours_per_month ({self.hours_per_month}) and extra_hours_per_month "
                f"({self.extra_hours_per_month}) are set; keep one of them"
            )
        return self


class TeamMember(BaseModel):
    """A person, or a group of people in one role, who serves customers."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        description=(
            "The person's name as it appears in the book's `owner` column, or a role group label."
        ),
    )
    role: str = Field(min_length=1, description="Role, matched against the tiers' owner_role.")
    headcount: int = Field(
        default=1, ge=1, description="How many people this entry stands for (1 for a named person)."
    )
    hours_per_week: float = Field(
        default=40.0, gt=0, le=80, description="Contracted hours per week per person."
    )
    customer_share: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description=(
            "Share of their time available for customer work (the rest: admin, travel, internal)."
        ),
    )
    working_weeks_per_year: float = Field(
        default=46.0, gt=0, le=52, description="Weeks worked per year, after holidays and training."
    )
    manager: str | None = Field(
        default=None, description="Who this person reports to (the agenda's team view); optional."
    )


def _default_team() -> list[TeamMember]:
    return [
        TeamMember(name="key account managers", role="key_account_manager", headcount=2),
        TeamMember(name="account managers", role="account_manager", headcount=4),
        TeamMember(name="inside sales", role="inside_sales", headcount=3, customer_share=0.7),
    ]


class AlignmentRules(BaseModel):
    """When effort counts as more, or less, than an account's entitlement."""

    model_config = ConfigDict(extra="forbid")

    tolerance: float = Field(
        default=0.25,
        ge=0,
        le=5,
        description="Relative band around the entitlement counted as aligned (0.25 = within ±25%).",
    )
    min_gap_hours: float = Field(
        default=4.0,
        ge=0,
        description="Gaps smaller than this many hours over the window always count as aligned.",
    )
    min_gap_money: float = Field(
        default=500.0,
        ge=0,
        description=(
            "Gaps worth less than this much money over the window (hours × the hourly rate of "
            "the tier's owner role) always count as aligned: a gap must matter in hours and in "
            "money to be flagged."
        ),
    )
    list_limit: int = Field(
        default=25,
        ge=1,
        le=1000,
        description="How many accounts the ranked over/under-served lists keep.",
    )


class CadenceRules(BaseModel):
    """When a missing touch is flagged, and which activities count as a touch."""

    model_config = ConfigDict(extra="forbid")

    max_days_without_touch: dict[str, int] = Field(
        default_factory=lambda: {"strategic": 60},
        description="Per tier, days without a touch after which the account is flagged.",
    )
    touch_types: list[str] = Field(
        default_factory=lambda: ["visit", "meeting", "call", "qbr", "exec_meeting"],
        description="Activity types that count as a touch; empty = every activity type.",
    )

    @model_validator(mode="after")
    def _positive_days(self) -> Self:
        bad = {tier: days for tier, days in self.max_days_without_touch.items() if days <= 0}
        if bad:
            raise ValueError(
                f"max_days_without_touch must be positive days, got {bad}; use a number like 60"
            )
        return self


class CapacityOptimiser(BaseModel):
    """Choosing the strategic set within the hours of the key-account people."""

    model_config = ConfigDict(extra="forbid")

    tier: str = Field(default="strategic", description="The tier whose membership is optimised.")
    value: str = Field(
        default="strategic_score",
        description=(
            "Scorecard column summed as the value of the set "
            "(strategic_score, cev, clv, net_profit)."
        ),
    )
    max_accounts: int | None = Field(
        default=None,
        ge=1,
        description="Most accounts the tier may hold; empty = only the hours limit.",
    )


class ServiceSettings(BaseModel):
    """The service policy: baseline, tiers, tailoring, team and the rules that judge them."""

    model_config = ConfigDict(extra="forbid")

    baseline: BaselineStandards = Field(
        default_factory=lambda: BaselineStandards(), description="Standards every customer gets."
    )
    tiers: dict[str, TierServiceModel] = Field(
        default_factory=_default_tiers,
        description="Service model per tier, keyed by the tier names of the segmentation section.",
    )
    tailoring: dict[str, AccountTailoring] = Field(
        default_factory=dict,
        description="Per customer id: commitments that differ from the tier, each with a reason.",
    )
    team: list[TeamMember] = Field(
        default_factory=_default_team,
        description="People or role groups who serve customers; names match the book's `owner`.",
    )
    alignment: AlignmentRules = Field(
        default_factory=lambda: AlignmentRules(),
        description="How effort is judged against entitlement.",
    )
    cadence: CadenceRules = Field(
        default_factory=lambda: CadenceRules(),
        description="Contact cadence rules and what counts as a touch.",
    )
    optimiser: CapacityOptimiser = Field(
        default_factory=lambda: CapacityOptimiser(),
        description="Tiering under a capacity limit: which tier, which value, how many accounts.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = self._internal_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _internal_problems(self) -> list[str]:
        """Every inconsistency inside the section, so the user fixes them all in one go."""
        problems: list[str] = []
        if not self.tiers:
            problems.append("service.tiers is empty; define a service model for every tier")
        roles = {member.role for member in self.team}
        seen: set[str] = set()
        for member in self.team:
            if member.name in seen:
                problems.append(
                    f"service.team has '{member.name}' twice; give each person or group one entry"
                )
            seen.add(member.name)
        for name, model in self.tiers.items():
            if self.team and model.owner_role not in roles:
                problems.append(
                    f"service.tiers.{name}.owner_role = '{model.owner_role}' is no role in "
                    f"service.team (roles: {sorted(roles)}); add a team member with that role "
                    "or pick one of those roles"
                )
            rt = model.response_time_hours
            if rt is not None and rt > self.baseline.response_time_hours:
                problems.append(
                    f"service.tiers.{name}.response_time_hours = {rt} is slower than the baseline "
                    f"{self.baseline.response_time_hours}; tiers only add to the baseline, so set "
                    f"it to {self.baseline.response_time_hours} or less"
                )
        for tier in self.cadence.max_days_without_touch:
            if tier not in self.tiers:
                problems.append(
                    f"service.cadence.max_days_without_touch names tier '{tier}', which has no "
                    f"model in service.tiers ({sorted(self.tiers)}); add it there or remove it"
                )
        if self.optimiser.tier not in self.tiers:
            problems.append(
                f"service.optimiser.tier = '{self.optimiser.tier}' has no model in service.tiers "
                f"({sorted(self.tiers)}); use one of those tiers"
            )
        for customer_id, tailoring in self.tailoring.items():
            unknown = set(tailoring.remove_commitments) - self._all_commitments()
            if unknown:
                problems.append(
                    f"service.tailoring.{customer_id}.remove_commitments names {sorted(unknown)}, "
                    "which no tier or the baseline promises; copy the commitment's exact words"
                )
        return problems

    def _all_commitments(self) -> set[str]:
        words = set(self.baseline.commitments)
        for model in self.tiers.values():
            words.update(model.commitments)
        return words

    def problems_with_tiers(self, tier_names: list[str]) -> list[str]:
        """Mismatches between this section and the tiers the segmentation section defines.

        The Policy validator calls this with the segmentation's tier names and lists the
        messages together with every other error, so no half-valid policy ever runs.
        """
        defined = list(tier_names)
        problems: list[str] = []
        for name in self.tiers:
            if name not in defined:
                problems.append(
                    f"service.tiers.{name} is not a tier of the segmentation section "
                    f"(tiers: {defined}); rename it to one of those or add it to segmentation"
                )
        for name in defined:
            if name not in self.tiers:
                problems.append(
                    f"segmentation defines tier '{name}' but service.tiers has no model for it; "
                    f"add service.tiers.{name} with owner_role and hours_per_month"
                )
        for name in self.cadence.max_days_without_touch:
            if name not in defined:
                problems.append(
                    f"service.cadence.max_days_without_touch.{name} names a tier that segmentation "
                    f"does not define (tiers: {defined}); use one of those"
                )
        if self.optimiser.tier not in defined:
            problems.append(
                f"service.optimiser.tier = '{self.optimiser.tier}' is not a tier of the "
                f"segmentation section (tiers: {defined}); use one of those"
            )
        return problems

    def hours_available(self, member: TeamMember, days: int) -> float:
        """Customer hours one team entry can give over ``days`` calendar days."""
        weeks = days / 7 * member.working_weeks_per_year / 52
        return member.headcount * member.hours_per_week * member.customer_share * weeks

    def entitled_hours_per_month(self, tier: str, customer_id: str | None = None) -> float:
        """Hours per month one account is entitled to, after its tailoring."""
        hours = self.tiers[tier].hours_per_month
        tailoring = self.tailoring.get(customer_id) if customer_id is not None else None
        if tailoring is not None:
            if tailoring.hours_per_month is not None:
                hours = tailoring.hours_per_month
            hours += tailoring.extra_hours_per_month
        return max(hours, 0.0)
