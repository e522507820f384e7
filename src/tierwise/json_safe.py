"""The one JSON cleaner: what portfolio.json, run.json and a saved model hold.

Engine results carry NumPy scalars, NaN, infinities and dates that ``json.dumps``
either refuses or writes as invalid JSON (``NaN``); every writer passes its data
through ``json_safe`` first.
"""

from __future__ import annotations

import math
from typing import Any


def json_safe(value: Any) -> Any:
    """A JSON-ready copy: NaN and infinities become None, NumPy scalars plain numbers,
    dates ISO text, mapping keys text; lists and tuples become lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
