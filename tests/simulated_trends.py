"""A population of buyers with known truth for the trend's false-alarm and detection rates.

Independent of the demo generator: each customer buys as a Poisson process at its own
rate (log-uniform from 2 to 50 orders a year; across customers the counts are a
Gamma-Poisson/NBD-like mix), from a start between 400 and 1,100 days before as-of.
Order values are log-normal around a customer's own level. 70% of customers answer an
NPS survey about three times a year around their own mean score; complaints come at
half a complaint a year. With ``decline=True`` every customer declines from a day 120 to
180 days before as-of: half buy at half their rate, half stop, and their NPS mean falls
by 3 points. Used by tests/test_relationship_trend.py (small) and
benchmarks/bench_trend_accuracy.py (large).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

AS_OF = date(2025, 1, 1)


@dataclass(frozen=True)
class TrendPopulation:
    transactions: pd.DataFrame
    signals: pd.DataFrame
    truth: pd.DataFrame  # customer_id, rate, start_days, responder, declined, kind, cut_days


def _events(
    rng: np.random.Generator, rates: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events per customer at ``rates`` (per year) over days ``[lo, hi)`` before as-of.

    Returns (customer index, days before as-of) of every event.
    """
    span = np.clip(lo - hi, 0.0, None)
    k = rng.poisson(rates * span / 365.0)
    who = np.repeat(np.arange(len(rates)), k)
    days = hi[who] + rng.random(len(who)) * span[who]
    return who, days


def trend_population(n: int, seed: int, *, decline: bool) -> TrendPopulation:
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:06d}" for i in range(n)])
    rate = np.exp(rng.uniform(np.log(2.0), np.log(50.0), n))
    start = rng.uniform(400.0, 1100.0, n)
    cut = rng.uniform(120.0, 180.0, n) if decline else np.zeros(n)
    kind = np.where(rng.random(n) < 0.5, "halved", "stopped") if decline else np.full(n, "none")
    after = np.where(kind == "halved", 0.5, np.where(kind == "stopped", 0.0, 1.0))

    who_a, days_a = _events(rng, rate, start, cut)
    who_b, days_b = _events(rng, rate * after, np.minimum(cut, start), np.zeros(n))
    who = np.concatenate([who_a, who_b])
    days = np.concatenate([days_a, days_b])
    level = rng.normal(5.0, 1.0, n)
    amount = np.round(np.exp(level[who] + rng.normal(0.0, 0.6, len(who))), 2)
    stamp = pd.Timestamp(AS_OF) - pd.to_timedelta(days, unit="D")
    tx = pd.DataFrame(
        {
            "customer_id": ids[who],
            "date": stamp.floor("D"),
            "amount": amount,
            "order_id": [f"o{i}" for i in range(len(who))],
        }
    )

    responder = rng.random(n) < 0.7
    mean_score = rng.uniform(5.0, 10.0, n)
    s_rate = np.where(responder, 3.0, 0.0)
    sw_a, sd_a = _events(rng, s_rate, start, cut)
    sw_b, sd_b = _events(rng, s_rate, np.minimum(cut, start), np.zeros(n))
    s_who = np.concatenate([sw_a, sw_b])
    s_days = np.concatenate([sd_a, sd_b])
    fallen = np.concatenate([np.zeros(len(sw_a), bool), np.full(len(sw_b), decline)])
    mu = mean_score[s_who] - 3.0 * fallen
    score = np.clip(np.round(mu + rng.normal(0.0, 1.2, len(s_who))), 0, 10)
    c_who, c_days = _events(rng, np.full(n, 0.5), start, np.zeros(n))
    signals = pd.DataFrame(
        {
            "customer_id": np.concatenate([ids[s_who], ids[c_who]]),
            "date": (
                pd.Timestamp(AS_OF) - pd.to_timedelta(np.concatenate([s_days, c_days]), unit="D")
            ).floor("D"),
            "kind": ["nps"] * len(s_who) + ["complaint"] * len(c_who),
            "value": np.concatenate([score, np.full(len(c_who), np.nan)]),
        }
    )
    truth = pd.DataFrame(
        {
            "customer_id": ids,
            "rate": rate,
            "start_days": start,
            "responder": responder,
            "declined": decline,
            "kind": kind,
            "cut_days": cut,
        }
    )
    return TrendPopulation(tx, signals, truth)


def read_trends(pop: TrendPopulation, settings: object | None = None) -> pd.DataFrame:
    """The trend of every customer of ``pop``, merged with the truth."""
    import ibis

    from tierwise.segment.trend import relationship_trend
    from tierwise.settings.segmentation import TrendSettings, ValueIndexSettings
    from tierwise.window import Window

    base = ibis.memtable(pop.truth[["customer_id"]].assign(p_alive=np.nan))
    out = relationship_trend(
        base,
        transactions=ibis.memtable(pop.transactions),
        signals=ibis.memtable(pop.signals),
        settings=settings if isinstance(settings, TrendSettings) else TrendSettings(),
        values=ValueIndexSettings(),
        window=Window.ending(AS_OF, 365),
    ).to_pandas()
    return pop.truth.merge(out, on="customer_id")
