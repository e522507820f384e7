"""The ``rfm`` section of the policy: the named cells of the R × FM grid."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RfmSegmentRule(BaseModel):
    """One named cell of the R × FM grid; the first matching rule wins."""

    model_config = ConfigDict(extra="forbid")

    name: str
    recency: tuple[int, int] = Field(description="Inclusive range of the R score (1..5).")
    frequency_monetary: tuple[int, int] = Field(
        description="Inclusive range of the FM score, the rounded mean of F and M (1..5)."
    )


DEFAULT_SEGMENTS: tuple[RfmSegmentRule, ...] = tuple(
    RfmSegmentRule(name=n, recency=r, frequency_monetary=fm)
    for n, r, fm in (
        ("Champions", (5, 5), (4, 5)),
        ("Loyal", (3, 4), (4, 5)),
        ("Potential Loyalist", (4, 5), (2, 3)),
        ("New", (5, 5), (1, 1)),
        ("Promising", (4, 4), (1, 1)),
        ("Need Attention", (3, 3), (3, 3)),
        ("About to Sleep", (3, 3), (1, 2)),
        ("Can't Lose Them", (1, 2), (5, 5)),
        ("At Risk", (1, 2), (3, 4)),
        ("Hibernating", (2, 2), (1, 2)),
        ("Lost", (1, 1), (1, 2)),
    )
)


class RfmSettings(BaseModel):
    """How customers are graded on recency, frequency and monetary value."""

    model_config = ConfigDict(extra="forbid")

    segments: list[RfmSegmentRule] = Field(
        default_factory=lambda: list(DEFAULT_SEGMENTS),
        description="Ordered R × FM grid of segment names; the first matching rule wins.",
    )
