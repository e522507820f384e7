"""The ``segmentation:`` section of the policy: how customers are valued, ranked and tiered.

Every business choice of the segmentation stage lives here so a sales leader can read and
change it: what a referral, a case study or an idea is worth (engagement value, Kumar et al.
2010), what "good for us" and "good for the customer" mean, which objectives make a
customer strategic and how much each counts, how tiers are cut, what each relationship
level calls for, and how a trend is read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_INFLUENCE_RATES: dict[str, float] = {
    "review": 250.0,
    "case_study": 5000.0,
    "reference_call": 1500.0,
    "social_mention": 50.0,
}
DEFAULT_KNOWLEDGE_RATES: dict[str, float] = {
    "feedback": 200.0,
    "idea": 1000.0,
    "beta_test": 2500.0,
    "co_development": 10000.0,
}
DEFAULT_PLAYS: dict[int, str] = {
    1: "Expand and plan jointly: account plan, executive sponsor, co-development.",
    2: "Give value back: fix what they lack (service, outcomes, usage) before they leave.",
    3: "Re-price or lighten the service model: they gain, we lose; make it pay.",
    4: "Salvage or exit: one clear recovery plan with a deadline, else move to self-service.",
}


class EngagementSettings(BaseModel):
    """Customer engagement value (Kumar et al. 2010): CEV = CLV + CRV + CIV + CKV."""

    model_config = ConfigDict(extra="forbid")

    lookback_days: int = Field(
        default=730,
        gt=0,
        description=(
            "Influence and knowledge signals, and referrals that name no known customer, count "
            "when dated within this many days before the as-of date; a referral of a known "
            "customer counts as long as that customer is valuable."
        ),
    )
    referral_basis: Literal["clv", "net_profit"] = Field(
        default="clv",
        description=(
            "What a referred customer is worth: 'clv' = its lifetime value; 'net_profit' = the "
            "net profit "
            "it has made since the referral (its window net-profit rate applied to its spend "
            "since then)."
        ),
    )
    referral_attribution: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description=(
            "Share of a referred customer's value credited to the customer who referred it."
        ),
    )
    unlinked_referral_value: float = Field(
        default=500.0,
        ge=0,
        description=(
            "Value credited for a referral signal that names no known referred customer (a lead, "
            "not yet a buyer)."
        ),
    )
    influence_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_INFLUENCE_RATES),
        description="Influence value (CIV) per signal, in book currency, by signal kind.",
    )
    knowledge_rates: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_KNOWLEDGE_RATES),
        description="Knowledge value (CKV) per signal, in book currency, by signal kind.",
    )

    @model_validator(mode="after")
    def _rates_are_sane(self) -> EngagementSettings:
        bad = [
            f"{k}={v}" for k, v in {**self.influence_rates, **self.knowledge_rates}.items() if v < 0
        ]
        if bad:
            raise ValueError(
                f"segmentation.engagement rates must be >= 0; got {', '.join(bad)}. Use 0 to "
                f"ignore a kind."
            )
        overlap = set(self.influence_rates) & set(self.knowledge_rates)
        if overlap:
            raise ValueError(
                f"segmentation.engagement: kinds {sorted(overlap)} appear in both influence_rates "
                f"and "
                "knowledge_rates; keep each kind in one of them."
            )
        return self


class ValueToUsWeights(BaseModel):
    """Weights of the value-to-us parts; a missing part is left out and the rest rescaled."""

    model_config = ConfigDict(extra="forbid")

    net_profit: float = Field(
        default=0.45, ge=0, description="Weight of net profit after cost-to-serve."
    )
    clv: float = Field(default=0.25, ge=0, description="Weight of customer lifetime value.")
    margin: float = Field(default=0.20, ge=0, description="Weight of the gross-margin rate.")
    price_realisation: float = Field(
        default=0.10,
        ge=0,
        description="Weight of price realisation (paid / list); skipped without list prices.",
    )


class ValueToClientWeights(BaseModel):
    """Weights of the parts of the value-to-the-customer index."""

    model_config = ConfigDict(extra="forbid")

    satisfaction: float = Field(
        default=0.35, ge=0, description="Weight of survey satisfaction (NPS and CSAT)."
    )
    usage: float = Field(
        default=0.20, ge=0, description="Weight of usage (adoption of what they bought, 0..1)."
    )
    outcomes: float = Field(
        default=0.20, ge=0, description="Weight of outcomes delivered per unit of spend."
    )
    complaints: float = Field(
        default=0.25, ge=0, description="Weight of the complaint rate (fewer is better)."
    )
    loyalty: float = Field(
        default=0.50,
        ge=0,
        description=(
            "Weight of behavioural loyalty (P(alive), buying frequency); used only for customers "
            "with no survey, usage or outcome signal, and then marked as a proxy."
        ),
    )


class ValueIndexSettings(BaseModel):
    """How the two 0..1 value indices are built: ranks and documented anchors, not raw means."""

    model_config = ConfigDict(extra="forbid")

    to_us: ValueToUsWeights = Field(default_factory=ValueToUsWeights)
    to_client: ValueToClientWeights = Field(default_factory=ValueToClientWeights)
    lookback_days: int = Field(
        default=365,
        gt=0,
        description=(
            "Satisfaction, usage, outcome and complaint signals count within this many days "
            "before as-of."
        ),
    )
    nps_neutral: float = Field(
        default=7.0,
        gt=0,
        lt=10,
        description=(
            "NPS answer (0..10) that scores 0.5: at or above it the customer is not a detractor."
        ),
    )
    csat_neutral: float = Field(
        default=3.5, gt=1, lt=5, description="CSAT answer (1..5) that scores 0.5."
    )
    usage_neutral: float = Field(
        default=0.5, gt=0, lt=1, description="Usage (0..1) that scores 0.5."
    )
    outcome_neutral: float = Field(
        default=1.0,
        gt=0,
        description=(
            "Outcome value per unit of spend that scores 0.5 (1 = they got back what they paid)."
        ),
    )
    complaints_neutral: float = Field(
        default=3.0, gt=0, description="Complaints per year that score 0.5; none scores 1."
    )


class ObjectiveSettings(BaseModel):
    """One business objective of the strategic score."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        description=(
            "What is measured: net_profit, growth_potential (wallet minus yearly spend), cev, "
            "engagement_value (crv + civ + ckv), clv, crv, civ, "
            "ckv, revenue, value_to_us, value_to_client, strategic_fit, or any numeric column of "
            "the customers table."
        )
    )
    weight: float = Field(
        ge=0, description="Relative weight of this objective; weights are rescaled to sum to 1."
    )
    scale: Literal["rank", "as_is"] = Field(
        default="rank",
        description=(
            "'rank' = percentile rank among customers (robust to skew); 'as_is' = the value "
            "itself, clipped to 0..1 (for scores set by management)."
        ),
    )
    label: str | None = Field(
        default=None, description="Name shown in reasons; empty: the source name."
    )


