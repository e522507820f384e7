"""Where revenue, profit and effort concentrate: Pareto, whale curve, deciles, effort.

Each function takes a per-customer table (Ibis, or a pandas DataFrame) with
customer_id, revenue, net_profit and effort_hours (and optionally gross_margin,
cost_to_serve, tier). Sorting and cumulative sums run in the engine with window
functions; only small results come back: JSON-ready dicts for portfolio.json, with
curves thinned to at most ``points`` points so a million-customer report stays small.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any, Literal, TypeAlias

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.errors import InputError

Scorecard: TypeAlias = ir.Table | pd.DataFrame

#: Curve points kept in portfolio.json and the charts.
CURVE_POINTS = 1000


def _table(scorecard: Scorecard, needed: tuple[str, ...]) -> ir.Table:
    """The scorecard as an Ibis table, with the columns this figure needs checked."""
    t = ibis.memtable(scorecard) if isinstance(scorecard, pd.DataFrame) else scorecard
    missing = [c for c in needed if c not in t.columns]
    if missing:
        raise InputError(
            f"the per-customer table lacks {missing} (columns seen: {list(t.columns)}); "
            "pass the output of customer_profitability or the scorecard"
        )
    return t


def _num(x: Any, digits: int = 6) -> float | None:
    """A plain rounded float for JSON, None for missing or not-a-number."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else round(f, digits)


def _share(part: Any, whole: Any) -> float | None:
    """``part / whole`` when the whole is positive, else None (a share of nothing)."""
    p, w = _num(part, 12), _num(whole, 12)
    if p is None or w is None or w <= 0:
        return None
    return round(p / w, 6)


def _ranked(t: ir.Table, value: str) -> ir.Table:
    """Customers ordered by ``value`` (largest first, ties by id) with 1-based rank and
    running total, plus the customer count and grand total on every row."""
    v = t[value].cast("float64").coalesce(0.0)
    s = t.select(customer_id=t.customer_id.cast("string"), v=v)
    order = [ibis.desc(s.v), s.customer_id]
    return s.mutate(
        rank=ibis.row_number().over(ibis.window(order_by=order)) + 1,
        cum=s.v.sum().over(ibis.cumulative_window(order_by=order)),
        n=s.v.count().over(ibis.window()),
        total=s.v.sum().over(ibis.window()),
    )


def _curve(r: ir.Table, points: int, keep: ir.BooleanValue | None = None) -> dict[str, list]:
    """The running-total curve thinned to about ``points`` evenly spaced customers.

    Always keeps the first and last customer and any row flagged by ``keep``; starts at
    the origin (no customers, nothing earned).
    """
    steps = max(points - 3, 1)  # room for the origin, the first customer and a kept row
    step_changes = (r.rank * steps / r.n).floor() != ((r.rank - 1) * steps / r.n).floor()
    chosen = step_changes | (r.rank == 1) | (r.rank == r.n)
    if keep is not None:
        chosen = chosen | keep
    frame = r.filter(chosen).select("rank", "cum", "n", "total").order_by("rank").execute()
    if frame.empty:
        return {"customer_share": [0.0], "value_share": [0.0], "value": [0.0]}
    n = float(frame["n"].iloc[0])
    total = float(frame["total"].iloc[0])
    xs = [0.0, *[round(k / n, 6) for k in frame["rank"]]]
    if total > 0:
        ys = [0.0, *[round(c / total, 6) for c in frame["cum"]]]
    else:
        ys = [0.0, *[None for _ in frame["cum"]]]
    # the running total itself, in money: the only curve there is when the total is <= 0
    values = [0.0, *[round(float(c), 2) for c in frame["cum"]]]
    return {"customer_share": xs, "value_share": ys, "value": values}


def _top_share_rank(n: int) -> int:
    """How many customers make the top 20% (at least one)."""
    return max(1, math.ceil(0.2 * n)) if n else 0


def pareto(scorecard: Scorecard, points: int = CURVE_POINTS) -> dict[str, Any]:
    """Concentration of revenue: top-20% share, customers needed for 80%, the curve."""
    r = _ranked(_table(scorecard, ("customer_id", "revenue")), "revenue")
    head = r.aggregate(n=r.count(), total=r.v.sum()).execute()
    n = int(head["n"].iloc[0])
    total = _num(head["total"].iloc[0]) or 0.0
    top = _top_share_rank(n)
    stats = r.aggregate(
        top=r.v.sum(where=r.rank <= top),
        k80=r.rank.min(where=r.cum >= 0.8 * total),
    ).execute()
    k80 = stats["k80"].iloc[0]
    return {
        "customers": n,
        "total_revenue": _num(total, 2),
        "top20_revenue_share": _share(stats["top"].iloc[0], total),
        "customers_share_for_80pct_revenue": (
            round(int(k80) / n, 6) if n and total > 0 and not pd.isna(k80) else None
        ),
        "curve": _curve(r, points) if n else {"customer_share": [0.0], "value_share": [0.0]},
    }


