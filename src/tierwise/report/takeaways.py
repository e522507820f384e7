"""One-sentence takeaways, computed from the run's figures, for every chart of the report.

A sales leader reads the sentence, an analyst checks it against the chart: so each
sentence quotes the numbers of portfolio.json (or of a details table) that the chart
draws, rounded the same way everywhere (``share``, ``money``, ``hours``, ``count``).
Every function returns ``None`` when its figures are absent, never a boilerplate line.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: The book's currency (ISO code) for the report being built; "" when not known.
CURRENCY: ContextVar[str] = ContextVar("tierwise_report_currency", default="")
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥"}


@contextmanager
def currency(code: str | None) -> Iterator[None]:
    """Within the block, ``money`` writes amounts in ``code`` (e.g. 'GBP' -> '£1.2k')."""
    token = CURRENCY.set((code or "").upper())
    try:
        yield
    finally:
        CURRENCY.reset(token)


def currency_label() -> str:
    """The currency as an axis unit: '£', 'CHF', or '' when the book does not say."""
    code = CURRENCY.get()
    return SYMBOLS.get(code, code)


LEVEL_NAMES: dict[str, str] = {
    "1": "good for both sides",
    "2": "good for us only",
    "3": "good for the customer only",
    "4": "good for neither side",
}

MODEL_NAMES: dict[str, str] = {
    "bgnbd": "BG/NBD",
    "paretonbd": "Pareto/NBD",
    "mbgnbd": "MBG/NBD",
    "bgbb": "BG/BB",
    "sbg": "shifted-beta-geometric",
    "gammagamma": "Gamma-Gamma",
    "average_purchase_value": "the average purchase value",
}


def _number(x: Any) -> float | None:
    """A finite float, or None for missing, text or not-a-number."""
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def share(x: Any) -> str:
    """A 0..1 share as a whole percentage: 0.734 -> '73%'; small shares keep one decimal."""
    f = _number(x)
    if f is None:
        return "—"
    if f != 0 and abs(f) < 0.001:
        return "<0.1%" if f > 0 else "−<0.1%"
    if f != 0 and abs(f) < 0.01:
        return f"{100 * f:.1f}%"
    return f"{100 * f:.0f}%"


def money(x: Any) -> str:
    """Amounts in the book currency, short: 1,066,605 -> '£1.07M', 319,981 -> '£320k'."""
    f = _number(x)
    if f is None:
        return "—"
    code = CURRENCY.get()
    unit = SYMBOLS.get(code, f"{code} " if code else "")
    sign = "−" if f < 0 else ""
    sign += unit
    a = abs(f)
    if a >= 1e9:
        return f"{sign}{a / 1e9:.2f}B"
    if a >= 1e6:
        return f"{sign}{a / 1e6:.2f}M"
    if a >= 1e4:
        return f"{sign}{a / 1e3:.0f}k"
    if a >= 1e3:
        return f"{sign}{a / 1e3:.1f}k"
    return f"{sign}{a:.0f}"


def count(x: Any) -> str:
    """A whole number with thousands separators."""
    f = _number(x)
    return "—" if f is None else f"{round(f):,}"


def hours(x: Any) -> str:
    """Hours, whole, with separators: '1,234 h'."""
    f = _number(x)
    return "—" if f is None else f"{round(f):,} h"


def pareto_takeaway(pareto: Mapping[str, Any] | None) -> str | None:
    """How concentrated revenue is: the top fifth's share and the customers behind 80%."""
    if not pareto or _number(pareto.get("top20_revenue_share")) is None:
        return None
    text = f"The top 20% of customers bring {share(pareto['top20_revenue_share'])} of revenue"
    k80 = _number(pareto.get("customers_share_for_80pct_revenue"))
    if k80 is not None:
        text += f"; {share(k80)} of customers make 80% of it"
    return text + "."