def _default_objectives() -> list[ObjectiveSettings]:
    # Tuned on the demo book's planted truths (docs/segmentation.md): fit and engagement
    # beyond purchases carry half the weight, so a strategic account need not be large.
    return [
        ObjectiveSettings(source="net_profit", weight=0.20, label="net profit"),
        ObjectiveSettings(source="growth_potential", weight=0.15, label="growth potential"),
        ObjectiveSettings(source="cev", weight=0.15, label="engagement value (CEV)"),
        ObjectiveSettings(
            source="engagement_value", weight=0.20, label="referrals, influence, knowledge"
        ),
        ObjectiveSettings(
            source="strategic_fit", weight=0.30, scale="as_is", label="strategic fit"
        ),
    ]


class TierRule(BaseModel):
    """One tier, from the most strategic down; the last tier takes everyone left."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Tier name, as shown in the scorecard.")
    share: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Method 'quantiles': share of customers in this tier (by strategic rank).",
    )
    min_score: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Method 'thresholds': lowest strategic score that enters this tier.",
    )
    max_count: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Any method: most customers this tier may hold; the rest fall to the next tier."
        ),
    )


def _default_tiers() -> list[TierRule]:
    return [
        TierRule(name="strategic", share=0.05, min_score=0.75, max_count=None),
        TierRule(name="growth", share=0.15, min_score=0.55),
        TierRule(name="core", share=0.30, min_score=0.35),
        TierRule(name="transactional"),
    ]


class LevelSettings(BaseModel):
    """Relationship levels: 1 good for both, 2 good for us only, 3 good for them only, 4 neither."""

    model_config = ConfigDict(extra="forbid")

    good_for_us: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Value-to-us index at or above which the relationship is good for us.",
    )
    good_for_client: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Value-to-customer index at or above which it is good for the customer.",
    )
    alert_margin: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description=(
            "A deteriorating account within this distance above either threshold (or already "
            "below one) raises an alert."
        ),
    )
    plays: dict[int, str] = Field(
        default_factory=lambda: dict(DEFAULT_PLAYS),
        description="Recommended play for each level 1..4.",
    )

    @model_validator(mode="after")
    def _four_plays(self) -> LevelSettings:
        if sorted(self.plays) != [1, 2, 3, 4]:
            raise ValueError(
                f"segmentation.levels.plays must give a play for each level 1, 2, 3 and 4; got "
                f"{sorted(self.plays)}."
            )
        return self


class TrendWeights(BaseModel):
    """Weights of the evidence a trend is read from (Stouffer's weights); missing evidence is
    left out, and a weight of 0 shows the part as context without counting it."""

    model_config = ConfigDict(extra="forbid")

    spend: float = Field(
        default=0.5,
        ge=0,
        description="Recent order count against the customer's own earlier buying rate.",
    )
    order_size: float = Field(
        default=0.25,
        ge=0,
        description="Recent order values against the customer's own earlier ones.",
    )
    rhythm: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Days since the last order against the customer's usual gap (context: it repeats "
            "what the order count already says, so 0 by default)."
        ),
    )
    p_alive: float = Field(
        default=0.0,
        ge=0,
        description=(
            "Low probability of still being active, from the CLV model (context: a model "
            "reading of the same orders, so 0 by default)."
        ),
    )
    satisfaction: float = Field(
        default=0.5, ge=0, description="Recent survey answers against earlier ones."
    )
    complaints: float = Field(
        default=0.25, ge=0, description="Recent complaint rate against the earlier rate."
    )


class TrendSettings(BaseModel):
    """How a customer's recent behaviour is compared with its own history."""

    model_config = ConfigDict(extra="forbid")

    recent_days: int = Field(
        default=120, gt=0, description="Length of the recent period, ending at as-of."
    )
    baseline_days: int = Field(
        default=365,
        gt=0,
        description="Length of the earlier period the recent one is compared with.",
    )
    weights: TrendWeights = Field(default_factory=TrendWeights)
    threshold: float = Field(
        default=0.90,
        gt=0,
        le=1,
        description=(
            "Confidence a change must reach to be called: the trend score is 2Φ(z) − 1 of the "
            "combined evidence z, so 0.90 calls a trend at |z| ≥ 1.645. At or below minus this "
            "is 'deteriorating', at or above it 'improving'; in between, 'stable'."
        ),
    )
    min_orders: int = Field(
        default=5,
        ge=1,
        description=(
            "Orders in the recent and earlier periods together below which buying gives no "
            "evidence either way (the trend then rests on surveys and complaints, or reads "
            "'stable' with 'not enough evidence')."
        ),
    )
    overdue_start: float = Field(
        default=1.5,
        gt=0,
        description=(
            "Days since last order, in usual gaps, where the rhythm starts to count as slipping."
        ),
    )
    overdue_full: float = Field(
        default=3.0,
        gt=0,
        description=(
            "Days since last order, in usual gaps, where the rhythm counts as fully lapsed."
        ),
    )
    p_alive_low: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="P(alive) below which the trend is pulled down (fully at 0).",
    )
    satisfaction_change: float = Field(
        default=0.3,
        gt=0,
        description=(
            "No longer used: survey answers are weighed by the evidence of a change. Kept so "
            "policy files that set it stay valid."
        ),
    )

    @model_validator(mode="after")
    def _overdue_order(self) -> TrendSettings:
        if self.overdue_full <= self.overdue_start:
            raise ValueError(
                f"segmentation.trend.overdue_full ({self.overdue_full}) must exceed overdue_start "
                f"({self.overdue_start})."
            )
        return self


