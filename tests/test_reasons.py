"""The reasons line agrees with the figures it cites: levels, rounding at the line, alerts."""

from __future__ import annotations

import pyarrow as pa

from tierwise.segment.reasons import reasons
from tierwise.segment.scoring import ScoredObjective

OBJECTIVES = [ScoredObjective("net_profit", "profit", 1.0, "objective_net_profit")]


def table(
    value_to_us: list[float],
    value_to_client: list[float],
    level: list[int],
    alert: list[bool],
    trend: str = "deteriorating",
) -> pa.Table:
    n = len(level)
    return pa.table(
        {
            "tier": ["core"] * n,
            "strategic_score": [0.5] * n,
            "strategic_rank": list(range(1, n + 1)),
            "revenue_rank": list(range(1, n + 1)),
            "objective_net_profit": [0.5] * n,
            "relationship_level": level,
            "value_to_us": value_to_us,
            "value_to_client": value_to_client,
            "value_to_client_proxy": [False] * n,
            "relationship_trend": [trend] * n,
            **{
                f"trend_{k}": [0.0] * n
                for k in ("spend", "rhythm", "p_alive", "satisfaction", "complaints")
            },
            "level_alert": alert,
            "net_profit": [10.0] * n,
            "crv": [0.0] * n,
            "civ": [0.0] * n,
            "ckv": [0.0] * n,
        }
    )


def test_a_value_just_below_the_line_never_reads_as_at_the_line() -> None:
    # 0.4996 is below 0.5: not good for us, level 4; plain rounding would print 50/100.
    t = table([0.4996, 0.5, 0.504, 0.7349], [0.4951, 0.4951, 0.2, 0.9], [4, 2, 2, 1], [False] * 4)
    lines = reasons(t, OBJECTIVES).to_pylist()
    assert "level 4 (good for neither: value to us 49/100, to the customer 49/100" in lines[0]
    assert "value to us 50/100" in lines[1]  # exactly at the line: good for us, shown 50
    assert "value to us 50/100, to the customer 20/100" in lines[2]  # 0.504 rounds to 50
    assert "value to us 73/100, to the customer 90/100" in lines[3]  # away from the line


def test_the_line_follows_the_policy_thresholds() -> None:
    t = table([0.595, 0.605], [0.9, 0.9], [3, 1], [False, False])
    lines = reasons(t, OBJECTIVES, good_for_us=0.6).to_pylist()
    assert "value to us 59/100" in lines[0]  # 0.595 < 0.6 would round to 60
    assert "value to us 61/100" in lines[1]


def test_no_sliding_alert_for_an_account_already_at_level_4() -> None:
    t = table([0.2, 0.55], [0.3, 0.9], [4, 1], [True, True])
    lines = reasons(t, OBJECTIVES).to_pylist()
    assert "sliding toward level 4" not in lines[0]
    assert "deteriorating" in lines[0]
    assert "ALERT: sliding toward level 4" in lines[1]
