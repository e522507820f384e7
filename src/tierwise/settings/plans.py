"""The policy's ``plans`` section: when an account plan counts as stale."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PlanSettings(BaseModel):
    """Account plans: how old a plan may grow before the leader's view calls it stale."""

    model_config = ConfigDict(extra="forbid")

    stale_after_days: int = Field(
        90, gt=0, description="A plan not edited for longer than this is stale (leader's view)."
    )
    action_spacing_days: int = Field(
        30, gt=0, description="Days between the due dates of a drafted plan's actions."
    )
