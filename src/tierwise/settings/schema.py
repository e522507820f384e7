"""The policy: every business choice tierwise makes, in one validated file.

Each section is a module of this settings layer, named after the stage that reads it;
this module only composes them. Defaults are complete, so an empty file is a valid policy.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tierwise.book.mapping import BookMapping
from tierwise.settings.agenda import AgendaSettings
from tierwise.settings.clv import ClvSettings
from tierwise.settings.cost_model import CostModel
from tierwise.settings.overrides import OverrideSettings
from tierwise.settings.plans import PlanSettings
from tierwise.settings.rfm import RfmSettings
from tierwise.settings.segmentation import SegmentationSettings
from tierwise.settings.service import ServiceSettings
from tierwise.settings.whitespace import WhitespaceSettings


class AnalysisSettings(BaseModel):
    """The period the figures cover and how money is read."""

    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(
        365, gt=0, description="Length of the analysis window, in days, ending at the as-of date."
    )
    default_margin_rate: float = Field(
        0.30,
        ge=0,
        le=1,
        description=(
            "Gross margin rate assumed where transactions carry no cost; "
            "such margins are marked estimated."
        ),
    )
    currency: str | None = Field(
        None, description="Book currency (ISO code). Empty: the single currency found in the book."
    )
    fx_rates: dict[str, float] = Field(
        default_factory=dict,
        description="Units of book currency per unit of each other currency, e.g. {USD: 0.92}.",
    )


class Policy(BaseModel):
    """A whole policy. Build with ``load_policy`` or ``Policy()`` for the built-in default."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(1, description="Policy file format version.")
    book: BookMapping = Field(
        default_factory=BookMapping,
        description="How the book's files are read and mapped onto the contract (optional).",
    )
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    rfm: RfmSettings = Field(default_factory=RfmSettings)
    costs: CostModel = Field(default_factory=CostModel)
    clv: ClvSettings = Field(default_factory=ClvSettings)
    segmentation: SegmentationSettings = Field(default_factory=SegmentationSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    overrides: OverrideSettings = Field(default_factory=OverrideSettings)
    agenda: AgendaSettings = Field(default_factory=AgendaSettings)
    whitespace: WhitespaceSettings = Field(default_factory=WhitespaceSettings)
    plans: PlanSettings = Field(default_factory=PlanSettings)

    @model_validator(mode="after")
    def _sections_agree(self) -> Policy:
        """Cross-section checks: the service models must cover exactly the defined tiers."""
        problems = self.service.problems_with_tiers(self.segmentation.tier_names)
        if problems:
            raise ValueError("the sections disagree:\n    - " + "\n    - ".join(problems))
        return self