def whale_takeaway(whale: Mapping[str, Any] | None) -> str | None:
    """Where profit peaks, and what the loss-makers give back."""
    if not whale or _number(whale.get("total_profit")) is None:
        return None
    losers = int(_number(whale.get("loss_makers")) or 0)
    destroyed = _number(whale.get("profit_destroyed_by_loss_makers")) or 0.0
    peak = _number(whale.get("peak_pct_of_total_profit"))
    total = _number(whale["total_profit"]) or 0.0
    if total <= 0:
        return (
            f"The book makes a net loss of {money(-total)}: profitable customers earn "
            f"{money(whale.get('profit_of_profitable'))} and {count(losers)} loss-makers "
            f"lose {money(destroyed)}."
        )
    if losers == 0 or peak is None:
        return "Every customer with a result makes a profit: the curve never falls."
    return (
        f"The most profitable {share(whale.get('peak_customer_share'))} of customers earn "
        f"{peak:.0f}% of total net profit; {count(losers)} loss-makers give back "
        f"{money(destroyed)}."
    )


def deciles_takeaway(deciles: Sequence[Mapping[str, Any]] | None) -> str | None:
    """What the most and the least profitable tenth of customers make."""
    rows = [d for d in deciles or [] if _number(d.get("net_profit")) is not None]
    if not rows:
        return None
    rows = sorted(rows, key=lambda d: int(d["decile"]))
    total = sum(float(d["net_profit"]) for d in rows)
    top, bottom = rows[0], rows[-1]
    text = f"The most profitable tenth makes {money(top['net_profit'])}"
    if total > 0:
        text += f" ({share(float(top['net_profit']) / total)} of net profit)"
    b = float(bottom["net_profit"])
    if b < 0:
        text += f"; the least profitable tenth loses {money(-b)}"
    else:
        text += f"; the least profitable tenth makes {money(b)}"
    return text + "."


def effort_takeaway(effort: Mapping[str, Any] | None) -> str | None:
    """Hours against profit: the stage's own sentence, else the group with the widest gap."""
    if not effort or not effort.get("groups"):
        return None
    if effort.get("sentence"):
        return str(effort["sentence"])
    groups = [g for g in effort["groups"] if _number(g.get("hours_share")) is not None]
    if not groups:
        return None
    g = max(groups, key=lambda g: g["hours_share"] - (_number(g.get("profit_share")) or 0.0))
    return (
        f"{share(g['hours_share'])} of hours go to {g['group']}, which makes "
        f"{share(g.get('profit_share'))} of net profit."
    )


def levels_takeaway(
    levels: Mapping[str, Any] | None, relationship: Mapping[str, Any] | None = None
) -> str | None:
    """How many relationships are good for both sides, how many for neither, how many sliding."""
    if not levels:
        return None
    counts = {str(k): int(_number(v) or 0) for k, v in levels.items()}
    total = sum(counts.values())
    if total == 0:
        return None
    both, neither = counts.get("1", 0), counts.get("4", 0)
    text = (
        f"{count(both)} customers ({share(both / total)}) are good for both sides and "
        f"{count(neither)} ({share(neither / total)}) good for neither"
    )
    alerts = _number((relationship or {}).get("alerts"))
    if alerts:
        text += f"; {count(alerts)} deteriorating accounts are at or close to level 4"
    return text + "."