class SegmentationSettings(BaseModel):
    """Engagement value, value indices, strategic objectives, tiers, levels and trends."""

    model_config = ConfigDict(extra="forbid")

    engagement: EngagementSettings = Field(default_factory=EngagementSettings)
    value_indices: ValueIndexSettings = Field(default_factory=ValueIndexSettings)
    objectives: list[ObjectiveSettings] = Field(
        default_factory=_default_objectives,
        description=(
            "Weighted objectives of the strategic score; an objective whose input is missing is "
            "skipped and reported."
        ),
    )
    objective_missing_part: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description=(
            "Part (0..1) given to a customer whose value for an objective is blank (e.g. no "
            "strategic_fit set)."
        ),
    )
    tier_method: Literal["quantiles", "thresholds", "counts"] = Field(
        default="quantiles",
        description=(
            "How tiers are cut: 'quantiles' by each tier's share, 'thresholds' by min_score, "
            "'counts' by max_count."
        ),
    )
    tiers: list[TierRule] = Field(
        default_factory=_default_tiers,
        description="Tiers from the most strategic down; the last one takes everyone left.",
    )
    levels: LevelSettings = Field(default_factory=LevelSettings)
    trend: TrendSettings = Field(default_factory=TrendSettings)

    @model_validator(mode="after")
    def _consistent(self) -> SegmentationSettings:
        problems: list[str] = []
        names = [t.name for t in self.tiers]
        if not names:
            problems.append("segmentation.tiers is empty; give at least one tier.")
        if len(set(names)) != len(names):
            problems.append(f"segmentation.tiers names must be unique; got {names}.")
        upper = self.tiers[:-1]
        if self.tier_method == "quantiles":
            missing = [t.name for t in upper if t.share is None]
            if missing:
                problems.append(
                    f"segmentation.tiers {missing} need a 'share' for tier_method 'quantiles'."
                )
            total = sum(t.share or 0.0 for t in upper)
            if total > 1 + 1e-9:
                problems.append(
                    f"segmentation.tiers shares sum to {total:.3f}; they must not exceed 1."
                )
        elif self.tier_method == "thresholds":
            missing = [t.name for t in upper if t.min_score is None]
            if missing:
                problems.append(
                    f"segmentation.tiers {missing} need a 'min_score' for tier_method 'thresholds'."
                )
            scores = [t.min_score for t in upper if t.min_score is not None]
            if scores != sorted(scores, reverse=True):
                problems.append(
                    f"segmentation.tiers min_score must fall from tier to tier; got {scores}."
                )
        else:
            missing = [t.name for t in upper if t.max_count is None]
            if missing:
                problems.append(
                    f"segmentation.tiers {missing} need a 'max_count' for tier_method 'counts'."
                )
        if not self.objectives or sum(o.weight for o in self.objectives) <= 0:
            problems.append(
                "segmentation.objectives need at least one objective with a weight above 0."
            )
        if problems:
            raise ValueError(" ".join(problems))
        return self

    @property
    def tier_names(self) -> list[str]:
        """Tier names from the most strategic down."""
        return [t.name for t in self.tiers]