def whale_curve(scorecard: Scorecard, points: int = CURVE_POINTS) -> dict[str, Any]:
    """Cumulative net profit, most profitable customers first, and the figures of its shape.

    The curve starts at 0, ends at 100% of total profit, and peaks (at the last
    profitable customer) at the sum of the positive profits; loss-makers bring it down.
    """
    r = _ranked(_table(scorecard, ("customer_id", "net_profit")), "net_profit")
    n = int(r.count().execute())
    top = _top_share_rank(n)
    stats = r.aggregate(
        total=r.v.sum(),
        peak=r.cum.max(),
        top=r.v.sum(where=r.rank <= top),
        positive=r.v.sum(where=r.v > 0),
        profitable=(r.v > 0).sum(),
        loss_makers=(r.v < 0).sum(),
        destroyed=-r.v.sum(where=r.v < 0),
    ).execute()
    s = {c: stats[c].iloc[0] for c in stats.columns}
    peak = max(0.0, _num(s["peak"], 12) or 0.0)
    total = _num(s["total"], 12) or 0.0
    at_peak = int(s["profitable"] or 0)  # sorted highest first: the peak is the last profit
    return {
        "customers": n,
        "total_profit": _num(total, 2),
        "peak_profit": _num(peak, 2),
        "peak_pct_of_total_profit": round(100 * peak / total, 2) if total > 0 else None,
        "peak_customer_share": round(at_peak / n, 6) if n else None,
        "top20_profit_share": _share(s["top"], total),
        "profitable_customers": int(s["profitable"] or 0),
        "loss_makers": int(s["loss_makers"] or 0),
        "profit_of_profitable": _num(s["positive"] if not pd.isna(s["positive"]) else 0.0, 2),
        "profit_destroyed_by_loss_makers": _num(
            s["destroyed"] if not pd.isna(s["destroyed"]) else 0.0, 2
        ),
        "curve": (
            _curve(r, points, keep=r.rank == at_peak)
            if n
            else {"customer_share": [0.0], "value_share": [0.0], "value": [0.0]}
        ),
    }


def with_deciles(scorecard: Scorecard) -> ir.Table:
    """The scorecard with ``profit_decile`` 1..10 (1 = the most profitable tenth), lazy."""
    t = _table(scorecard, ("customer_id", "net_profit"))
    order = [ibis.desc(t.net_profit.cast("float64").coalesce(0.0)), t.customer_id.cast("string")]
    rank = ibis.row_number().over(ibis.window(order_by=order))
    n = t.customer_id.count().over(ibis.window())
    return t.mutate(profit_decile=((rank * 10) / n).floor().cast("int64") + 1)


def deciles(scorecard: Scorecard) -> ir.Table:
    """Customers in tenths by net profit (1 = most profitable): counts and sums, lazy.

    Columns: decile, customers, revenue, gross_margin, cost_to_serve, net_profit, hours
    (gross_margin and cost_to_serve only when the scorecard has them).
    """
    t = with_deciles(_table(scorecard, ("customer_id", "revenue", "net_profit")))
    sums = {"revenue": t.revenue.cast("float64").sum()}
    for c in ("gross_margin", "cost_to_serve", "net_profit"):
        if c in t.columns:
            sums[c] = t[c].cast("float64").sum()
    if "effort_hours" in t.columns:
        sums["hours"] = t.effort_hours.cast("float64").coalesce(0.0).sum()
    agg = t.group_by(decile=t.profit_decile).aggregate(customers=t.count(), **sums)
    return agg.order_by("decile")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a small frame as JSON-ready dicts."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): _num(v, 2)
                if isinstance(v, float)
                else int(v)
                if isinstance(v, Integral)
                else v
                for k, v in row.items()
            }
        )
    return out


def _pct(x: float) -> str:
    return f"{round(100 * x):.0f}%"