def tiers_takeaway(
    tiers: Mapping[str, Mapping[str, Any]] | None, *, effort_known: bool = True
) -> str | None:
    """The first (most served) tier's share of customers, of net profit and of hours
    (hours only when an effort log exists: unknown is not zero)."""
    if not tiers:
        return None
    totals = {
        k: sum(_number(t.get(k)) or 0.0 for t in tiers.values())
        for k in ("customers", "net_profit", "effort_hours", "revenue")
    }
    name, first = next(iter(tiers.items()))
    parts = [
        f"The {name} tier is "
        f"{share(_ratio(first.get('customers'), totals['customers']))} of customers"
    ]
    if totals["net_profit"] > 0:
        parts.append(
            f"makes {share(_ratio(first.get('net_profit'), totals['net_profit']))} of net profit"
        )
    else:
        parts.append(f"makes {share(_ratio(first.get('revenue'), totals['revenue']))} of revenue")
    if effort_known and totals["effort_hours"] > 0:
        parts.append(
            f"takes {share(_ratio(first.get('effort_hours'), totals['effort_hours']))} of the hours"
        )
    return ", ".join(parts[:-1]) + " and " + parts[-1] + "." if len(parts) > 1 else parts[0] + "."


def _ratio(part: Any, whole: float) -> float | None:
    p = _number(part)
    return None if p is None or not whole else p / whole


def strategic_takeaway(lists: Mapping[str, Sequence[Mapping[str, Any]]] | None) -> str | None:
    """The sharpest disagreement between strategic rank and revenue rank, both ways."""
    if not lists:
        return None
    parts = []
    hidden = list(lists.get("strategic_not_largest") or [])
    big = list(lists.get("largest_not_strategic") or [])
    if hidden:
        h = hidden[0]
        parts.append(
            f"{_who(h)} is #{count(h.get('strategic_rank'))} strategically but only "
            f"#{count(h.get('revenue_rank'))} by revenue"
        )
    if big:
        b = big[0]
        parts.append(
            f"{_who(b)} is #{count(b.get('revenue_rank'))} by revenue but "
            f"#{count(b.get('strategic_rank'))} strategically"
        )
    if not parts:
        return "Strategic rank and revenue rank agree for every customer."
    return "; ".join(parts) + ": size alone would mis-tier them."


def _who(row: Mapping[str, Any]) -> str:
    name = row.get("name")
    return str(name) if name not in (None, "") else f"customer {row.get('customer_id')}"


def alignment_takeaway(alignment: Mapping[str, Any] | None) -> str | None:
    """Over- and under-served accounts with the hours at stake."""
    if not alignment or _number(alignment.get("customers")) is None:
        return None
    over, under = int(alignment.get("over_served") or 0), int(alignment.get("under_served") or 0)
    if over == 0 and under == 0:
        return "Every account gets about the hours its tier entitles it to."
    text = (
        f"{count(over)} accounts are over-served by {hours(alignment.get('hours_over'))} and "
        f"{count(under)} under-served by {hours(alignment.get('hours_under'))}"
    )
    money_over = _number(alignment.get("money_over"))
    if money_over:
        text += f"; the extra service costs {money(money_over)}"
    return text + "."


def _short_roles(capacity: Mapping[str, Any]) -> list[str]:
    """The roles short of hours, from the capacity block (older runs: from ``per_role``)."""
    if capacity.get("short_roles") is not None:
        return [str(r) for r in capacity["short_roles"]]
    return [
        str(r.get("role")).replace("_", " ")
        for r in capacity.get("per_role") or []
        if (_number(r.get("gap_hours")) or 0.0) < 0
    ]


