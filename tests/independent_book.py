"""A small book simulator independent of tierwise.demo: its own archetypes, sizes and seeds.

Four kinds of account with a known answer to "good for us?" and "good for them?":
margins and effort are set far apart, so the truth does not hinge on tierwise's cost
rates; surveys and complaints carry noise, so some customers' observed signals point
the wrong way, and the test counts those as not recoverable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

START, AS_OF = date(2023, 1, 1), date(2025, 1, 1)
HOURLY = 60.0  # the simulator's own cost of an hour of effort


@dataclass(frozen=True)
class Kind:
    name: str
    count: int
    cost_share: float  # cost of goods / amount
    visits_per_year: float  # 2-hour visits
    nps_mean: float
    complaints_per_year: float
    level: int  # the true relationship level


KINDS = (
    Kind("profitable_happy", 70, 0.55, 1.0, 9.2, 0.1, 1),
    Kind("profitable_unhappy", 45, 0.55, 1.0, 3.0, 4.0, 2),
    Kind("costly_happy", 55, 0.97, 40.0, 9.2, 0.1, 3),
    Kind("costly_unhappy", 30, 0.97, 40.0, 3.0, 4.0, 4),
)


def simulate(folder: Path, seed: int, nps_noise: float = 1.5) -> pd.DataFrame:
    """Write the book to ``folder``; return the truth and the observed signals per customer."""
    rng = np.random.default_rng([seed, 2718])
    days = (AS_OF - START).days
    tx, acts, sigs, truth = [], [], [], []
    for kind in KINDS:
        for i in range(kind.count):
            cid = f"{kind.name}-{i:03d}"
            rate = rng.uniform(1.0, 3.0) / 30.0  # orders per day
            day = rng.uniform(0, 60)
            n = 0
            while day < days:
                amount = float(rng.lognormal(7.5, 0.4))
                when = START + timedelta(days=int(day))
                tx.append(
                    (cid, when, f"{cid}-{n}", round(amount, 2), round(amount * kind.cost_share, 2))
                )
                n += 1
                day += rng.exponential(1 / rate)
            for _ in range(rng.poisson(kind.visits_per_year * days / 365)):
                acts.append((cid, START + timedelta(days=int(rng.uniform(0, days))), "visit", 120))
            surveys = []
            for _ in range(4):
                when = AS_OF - timedelta(days=int(rng.uniform(1, 360)))
                score = float(np.clip(rng.normal(kind.nps_mean, nps_noise), 0, 10).round())
                surveys.append(score)
                sigs.append((cid, when, "nps", score))
            complaints = rng.poisson(kind.complaints_per_year)
            for _ in range(complaints):
                sigs.append(
                    (cid, AS_OF - timedelta(days=int(rng.uniform(1, 360))), "complaint", None)
                )
            truth.append(
                {
                    "customer_id": cid,
                    "kind": kind.name,
                    "true_level": kind.level,
                    "true_good_for_us": kind.level in (1, 2),
                    "true_good_for_them": kind.level in (1, 3),
                    "observed_nps": float(np.mean(surveys)),
                    "observed_complaints": int(complaints),
                }
            )
    folder.mkdir(parents=True, exist_ok=True)
    t = pd.DataFrame(tx, columns=["customer_id", "date", "order_id", "amount", "cost"])
    t.to_csv(folder / "transactions.csv", index=False)
    a = pd.DataFrame(acts, columns=["customer_id", "date", "type", "minutes"])
    a.to_csv(folder / "activities.csv", index=False)
    pd.DataFrame(sigs, columns=["customer_id", "date", "kind", "value"]).to_csv(
        folder / "signals.csv", index=False
    )
    truth_frame = pd.DataFrame(truth)
    truth_frame[["customer_id"]].assign(name=truth_frame["customer_id"]).to_csv(
        folder / "customers.csv", index=False
    )
    # observed profit in the last year at the simulator's own effort cost
    last = t[pd.to_datetime(t["date"]) >= pd.Timestamp(AS_OF - timedelta(days=365))]
    margin = (last["amount"] - last["cost"]).groupby(last["customer_id"]).sum()
    a_last = a[pd.to_datetime(a["date"]) >= pd.Timestamp(AS_OF - timedelta(days=365))]
    effort = (a_last["minutes"] / 60 * HOURLY).groupby(a_last["customer_id"]).sum()
    observed = margin.sub(effort, fill_value=0.0).rename("observed_profit")
    return truth_frame.merge(observed, left_on="customer_id", right_index=True, how="left")
