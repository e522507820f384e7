"""The policy's ``overrides`` section: the reason codes people choose from when they ask
to serve a customer at another tier than the model's (CONTRACT §5)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_REASON_CODES = [
    "relationship",
    "strategic_fit",
    "growth_plan",
    "contract",
    "data_gap",
    "other",
]


class OverrideSettings(BaseModel):
    """Tier overrides: a reason code from this short list, plus free text, is required."""

    model_config = ConfigDict(extra="forbid")

    reason_codes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REASON_CODES),
        min_length=1,
        description="Reason codes an override request picks from (with its free-text reason).",
    )
    default_code: str | None = Field(
        "other",
        description="Code used when a request names none; empty: every request must name one.",
    )

    @model_validator(mode="after")
    def _default_is_listed(self) -> OverrideSettings:
        if self.default_code is not None and self.default_code not in self.reason_codes:
            raise ValueError(
                f"overrides.default_code {self.default_code!r} is not in overrides.reason_codes "
                f"{self.reason_codes}; add it there or leave default_code empty"
            )
        return self