def capacity_takeaway(capacity: Mapping[str, Any] | None) -> str | None:
    """Whether the team can carry the policy: hours required against hours available.

    A verdict only about a team that exists: the policy's own, or one inferred from the
    book's owners (and then it says so); with neither, the answer is "unknown".
    """
    if not capacity or _number(capacity.get("hours_required")) is None:
        return None
    required = _number(capacity["hours_required"]) or 0.0
    source = capacity.get("team_source", "policy")
    if source == "unknown":
        return (
            f"The policy asks {hours(required)} over the window; whether the team can carry "
            "it is unknown until the policy lists the team (service.team)."
        )
    available = _number(capacity.get("hours_available")) or 0.0
    if available <= 0:
        return f"The policy asks {hours(required)} and the policy's team lists no customer hours."
    who = (
        f"the {count(len(capacity.get('per_person') or []))} owners named in the book "
        f"(assumed {hours(capacity.get('assumed_hours_per_person'))} each)"
        if source == "inferred"
        else "the team"
    )
    ratio = required / available
    if required > available:
        text = (
            f"The policy asks {hours(required)} against {hours(available)} available from "
            f"{who} ({share(ratio)}): short by {hours(required - available)}"
        )
    else:
        text = (
            f"The policy asks {hours(required)} of the {hours(available)} of {who} "
            f"({share(ratio)}), leaving {hours(available - required)} for new business"
        )
    roles = _short_roles(capacity) if source == "policy" else []
    people = [str(x) for x in capacity.get("short_people") or []] if source == "inferred" else []
    if roles:
        text += ("; " if required > available else ", but ") + (
            f"short of hours: {', '.join(roles)}"
        )
    elif people:
        text += ("; " if required > available else ", but ") + (
            f"{count(len(people))} owner(s) carry more than their hours"
        )
    return text + "."


def capacity_verdict(capacity: Mapping[str, Any] | None) -> tuple[str, str, str] | None:
    """The headline card: (answer, detail, tone); the detail names the short roles."""
    if not capacity or _number(capacity.get("hours_required")) is None:
        return None
    source = capacity.get("team_source", "policy")
    if source == "unknown":
        return (
            "Unknown",
            f"add your team (service.team): the policy asks {hours(capacity['hours_required'])}",
            "warn",
        )
    ok = capacity.get("can_serve_policy")
    use = capacity.get("utilisation")
    detail = f"policy needs {share(use)} of hours" if use is not None else "no team hours"
    roles = _short_roles(capacity) if source == "policy" else []
    if roles:
        detail += f"; short: {', '.join(roles)}"
    people = capacity.get("short_people") or []
    if source == "inferred":
        detail += f"; team inferred from {count(len(capacity.get('per_person') or []))} owners"
        if people:
            detail += f", {count(len(people))} short"
    return ("Yes" if ok else "No", detail, "good" if ok else "bad")


def capacity_headline(capacity: Mapping[str, Any] | None) -> str | None:
    """One line for the console: the verdict and what it rests on."""
    verdict = capacity_verdict(capacity)
    if verdict is None:
        return None
    answer, detail, _ = verdict
    return f"{answer} — {detail}"


def tier_hours_takeaway(
    per_tier: Sequence[Mapping[str, Any]] | None, *, effort_known: bool = True
) -> str | None:
    """The tiers whose practice is furthest from the policy, above and below it.

    Without an effort log the hours spent are unknown, not zero: then only the hours
    the policy asks per tier are quoted.
    """
    if not effort_known:
        rows = [r for r in per_tier or [] if _number(r.get("required_hours")) is not None]
        if not rows:
            return None
        top = max(rows, key=lambda r: float(r["required_hours"]))
        return (
            f"The policy asks most of the {top['tier']} tier ({hours(top['required_hours'])}); "
            "the hours actually spent are unknown: the book has no activities."
        )
    rows = [
        r
        for r in per_tier or []
        if _number(r.get("required_hours")) is not None
        and _number(r.get("effort_hours")) is not None
    ]
    if not rows:
        return None

    def gap(r: Mapping[str, Any]) -> float:
        return float(r["effort_hours"]) - float(r["required_hours"])

    most, least = max(rows, key=gap), min(rows, key=gap)
    parts = []
    if gap(most) > 0:
        parts.append(
            f"the {most['tier']} tier gets {hours(most['effort_hours'])} where the policy "
            f"asks {hours(most['required_hours'])}"
        )
    if gap(least) < 0:
        parts.append(
            f"the {least['tier']} tier gets {hours(least['effort_hours'])} of the "
            f"{hours(least['required_hours'])} it should"
        )
    if not parts:
        return "Every tier gets about the hours the policy asks for it."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


#: Candidates whose holdout scores differ by less than this (relative) score the same.
TIE = 0.005


