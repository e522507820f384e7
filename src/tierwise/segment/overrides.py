"""Approved tier overrides laid over the model's tiers (CONTRACT §5).

People decide: an approved override sets the tier that applies (``tier``) while the
model's own answer stays beside it (``model_tier``). ``override_stale`` flags overrides
whose model tier has moved since approval, so someone looks at them again. Later stages
(alignment, capacity) read ``tier``, so they serve the effective tier.
"""

from __future__ import annotations

import itertools
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from tierwise.driver import to_engine
from tierwise.segment.portfolio import tier_figures, tier_summary
from tierwise.settings.segmentation import SegmentationSettings

COLUMNS = ("customer_id", "override_id", "tier", "reason", "approved_model_tier")
_SCHEMA = ibis.schema(
    {
        "o_customer_id": "string",
        "override_id": "int64",
        "o_tier": "string",
        "reason": "string",
        "approved_model_tier": "string",
    }
)
_VIEWS = itertools.count(1)


def apply_overrides(scorecard: ir.Table, overrides: pd.DataFrame) -> ir.Table:
    """The scorecard with ``model_tier``, the effective ``tier``, ``override_id``,
    ``override_reason`` and ``override_stale``; ``reasons`` says when a person decided."""
    frame = overrides.reindex(columns=list(COLUMNS)).astype(
        {"customer_id": str, "override_id": "int64", "tier": str, "reason": str}
    )
    frame["approved_model_tier"] = frame["approved_model_tier"].astype(object)
    frame = frame.rename(columns={"tier": "o_tier", "customer_id": "o_customer_id"})
    # Into the scorecard's engine as Arrow, where a blank stays blank (driver.py).
    o = to_engine(
        scorecard.get_backend(),
        f"tw_scorecard_overrides_{next(_VIEWS)}",
        pa.Table.from_pandas(frame, schema=_SCHEMA.to_pyarrow(), preserve_index=False),
    )
    s = scorecard
    joined = s.left_join(o, s.customer_id == o.o_customer_id)
    has = joined.override_id.notnull()
    model = joined.tier
    note = ibis.literal("tier set by override #").concat(
        joined.override_id.cast("string"),
        ibis.literal(" ("),
        joined.reason,
        ibis.literal("); the model says "),
        model,
    )
    mutations: dict[str, ir.Value] = {
        "model_tier": model,
        "tier": ibis.coalesce(joined.o_tier, model),
        "override_id": joined.override_id,
        "override_reason": joined.reason,
        "override_stale": has
        & joined.approved_model_tier.notnull()
        & (joined.approved_model_tier != model),
    }
    if "reasons" in s.columns:
        mutations["reasons"] = has.ifelse(
            note.concat(ibis.literal(". "), joined.reasons.fill_null("")), joined.reasons
        )
    columns: list[ir.Value] = []
    for c in s.columns:
        if c == "tier":  # the effective tier, then the model's and the override, side by side
            columns += [mutations[k].name(k) for k in _SIDE_BY_SIDE]
        elif c not in mutations:
            columns.append(joined[c])
        elif c == "reasons":
            columns.append(mutations[c].name(c))
    return joined.select(*columns)


_SIDE_BY_SIDE = ("tier", "model_tier", "override_id", "override_reason", "override_stale")


def effective_tier_figures(
    scorecard: ir.Table, settings: SegmentationSettings, model_tiers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """portfolio.json's ``tiers`` and the report's tier table counted on the tier that
    applies (``scorecard`` after ``apply_overrides``); the model's own figures
    (``model_tiers``, from segmentation) are kept as ``model_tiers``."""
    table = tier_summary(scorecard, settings)
    return {"tiers": tier_figures(table), "model_tiers": model_tiers}, {"segment_tiers": table}
