"""The CLV stage uses only models whose predictions are finite, never writes NaN as 0,
and counts CLV in the money the policy names (net of cost-to-serve by default)."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from tierwise.clv import ClvSettings, ModifiedBetaGeoModel, lifetime_value
from tierwise.clv import stage as clv_stage
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))


def _book(con: ibis.BaseBackend, n: int = 200, seed: int = 7) -> ibis.Table:
    """Poisson buyers over two years, plus one customer with returns only ("ret")."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, pd.Timestamp, float]] = []
    start = pd.Timestamp("2023-01-01")
    for i in range(n):
        rate = rng.gamma(1.0, 1 / 20)  # purchases per day
        first = rng.uniform(0, 500)
        days = first + np.concatenate([[0.0], np.cumsum(rng.exponential(1 / rate, 60))])
        for d in days[days < 730]:
            rows.append((f"c{i:03d}", start + pd.Timedelta(days=int(d)), 100.0))
    rows.append(("ret", pd.Timestamp("2024-05-01"), -40.0))
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    return con.create_table("tx", frame, overwrite=True)


class _NotFiniteOnFullData(ModifiedBetaGeoModel):
    """Fits as MBG/NBD, predicts well on the calibration period, NaN on the full history."""

    def probability_alive(self, data: Any) -> np.ndarray:
        out = np.asarray(super().probability_alive(data), dtype=float)
        if self.n_customers_ >= 200:  # the full history: 200 buyers; calibration has 198
            out = np.full_like(out, np.nan)
        return out


def test_a_model_with_non_finite_predictions_is_never_chosen(
    con: ibis.BaseBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(clv_stage.CANDIDATES, "mbgnbd", _NotFiniteOnFullData)
    real = clv_stage.holdout_metrics

    def best_for_the_broken_model(model: Any, data: pd.DataFrame) -> dict[str, float]:
        out = real(model, data)
        return {**out, "rmse": 0.0} if isinstance(model, _NotFiniteOnFullData) else out

    # the broken model wins the holdout; it must still not be used
    monkeypatch.setattr(clv_stage, "holdout_metrics", best_for_the_broken_model)
    settings = ClvSettings(candidates=["mbgnbd", "bgnbd"], selection_metric="rmse")
    out = lifetime_value(_book(con), WINDOW, settings)
    assert out.summary["model_used"] == "bgnbd"
    assert out.summary["chosen"]["model"] == "bgnbd"
    mbg = next(c for c in out.summary["candidates"] if c["model"] == "mbgnbd")
    assert "not finite" in mbg["error"]
    buyers = out.scores[out.scores["customer_id"] != "ret"]
    assert np.isfinite(buyers[["p_alive", "expected_purchases", "clv"]].to_numpy()).all()


def test_no_usable_model_falls_back_to_the_named_pooled_rate(
    con: ibis.BaseBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(clv_stage.CANDIDATES, "mbgnbd", _NotFiniteOnFullData)
    out = lifetime_value(_book(con), WINDOW, ClvSettings(candidates=["mbgnbd"]))
    assert out.summary["model_used"] == "pooled_rate" and out.summary["fallback"] == "pooled_rate"
    assert out.summary["chosen"] is None and "not finite" in out.summary["reason"]
    buyers = out.scores[out.scores["customer_id"] != "ret"]
    assert np.isfinite(buyers["clv"]).all() and (buyers["clv"] > 0).all()


def test_a_customer_without_purchases_is_blank_with_a_reason_not_zero(
    con: ibis.BaseBackend,
) -> None:
    out = lifetime_value(_book(con), WINDOW, ClvSettings())
    ret = out.scores.set_index("customer_id").loc["ret"]
    assert ret[["p_alive", "expected_purchases", "clv"]].isna().all()
    assert out.summary["customers_without_purchases"] == 1
    assert "left blank, not 0" in out.summary["blank_reason"]


def _rates(scores: pd.DataFrame) -> pd.DataFrame:
    """Window figures: half the customers earn 30% margin and cost 10% to serve, the other
    half cost 45% to serve (loss-makers)."""
    ids = scores["customer_id"]
    loss = ids.str[-1].isin(list("02468"))
    revenue = np.full(len(ids), 1000.0)
    margin = 0.3 * revenue
    cost = np.where(loss, 0.45, 0.10) * revenue
    return pd.DataFrame(
        {
            "customer_id": ids,
            "revenue": revenue,
            "gross_margin": margin,
            "net_profit": margin - cost,
        }
    )


def test_default_clv_is_net_of_cost_to_serve_and_negative_for_loss_makers(
    con: ibis.BaseBackend,
) -> None:
    tx = _book(con)
    revenue_clv = lifetime_value(tx, WINDOW, ClvSettings(value="revenue"))
    rates = _rates(revenue_clv.scores)
    net = lifetime_value(tx, WINDOW, ClvSettings(), rates)
    margin = lifetime_value(tx, WINDOW, ClvSettings(value="margin"), rates)
    both = revenue_clv.scores.merge(net.scores, on="customer_id", suffixes=("_rev", ""))
    both = both[both["customer_id"] != "ret"]
    loss = both["customer_id"].str[-1].isin(list("02468"))
    # the same expected spend, valued at the net rate: +20% for the profitable, -15% for the rest
    assert both.loc[~loss, "clv"].to_numpy() == pytest.approx(
        0.20 * both.loc[~loss, "clv_rev"].to_numpy()
    )
    assert both.loc[loss, "clv"].to_numpy() == pytest.approx(
        -0.15 * both.loc[loss, "clv_rev"].to_numpy()
    )
    assert net.summary["value"]["basis"] == "net"
    m = margin.scores.set_index("customer_id")["clv"].drop("ret")
    r = revenue_clv.scores.set_index("customer_id")["clv"].drop("ret")
    assert m.to_numpy() == pytest.approx(0.3 * r.to_numpy())
