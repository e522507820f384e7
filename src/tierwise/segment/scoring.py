"""The strategic score: weighted business objectives, each customer's contributions kept.

Strategic is not largest. Each objective of the policy (net profit, growth potential =
wallet − yearly spend, engagement value, a management-set strategic fit, any customer
attribute) becomes a 0..1 part, by percentile rank (robust to skew) or as given; the
score is the weighted sum, in 0..1, and ``objective_<source>`` holds each contribution
so that ``reasons`` can say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tierwise.errors import PolicyError
from tierwise.segment.ranks import clip01
from tierwise.settings.segmentation import ObjectiveSettings, SegmentationSettings


@dataclass(frozen=True)
class ScoredObjective:
    """An objective that could be scored: its column of contributions and its label."""

    source: str
    label: str
    weight: float
    column: str


def objective_column(source: str) -> str:
    return f"objective_{source}"


def check_objectives(
    schema: Any, settings: SegmentationSettings
) -> tuple[list[ObjectiveSettings], list[ObjectiveSettings]]:
    """The objectives whose source column exists (and is numeric), and those skipped.

    ``schema`` is an Ibis or Arrow schema. A text column named as a source, or a source
    named twice, is a policy error.
    """
    names = list(schema.names)
    present = [o for o in settings.objectives if o.source in names and o.weight > 0]
    skipped = [o for o in settings.objectives if o.source not in names]
    sources = [o.source for o in present]
    if len(set(sources)) != len(sources):
        raise PolicyError(
            f"segmentation.objectives name a source twice ({sources}); "
            "merge them into one objective."
        )
    for o in present:
        dtype = schema.field(o.source).type if isinstance(schema, pa.Schema) else schema[o.source]
        text = str(dtype).lower()
        if "string" in text or "utf8" in text or "timestamp" in text or "date" in text:
            raise PolicyError(
                f"segmentation.objectives source '{o.source}' is a {dtype} column; "
                "an objective needs numbers (e.g. strategic_fit in 0..1). "
                "Convert the column or drop the objective."
            )
    return present, skipped


def score_from_parts(t: ir.Table, scored: list[ScoredObjective]) -> ir.Table:
    """Add ``strategic_score``: the sum of the contributions, in 0..1."""
    score: ir.FloatingValue = ibis.literal(0.0)
    for s in scored:
        score = score + t[s.column]
    return t.mutate(strategic_score=clip01(score))