def _effort_sentence(groups: list[dict[str, Any]], by: str, loss_hours: float | None) -> str:
    """One sentence setting hours against profit, on the group that shows the widest gap."""
    if not groups or all(g["hours_share"] is None for g in groups):
        return (
            "No effort hours were recorded in the window, so effort cannot be set against profit."
        )
    if all(g["profit_share"] is None for g in groups):
        tail = f" {_pct(loss_hours)} of hours go to loss-making customers." if loss_hours else ""
        return "The portfolio makes no net profit overall, so profit shares are not shown." + tail
    if by == "decile":
        # widest gap over the least profitable k tenths, counted from the bottom up
        best: tuple[float, int, float, float] | None = None
        hours = profit = 0.0
        for k, g in enumerate(reversed(groups), start=1):
            hours += g["hours_share"] or 0.0
            profit += g["profit_share"] or 0.0
            if k < len(groups) and (best is None or hours - profit > best[0]):
                best = (hours - profit, k, hours, profit)
        if best is None or best[0] <= 0:
            return (
                "Hours follow profit: no group of customers takes more of the hours "
                "than it makes of the profit."
            )
        _, k, h, p = best
        who = f"the least profitable {k * 10}% of customers"
    else:
        g = max(groups, key=lambda g: (g["hours_share"] or 0.0) - (g["profit_share"] or 0.0))
        h, p = g["hours_share"] or 0.0, g["profit_share"] or 0.0
        if h - p <= 0:
            return (
                "Hours follow profit: no tier takes more of the hours than it makes of the profit."
            )
        who = f"{g['group']} customers"
    made = (
        f"who make {_pct(p)} of profit"
        if p >= 0
        else f"who lose the equivalent of {_pct(-p)} of profit"
    )
    return f"{_pct(h)} of hours go to {who}, {made}."


def effort_vs_profit(
    scorecard: Scorecard, by: Literal["tier", "decile"] = "decile"
) -> dict[str, Any]:
    """Share of effort hours against share of net profit per tier or profit decile.

    Returns ``{"by", "groups": [{group, customers, revenue, net_profit, hours,
    hours_share, profit_share}], "sentence"}``, e.g. "62% of hours go to ...".
    """
    if by not in ("tier", "decile"):
        raise InputError(f"effort_vs_profit by={by!r} is not known; use 'tier' or 'decile'")
    needed = ("customer_id", "revenue", "net_profit", "effort_hours")
    t = _table(scorecard, (*needed, "tier") if by == "tier" else needed)
    if by == "decile":
        t = with_deciles(t)
        key = t.profit_decile
    else:
        key = t.tier.cast("string").coalesce("(no tier)")
    hours = t.effort_hours.cast("float64").coalesce(0.0)
    profit = t.net_profit.cast("float64").coalesce(0.0)
    agg = (
        t.mutate(_h=hours, _p=profit)
        .group_by(group=key)
        .aggregate(
            customers=ibis._.count(),
            revenue=ibis._.revenue.cast("float64").sum(),
            net_profit=ibis._._p.sum(),
            hours=ibis._._h.sum(),
        )
        .execute()
    )
    totals = t.aggregate(
        hours=hours.sum(), profit=profit.sum(), loss_hours=hours.sum(where=profit < 0)
    ).execute()
    total_hours = _num(totals["hours"].iloc[0], 12) or 0.0
    total_profit = _num(totals["profit"].iloc[0], 12) or 0.0
    if by == "decile":
        agg = agg.sort_values("group")
    else:
        agg = agg.sort_values(["net_profit", "group"], ascending=[False, True])
    groups = [
        {
            "group": int(row.group) if by == "decile" else str(row.group),
            "customers": int(row.customers),
            "revenue": _num(row.revenue, 2),
            "net_profit": _num(row.net_profit, 2),
            "hours": _num(row.hours, 2),
            "hours_share": _share(row.hours, total_hours),
            "profit_share": _share(row.net_profit, total_profit) if total_profit > 0 else None,
        }
        for row in agg.itertuples(index=False)
    ]
    loss_share = _share(totals["loss_hours"].iloc[0], total_hours)
    return {
        "by": by,
        "total_hours": _num(total_hours, 2),
        "total_profit": _num(total_profit, 2),
        "groups": groups,
        "sentence": _effort_sentence(groups, by, loss_share),
    }


def portfolio_profit_figures(scorecard: Scorecard) -> dict[str, Any]:
    """The portfolio.json keys ``pareto``, ``whale``, ``effort_vs_profit`` and ``deciles``.

    ``effort_vs_profit`` is per tier when the scorecard has a ``tier`` column (with the
    per-decile view under ``by_decile``), else per profit decile.
    """
    t = _table(scorecard, ("customer_id", "revenue", "net_profit", "effort_hours"))
    if "tier" in t.columns:
        evp = effort_vs_profit(t, by="tier")
        evp["by_decile"] = effort_vs_profit(t, by="decile")
    else:
        evp = effort_vs_profit(t, by="decile")
    return {
        "pareto": pareto(t),
        "whale": whale_curve(t),
        "effort_vs_profit": evp,
        "deciles": _records(deciles(t).execute()),
    }