def _holdout_scores(summary: Mapping[str, Any]) -> list[float]:
    scores = []
    for c in summary.get("candidates") or []:
        rmse = _number((c.get("holdout") or {}).get("rmse"))
        if rmse is not None:
            scores.append(rmse)
    return scores


def selection_words(summary: Mapping[str, Any]) -> str:
    """How the model was chosen, in words that do not overclaim: a tie is called a tie."""
    scores = _holdout_scores(summary)
    selection = str(summary.get("selection") or "")
    if "rmse" not in selection.lower() or not scores:
        return selection.replace("rmse", "RMSE")
    if len(scores) > 1 and max(scores) - min(scores) <= TIE * max(min(scores), 1e-12):
        return f"candidates tie on the holdout (RMSE {min(scores):.2f})"
    return f"lowest holdout RMSE ({min(scores):.2f})"


def clv_takeaway(summary: Mapping[str, Any] | None, tracking: Any | None = None) -> str | None:
    """Which model was chosen and how well it predicted the holdout purchases."""
    if not summary:
        return None
    chosen = summary.get("chosen")
    if not chosen:
        reason = summary.get("reason") or "no model could be fitted"
        return f"No purchase model was used ({reason}); lifetime values are a pooled-rate estimate."
    name = model_name(chosen.get("model"))
    entry: Mapping[str, Any] = next(
        (c for c in summary.get("candidates") or [] if c.get("model") == chosen.get("model")), {}
    )
    holdout = entry.get("holdout") or {}
    predicted, actual = (
        _number(holdout.get("predicted_total")),
        _number(holdout.get("actual_total")),
    )
    if predicted is not None and actual:
        diff = (predicted - actual) / actual
        how = selection_words(summary)
        lead = (
            f"The candidate models predict the holdout equally well "
            f"(RMSE {min(_holdout_scores(summary)):.2f}); {name} is used: over the holdout it "
            if how.startswith("candidates tie")
            else f"{name} was chosen by {how or 'holdout error'}: over the holdout it "
        )
        return (
            lead + f"predicted {count(predicted)} repeat purchases against {count(actual)} "
            f"made ({'+' if diff >= 0 else '−'}{share(abs(diff))})."
        )
    return (
        f"{name} was chosen by {selection_words(summary) or 'fit'}; "
        "no holdout was long enough to check it."
    )


def model_name(key: Any) -> str:
    """Readable model name: 'bgnbd' -> 'BG/NBD'."""
    return MODEL_NAMES.get(str(key), str(key))


def quality_takeaway(inputs: Mapping[str, Mapping[str, Any]] | None) -> str | None:
    """How many rows were read and how many were set aside, with the main reason."""
    if not inputs:
        return None
    read = sum(int(_number(a.get("read")) or 0) for a in inputs.values())
    accepted = sum(int(_number(a.get("accepted")) or 0) for a in inputs.values())
    quarantined = sum(int(_number(a.get("quarantined")) or 0) for a in inputs.values())
    balance = (
        "every row is accounted for"
        if accepted + quarantined == read
        else f"{count(read - accepted - quarantined)} rows are unaccounted for"
    )
    if read == 0:
        return None
    if quarantined == 0:
        return (
            f"All {count(read)} rows read were accepted; none was quarantined."
            if accepted == read
            else f"No row was quarantined, but {balance}."
        )
    reasons: dict[str, int] = {}
    for a in inputs.values():
        for reason, n in (a.get("reasons") or {}).items():
            reasons[reason] = reasons.get(reason, 0) + int(n)
    top = max(reasons.items(), key=lambda kv: kv[1]) if reasons else None
    text = (
        f"{count(quarantined)} of {count(read)} rows read ({share(quarantined / read)}) "
        "were quarantined"
    )
    if top:
        text += f", most for “{top[0]}” ({count(top[1])})"
    return f"{text}; {balance}."
