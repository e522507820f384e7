"""Tiering under a capacity limit: the strategic set worth most within the hours we have.

Choosing which accounts get the strategic model is a 0-1 knapsack: each account asks
for the tier's hours (after its tailoring) and brings its strategic value; the key-account
people have only so many hours. scipy's MILP (HiGHS) solves it exactly; the naive answer,
"the top N by revenue until the hours run out", is shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from tierwise.errors import ModelError
from tierwise.settings.service import ServiceSettings
from tierwise.window import Window

#: Hours are compared at this precision (0.36 s), so float noise and the solver's own
#: feasibility tolerance (1e-7) can never decide whether an account fits.
_HOURS_DECIMALS = 4
_EPS = 1e-6


@dataclass(frozen=True)
class StrategicSet:
    """A choice of accounts: a boolean mask over the candidates, its value and hours."""

    chosen: np.ndarray
    value: float
    hours: float
    optimal: bool = True

    @property
    def accounts(self) -> int:
        return int(self.chosen.sum())


def _as_arrays(value: np.ndarray, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.nan_to_num(np.asarray(value, dtype=float), nan=0.0)
    h = np.round(np.asarray(hours, dtype=float), _HOURS_DECIMALS)
    if v.shape != h.shape:
        raise ModelError(f"value and hours differ in length ({v.size} vs {h.size}); pass one each")
    if not np.all(np.isfinite(h)) or np.any(h < 0):
        raise ModelError("hours per account must be finite and >= 0; check the tier's hours")
    return v, h


def optimal_strategic_set(
    value: np.ndarray,
    hours: np.ndarray,
    capacity_hours: float,
    *,
    max_accounts: int | None = None,
    time_limit: float = 30.0,
    mip_rel_gap: float = 0.0,
) -> StrategicSet:
    """The accounts that maximise total value with total hours <= ``capacity_hours``.

    Hours count to 0.0001 h. Accounts of value <= 0 never help and are left out before
    solving, and so are accounts dominated by others asking the same hours. If HiGHS
    stops at ``time_limit`` the best set found (or a greedy one) comes back with
    ``optimal=False``; ``mip_rel_gap`` > 0 trades proof of optimality for speed.
    """
    v, h = _as_arrays(value, hours)
    chosen = np.zeros(v.size, dtype=bool)
    candidates = _undominated(v, h, capacity_hours, max_accounts)
    if candidates.size == 0 or capacity_hours < 0:
        return StrategicSet(chosen, 0.0, 0.0)
    vc, hc = v[candidates], h[candidates]
    rows = [hc]
    upper = [capacity_hours + _EPS]
    if max_accounts is not None:
        rows.append(np.ones_like(hc))
        upper.append(float(max_accounts))
    result = milp(
        c=-vc,
        constraints=LinearConstraint(np.vstack(rows), -np.inf, np.array(upper)),
        integrality=np.ones_like(vc),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": mip_rel_gap, "time_limit": time_limit},
    )
    if result.x is None:
        pick = _greedy(vc, hc, capacity_hours, max_accounts)
        solved = False
    else:
        pick = np.round(result.x) > 0.5
        solved = result.status == 0
    chosen[candidates[pick]] = True
    return StrategicSet(chosen, float(v[chosen].sum()), float(h[chosen].sum()), solved)


def _undominated(
    v: np.ndarray, h: np.ndarray, capacity_hours: float, max_accounts: int | None
) -> np.ndarray:
    """Indices worth offering to the solver; the optimum never needs the others.

    Accounts of value <= 0 never help. Among accounts asking the same hours, a set can
    always swap a lower-value member for a higher-value outsider, so only the best
    ``capacity // hours`` (and ``max_accounts``) of each hours class can be needed.
    With tier hours shared by most accounts this leaves a small problem.
    """
    positive = np.flatnonzero(v > 0)
    if positive.size == 0:
        return positive
    frame = pd.DataFrame({"i": positive, "v": v[positive], "h": h[positive]})
    frame = frame.sort_values(["h", "v", "i"], ascending=[True, False, True], kind="stable")
    rank = frame.groupby("h", sort=False).cumcount().to_numpy()
    with np.errstate(divide="ignore"):
        room = np.where(frame["h"] > 0, np.floor((capacity_hours + _EPS) / frame["h"]), np.inf)
    if max_accounts is not None:
        room = np.minimum(room, max_accounts)
    return np.sort(frame["i"].to_numpy()[rank < room])


def _greedy(
    v: np.ndarray, h: np.ndarray, capacity_hours: float, max_accounts: int | None
) -> np.ndarray:
    """A feasible fallback: best value per hour first, while it fits."""
    order = np.argsort(-(v / np.maximum(h, 1e-9)), kind="stable")
    pick = np.zeros(v.size, dtype=bool)
    used, count = 0.0, 0
    for i in order:  # over the few undominated candidates only, after a solver time-out
        if max_accounts is not None and count >= max_accounts:
            break
        if used + h[i] <= capacity_hours + _EPS:
            pick[i] = True
            used += h[i]
            count += 1
    return pick


def naive_top_n(
    revenue: np.ndarray,
    value: np.ndarray,
    hours: np.ndarray,
    capacity_hours: float,
    *,
    max_accounts: int | None = None,
) -> StrategicSet:
    """The largest accounts by revenue, taken in order until the next one no longer fits."""
    v, h = _as_arrays(value, hours)
    order = np.argsort(-np.nan_to_num(np.asarray(revenue, dtype=float), nan=-np.inf), kind="stable")
    fits = np.cumsum(h[order]) <= capacity_hours + _EPS
    n = int(np.argmin(fits)) if not fits.all() else fits.size
    if max_accounts is not None:
        n = min(n, max_accounts)
    chosen = np.zeros(v.size, dtype=bool)
    chosen[order[:n]] = True
    return StrategicSet(chosen, float(v[chosen].sum()), float(h[chosen].sum()))


def _describe(choice: StrategicSet, ids: pd.Series, limit: int) -> dict[str, Any]:
    return {
        "accounts": choice.accounts,
        "value": round(choice.value, 4),
        "hours": round(choice.hours, 2),
        "customer_ids": ids[choice.chosen].head(limit).tolist(),
    }


def optimise_strategic_tier(
    frame: pd.DataFrame, *, service: ServiceSettings, window: Window
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The ``capacity_optimised`` block of portfolio.json and its per-account table.

    ``frame`` is the per-customer alignment frame with ``hours_if_<tier>`` (the hours
    each account would be entitled to in the optimised tier, over the window).
    """
    settings = service.optimiser
    tier, value_col = settings.tier, settings.value
    role = service.tiers[tier].owner_role
    capacity = sum(service.hours_available(m, window.days) for m in service.team if m.role == role)
    limit = service.alignment.list_limit
    base: dict[str, Any] = {
        "tier": tier,
        "role": role,
        "value_column": value_col,
        "capacity_hours": round(capacity, 2),
        "max_accounts": settings.max_accounts,
    }
    if value_col not in frame.columns or frame[value_col].isna().all():
        reason = f"the scorecard has no values in column '{value_col}' (service.optimiser.value)"
        return {**base, "status": "skipped", "answer": f"Not optimised: {reason}."}, pd.DataFrame()
    ids = frame["customer_id"].reset_index(drop=True)
    value = frame[value_col].to_numpy(dtype=float, na_value=np.nan)
    hours = frame[f"hours_if_{tier}"].to_numpy(dtype=float, na_value=np.nan)
    revenue = frame["revenue"].to_numpy(dtype=float, na_value=np.nan)
    best = optimal_strategic_set(value, hours, capacity, max_accounts=settings.max_accounts)
    naive = naive_top_n(revenue, value, hours, capacity, max_accounts=settings.max_accounts)
    current_mask = (frame["tier"] == tier).to_numpy()
    v = np.nan_to_num(value, nan=0.0)
    current = StrategicSet(
        current_mask, float(v[current_mask].sum()), float(hours[current_mask].sum())
    )
    gain = best.value - naive.value
    detail = pd.DataFrame(
        {
            "customer_id": ids,
            "name": frame["name"].reset_index(drop=True),
            "tier": frame["tier"].reset_index(drop=True),
            "revenue": revenue,
            "value": value,
            "hours": hours,
            "in_optimal": best.chosen,
            "in_naive": naive.chosen,
        }
    )
    answer = (
        f"Within {capacity:,.0f} h of {role} time, the best {tier} set holds {best.accounts} "
        f"accounts worth {best.value:,.2f} ({value_col}); the top {naive.accounts} by revenue "
        f"are worth {naive.value:,.2f}" + (f", {gain:,.2f} less." if gain > 0 else ", the same.")
    )
    return {
        **base,
        "status": "optimal" if best.optimal else "time limit reached; best set found",
        "optimal": _describe(best, ids, limit),
        "naive_top_n_by_revenue": _describe(naive, ids, limit),
        "current": _describe(current, ids, limit),
        "value_gain_over_naive": round(gain, 4),
        "only_in_optimal": ids[best.chosen & ~naive.chosen].head(limit).tolist(),
        "only_in_naive": ids[naive.chosen & ~best.chosen].head(limit).tolist(),
        "answer": answer,
    }, detail
