"""The one JSON cleaner: what it makes of the values engine results carry."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd

from tierwise.json_safe import json_safe


def test_json_safe_makes_strict_json_of_engine_values() -> None:
    data = {
        1: np.float64(2.5),
        "n": np.int64(7),
        "bad": [math.nan, math.inf, -math.inf, np.float64("nan")],
        "when": (date(2026, 3, 1), pd.Timestamp("2026-03-02 10:00")),
        "nested": {"x": None, "ok": True, "text": "a"},
    }
    out = json_safe(data)
    assert out == {
        "1": 2.5,
        "n": 7,
        "bad": [None, None, None, None],
        "when": ["2026-03-01", "2026-03-02T10:00:00"],
        "nested": {"x": None, "ok": True, "text": "a"},
    }
    assert type(out["n"]) is int
    json.dumps(out, allow_nan=False)  # raises on any NaN left
