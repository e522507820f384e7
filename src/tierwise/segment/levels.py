"""Relationship levels from the two value indices, the alert, and the play for each level.

Level 1 good for both sides, 2 good for us only, 3 good for the customer only, 4 good
for neither. An account raises an alert when its trend is deteriorating and it is
already below a threshold or within ``alert_margin`` above one: it is sliding toward 4.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tierwise.segment.value import no_value_to_us
from tierwise.settings.segmentation import LevelSettings

LEVEL_NAMES: dict[int, str] = {
    1: "good for both",
    2: "good for us only",
    3: "good for the customer only",
    4: "good for neither",
}


def relationship_levels(t: ir.Table, settings: LevelSettings) -> ir.Table:
    """Add ``relationship_level``, ``level_alert`` and ``recommended_play`` to ``t``.

    ``t`` needs ``value_to_us``, ``value_to_client`` and ``relationship_trend`` (and reads
    ``us_net_profit`` and ``us_clv`` where present, see ``no_value_to_us``).
    """
    for_us = t.value_to_us >= settings.good_for_us
    if "us_net_profit" in t.columns and "us_clv" in t.columns:
        # a loss-maker expected to stay one is never good for us, whatever the threshold
        for_us = for_us & ~no_value_to_us(t).fill_null(False)
    for_them = t.value_to_client >= settings.good_for_client
    level = ibis.cases(
        (for_us & for_them, 1),
        (for_us, 2),
        (for_them, 3),
        else_=4,
    ).cast("int64")
    near = (t.value_to_us < settings.good_for_us + settings.alert_margin) | (
        t.value_to_client < settings.good_for_client + settings.alert_margin
    )
    alert = (t.relationship_trend == "deteriorating") & near
    play = ibis.cases(*((level == k, v) for k, v in sorted(settings.plays.items())))
    return t.mutate(relationship_level=level, level_alert=alert, recommended_play=play)
