"""portfolio.json's tier figures count the tier that applies after approved overrides;
the model's own figures stay beside them as ``model_tiers`` (CONTRACT, workspace)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import tierwise
from tests.db_fixtures import TINY_AS_OF, write_tiny_book
from tierwise.report.html import render_report
from tierwise.run_folder import write_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[tierwise.AnalysisResult, ...]:
    root = tmp_path_factory.mktemp("effective")
    book = tierwise.read_book(write_tiny_book(root / "book"))
    plain = tierwise.analyze(book, as_of=TINY_AS_OF)
    model = plain.scorecard.set_index("customer_id")["tier"]
    # one account the model puts in another tier is moved to the first
    first = plain.policy.segmentation.tier_names[0]
    moved = model[model != first].index[0]
    overrides = pd.DataFrame(
        [
            {
                "customer_id": moved,
                "override_id": 7,
                "tier": first,
                "reason": "relationship: board-level partnership",
                "approved_model_tier": model[moved],
            }
        ]
    )
    overridden = tierwise.analyze(book, as_of=TINY_AS_OF, overrides=overrides)
    return plain, overridden


def _counts(tiers: dict[str, dict[str, float]]) -> dict[str, int]:
    return {name: int(f["customers"]) for name, f in tiers.items()}


def test_tier_counts_follow_the_tier_that_applies(runs) -> None:
    plain, overridden = runs
    card = overridden.scorecard.set_index("customer_id")
    moved = card.index[card["override_id"].notna()]
    assert len(moved) == 1
    (cid,) = moved
    from_tier, to_tier = card.loc[cid, "model_tier"], card.loc[cid, "tier"]
    assert from_tier != to_tier

    model = _counts(plain.portfolio["tiers"])
    effective = _counts(overridden.portfolio["tiers"])
    # by hand: the model's counts, with one account taken from one tier to the other
    expected = dict(model)
    expected[from_tier] -= 1
    expected[to_tier] += 1
    assert effective == expected
    assert effective == {t: Counter(card["tier"]).get(t, 0) for t in effective}
    assert _counts(overridden.portfolio["model_tiers"]) == model
    assert "model_tiers" not in plain.portfolio
    # revenue follows the account too
    revenue = card.groupby("tier")["revenue"].sum()
    for tier, figures in overridden.portfolio["tiers"].items():
        assert figures["revenue"] == pytest.approx(float(revenue.get(tier, 0.0)))


def test_the_report_counts_the_tier_that_applies(runs, tmp_path: Path) -> None:
    _, overridden = runs
    run_dir = write_run(overridden, tmp_path / "run")
    page = render_report(run_dir)
    assert "after approved overrides" in page
    table = overridden.details["segment_tiers"].set_index("tier")["customers"]
    assert table.to_dict() == _counts(overridden.portfolio["tiers"])
