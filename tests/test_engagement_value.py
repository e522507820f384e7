"""Engagement value (Kumar et al. 2010): CRV, CIV, CKV and CEV = CLV + CRV + CIV + CKV."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from tierwise.segment.engagement import engagement_value
from tierwise.segment.stage import segment_customers
from tierwise.settings.segmentation import EngagementSettings, SegmentationSettings
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))


def _base() -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["ref", "new", "quiet"],
                "revenue": [1000.0, 2000.0, 500.0],
                "net_profit": [100.0, 400.0, 50.0],
                "clv": [3000.0, 8000.0, 700.0],
            }
        )
    )


def _transactions() -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["new", "new", "ref"],
                "date": pd.to_datetime(["2024-02-01", "2024-08-01", "2024-03-01"]),
                "amount": [1000.0, 1000.0, 1000.0],
                "order_id": ["o1", "o2", "o3"],
            }
        )
    )


def _signals() -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["ref", "ref", "ref", "ref", "quiet", "quiet"],
                "date": pd.to_datetime(
                    [
                        "2024-06-01",
                        "2024-07-01",
                        "2024-07-02",
                        "2020-01-01",
                        "2024-05-01",
                        "2024-05-02",
                    ]
                ),
                "kind": ["referral", "case_study", "idea", "case_study", "referral", "review"],
                "value": [None, None, None, None, None, None],
                "referred_customer_id": ["new", None, None, None, None, None],
            }
        )
    )


def _by_id(t: ibis.Table) -> pd.DataFrame:
    return t.to_pandas().set_index("customer_id")


def test_referral_credits_a_share_of_the_referred_customers_clv() -> None:
    out = _by_id(
        engagement_value(
            _base(),
            signals=_signals(),
            transactions=_transactions(),
            settings=EngagementSettings(referral_attribution=0.25),
            window=WINDOW,
        )
    )
    assert out.loc["ref", "crv"] == pytest.approx(0.25 * 8000.0)
    assert out.loc["ref", "engagement_referrals"] == 1
    assert out.loc["new", "crv"] == 0.0


def test_referral_on_net_profit_counts_only_spend_since_the_referral() -> None:
    # "new" earns 400 / 2000 = 20% net on revenue; since 2024-06-01 it spent 1000.
    out = _by_id(
        engagement_value(
            _base(),
            signals=_signals(),
            transactions=_transactions(),
            settings=EngagementSettings(referral_basis="net_profit", referral_attribution=0.5),
            window=WINDOW,
        )
    )
    assert out.loc["ref", "crv"] == pytest.approx(0.5 * 0.20 * 1000.0)


def test_unlinked_referral_gets_the_flat_lead_value() -> None:
    out = _by_id(
        engagement_value(
            _base(),
            signals=_signals(),
            transactions=_transactions(),
            settings=EngagementSettings(unlinked_referral_value=300.0),
            window=WINDOW,
        )
    )
    assert out.loc["quiet", "crv"] == pytest.approx(300.0)


def test_influence_and_knowledge_are_monetised_at_policy_rates_within_the_lookback() -> None:
    settings = EngagementSettings(
        influence_rates={"case_study": 4000.0, "review": 100.0},
        knowledge_rates={"idea": 900.0},
    )
    out = _by_id(
        engagement_value(
            _base(),
            signals=_signals(),
            transactions=_transactions(),
            settings=settings,
            window=WINDOW,
        )
    )
    # The 2020 case study is outside the 730-day lookback.
    assert out.loc["ref", "civ"] == pytest.approx(4000.0)
    assert out.loc["ref", "ckv"] == pytest.approx(900.0)
    assert out.loc["quiet", "civ"] == pytest.approx(100.0)
    assert out.loc["new", ["civ", "ckv"]].tolist() == [0.0, 0.0]


def test_cev_is_clv_plus_crv_civ_ckv_and_missing_signals_are_reported() -> None:
    scorecard = _base().mutate(gross_margin=ibis.literal(100.0), p_alive=0.8, frequency=2)
    settings = SegmentationSettings()
    with_signals = segment_customers(
        scorecard,
        transactions=_transactions(),
        customers=None,
        signals=_signals(),
        settings=settings,
        window=WINDOW,
    )
    s = _by_id(with_signals.scores)
    clv = pd.Series({"ref": 3000.0, "new": 8000.0, "quiet": 700.0})
    assert (s.cev - (s.crv + s.civ + s.ckv + clv.reindex(s.index))).abs().max() < 1e-9
    rates = settings.engagement
    assert s.loc["ref", "crv"] == pytest.approx(rates.referral_attribution * 8000.0)
    assert s.loc["ref", "civ"] == pytest.approx(rates.influence_rates["case_study"])

    without = segment_customers(
        scorecard,
        transactions=_transactions(),
        customers=None,
        signals=None,
        settings=settings,
        window=WINDOW,
    )
    w = _by_id(without.scores)
    assert w.cev.to_dict() == {"ref": 3000.0, "new": 8000.0, "quiet": 700.0}
    assert {m["input"] for m in without.portfolio["missing_inputs"]} >= {"signals", "customers"}


def _referrals(rows: list[tuple[str, str, str | None]]) -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": [r[0] for r in rows],
                "date": pd.to_datetime([r[1] for r in rows]),
                "kind": ["referral"] * len(rows),
                "value": [None] * len(rows),
                "referred_customer_id": [r[2] for r in rows],
            }
        )
    )


def _crv(signals: ibis.Table, **settings: object) -> pd.DataFrame:
    return _by_id(
        engagement_value(
            _base(),
            signals=signals,
            transactions=_transactions(),
            settings=EngagementSettings(**settings),  # type: ignore[arg-type]
            window=WINDOW,
        )
    )


def test_a_referred_customer_is_credited_once_split_between_its_referrers() -> None:
    signals = _referrals(
        [
            ("ref", "2024-06-01", "new"),
            ("ref", "2024-09-01", "new"),  # the same referral logged twice
            ("quiet", "2024-07-01", "new"),
        ]
    )
    out = _crv(signals, referral_attribution=0.5)
    # new's CLV 8000, half of it credited, split between two referrers
    assert out.loc["ref", "crv"] == pytest.approx(0.5 * 8000.0 / 2)
    assert out.loc["quiet", "crv"] == pytest.approx(0.5 * 8000.0 / 2)
    assert out["crv"].sum() == pytest.approx(0.5 * 8000.0)


def test_a_customer_never_earns_referral_value_from_itself() -> None:
    out = _crv(_referrals([("new", "2024-06-01", "new")]))
    assert out.loc["new", "crv"] == 0.0


def test_a_referral_keeps_its_value_while_the_referred_customer_stays_valuable() -> None:
    # referred five years before the as-of date, far outside the lookback: "new" is still
    # worth 8000, so the referral still counts; a referral of "quiet" (worth 700) as well
    out = _crv(
        _referrals([("ref", "2019-06-01", "new"), ("new", "2019-06-01", "quiet")]),
        lookback_days=365,
        referral_attribution=0.5,
    )
    assert out.loc["ref", "crv"] == pytest.approx(0.5 * 8000.0)
    assert out.loc["new", "crv"] == pytest.approx(0.5 * 700.0)
    # an old lead naming nobody known has lapsed
    leads = _crv(_referrals([("ref", "2019-06-01", None)]), lookback_days=365)
    assert leads.loc["ref", "crv"] == 0.0
