"""The demo book's planted truths are found by the default policy.

Measured on a 3,000-customer demo book (seed 1) when written; the figures asserted here
are those, less a small margin for other seeds:

| answer | precision | recall |
|---|---|---|
| level 1 / 2 / 3 / 4 (planted levels) | 0.92 / 1.00 / 1.00 / 1.00 | 1.00 / 0.95 / 0.95 / 1.00 |
| deteriorating / improving (among customers with a planted trend) | 1.00 / 1.00 | 0.72 / 0.71 |
| strategic (strategic or growth tier; planted strategic vs large) | 0.96 | 1.00 |

Precision is measured among customers with a planted answer: the demo's ``ordinary``
customers carry no expectation (some of them churn or grow at random).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from tierwise import pipeline
from tierwise.demo import generator as demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "book"
    demo.generate_book(out, customers=3000, seed=1)
    return out


def _scored(book: Path) -> tuple[pd.DataFrame, dict]:
    result = pipeline.analyze(book)
    truth = pd.read_parquet(book / "_truth.parquet")
    return result.scorecard.merge(truth, on="customer_id"), result.portfolio


def _precision_recall(pred: pd.Series, true: pd.Series) -> tuple[float, float]:
    hits = int((pred & true).sum())
    return hits / max(int(pred.sum()), 1), hits / max(int(true.sum()), 1)


def test_levels_trends_and_strategic_accounts_are_found(demo_book: Path) -> None:
    s, portfolio = _scored(demo_book)
    planted = s[s.expected_level.notna()]
    floors = {1: (0.85, 0.9), 2: (0.9, 0.85), 3: (0.9, 0.85), 4: (0.9, 0.9)}
    for level, (p_min, r_min) in floors.items():
        p, r = _precision_recall(
            planted.relationship_level == level, planted.expected_level == level
        )
        assert p >= p_min and r >= r_min, f"level {level}: precision {p:.2f}, recall {r:.2f}"

    # Trends are called on evidence: recall fell from 0.91 (when a quarter of ordinary
    # customers also read as deteriorating) to 0.72; ordinary customers are now rarely
    # flagged, which the last assertion of this block guards.
    planted = s[s.expected_trend.notna()]
    for trend, (p_min, r_min) in {"deteriorating": (0.9, 0.65), "improving": (0.9, 0.6)}.items():
        p, r = _precision_recall(
            planted.relationship_trend == trend, planted.expected_trend == trend
        )
        assert p >= p_min and r >= r_min, f"{trend}: precision {p:.2f}, recall {r:.2f}"
    ordinary = s[s.archetype == "ordinary"]
    assert (ordinary.relationship_trend == "deteriorating").mean() <= 0.10

    planted = s[s.expected_strategic.notna()]
    top = planted.tier.isin(["strategic", "growth"])
    p, r = _precision_recall(top, planted.expected_strategic.astype(bool))
    assert p >= 0.9 and r >= 0.9, f"strategic: precision {p:.2f}, recall {r:.2f}"
    # Strategic is not largest: small strategic accounts sit high above their revenue rank.
    small = s[s.archetype == "strategic_small"]
    assert (small.revenue_rank > small.strategic_rank).mean() >= 0.9
    assert set(portfolio["levels"]) == {"1", "2", "3", "4"}
    assert sum(portfolio["levels"].values()) == len(s)


def test_without_signals_or_activities_answers_degrade_and_say_why(
    demo_book: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(demo_book, bare)
    for name in ("signals.parquet", "activities"):
        target = bare / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    s, portfolio = _scored(bare)
    missing = {m["input"] for m in portfolio["missing_inputs"]}
    assert "signals" in missing
    assert s.value_to_client_proxy.all()
    assert (s.crv == 0).all() and (s.civ == 0).all() and (s.ckv == 0).all()
    assert s.tier.notna().all() and s.relationship_level.between(1, 4).all()
    # Without surveys, loss makers are still found as bad for us (levels 3 or 4).
    loss = s[s.expected_level.isin([3, 4])]
    assert (loss.relationship_level >= 3).mean() >= 0.8
    # Trends read from buying behaviour alone still catch most declining accounts
    # (0.65 measured with the evidence model; 0.7 before it, with more false alarms).
    declining = s[s.expected_trend == "deteriorating"]
    assert (declining.relationship_trend == "deteriorating").mean() >= 0.6
