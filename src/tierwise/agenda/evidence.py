"""Items as JSON-ready records: the CONTRACT §6 fields and the figures behind each ``why``.

Runs on the few rows one person's day shows, at the edge, after the engine has done the
work.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

#: Per kind: evidence column → the name it has in the item's ``evidence``.
EVIDENCE = {
    "purchase": {
        "ev_orders": "orders_since_touch",
        "ev_revenue": "revenue_since_touch",
        "ev_since": "last_touch",
    },
    "task": {"ev_count": "open_tasks", "ev_ref": "task_id"},
    "cadence": {"ev_since": "last_touch", "ev_days": "cadence_days"},
    "review": {"ev_since": "last_review", "ev_days": "review_every_days"},
    "alert": {"ev_level": "relationship_level", "ev_trend": "trend", "ev_ref": "play"},
    "reduce": {"ev_hours": "hours_to_free"},
    "override": {"ev_ref": "override_id"},
    "plan_action": {"ev_ref": "plan_action", "ev_count": "plan_version"},
}
FIELDS = (
    "item_id",
    "owner",
    "rank",
    "customer_id",
    "name",
    "tier",
    "kind",
    "quadrant",
    "title",
    "why",
    "due",
    "minutes",
    "plan",
)


def plain(value: Any) -> Any:
    """A JSON-safe scalar: None for missing, ISO text for dates, plain numbers."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        return plain(value.item())
    return value


def item_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict per item: the contract's fields, ``evidence``, ``value``."""
    out = []
    for row in frame.to_dict("records"):
        record = {name: plain(row.get(name)) for name in FIELDS}
        evidence = {
            label: plain(row.get(col)) for col, label in EVIDENCE.get(row["kind"], {}).items()
        }
        evidence = {k: v for k, v in evidence.items() if v is not None}
        if row["kind"] == "reduce":
            evidence["effort_hours"] = plain(row.get("effort_hours"))
            evidence["entitled_hours"] = plain(row.get("entitled_hours"))
        evidence["account_value"] = plain(row.get("value"))
        evidence["important"] = bool(row.get("important"))
        evidence["urgent"] = bool(row.get("urgent"))
        record["evidence"] = evidence
        out.append(record)
    return out
