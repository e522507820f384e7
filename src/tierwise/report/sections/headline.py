"""The headline: six cards a sales leader reads first, and the findings in a few lines.

Customers, revenue, net profit, how concentrated, how many loss-makers, and whether
the team can carry the policy. A card whose figure is absent says what would fill it.
"""

from __future__ import annotations

from tierwise.report import takeaways as tw
from tierwise.report.sections import Card, Section
from tierwise.report.sections.run_data import RunData


def build(run: RunData) -> Section:
    """The headline section; its notes are the key findings of the sections below."""
    p = run.portfolio
    figures = run.profit_figures
    section = Section(key="headline", title="The book at a glance")
    fit = p.get("cost_fit")
    if fit and fit.get("message"):
        section.warnings.append(str(fit["message"]))
    if p.get("revenue") is not None and not run.currency:
        section.lede = (
            "Amounts are in the book's currency, which the run does not name "
            "(set analysis.currency in the policy to show it)."
        )
    window = run.run.get("window") or {}
    customers = p.get("customers")
    buyers = p.get("customers_buying_in_window")
    section.cards.append(
        Card(
            "Customers",
            tw.count(customers),
            f"{tw.count(buyers)} bought in the window" if buyers is not None else "",
        )
    )
    days = window.get("days")
    section.cards.append(
        Card("Revenue", tw.money(p.get("revenue")), f"over the last {days} days" if days else "")
    )
    section.cards.append(_profit_card(run))
    pareto = figures.get("pareto") or {}
    section.cards.append(
        Card(
            "Top 20% of customers",
            tw.share(pareto.get("top20_revenue_share")),
            "of revenue" if pareto else "needs revenue per customer",
            "warn" if (pareto.get("top20_revenue_share") or 0) >= 0.8 else "neutral",
        )
    )
    whale = figures.get("whale") or {}
    if whale:
        losers = int(whale.get("loss_makers") or 0)
        section.cards.append(
            Card(
                "Loss-makers",
                tw.count(losers),
                f"lose {tw.money(whale.get('profit_destroyed_by_loss_makers'))}"
                if losers
                else "none",
                "bad" if losers else "good",
            )
        )
    else:
        section.cards.append(
            Card("Loss-makers", "—", "needs net profit: activities (cost-to-serve) in the book")
        )
    section.cards.append(_capacity_card(p.get("capacity")))

    findings = [
        tw.pareto_takeaway(figures.get("pareto")),
        tw.whale_takeaway(figures.get("whale")),
        tw.effort_takeaway(figures.get("effort_vs_profit")),
        tw.levels_takeaway(p.get("levels"), p.get("relationship")),
        tw.alignment_takeaway(p.get("alignment")),
        tw.capacity_takeaway(p.get("capacity")),
    ]
    section.notes = [f for f in findings if f]
    return section


def _profit_card(run: RunData) -> Card:
    p = run.portfolio
    estimated = ""
    if run.has("margin_estimated") and run.scorecard is not None:
        t = run.scorecard
        if bool(t.margin_estimated.fill_null(False).any().execute()):
            rate = run.policy_value("analysis", "default_margin_rate")
            estimated = (
                f"; margins estimated at {tw.share(rate)}"
                if rate is not None
                else "; margins estimated"
            )
    net = p.get("net_profit")
    if net is None and "whale" in run.profit_figures:
        net = run.profit_figures["whale"].get("total_profit")
    if net is not None:
        margin = p.get("gross_margin")
        detail = (
            f"after cost to serve; gross margin {tw.money(margin)}"
            if margin is not None
            else "after cost to serve"
        )
        return Card("Net profit", tw.money(net), detail + estimated, "good" if net > 0 else "bad")
    if p.get("gross_margin") is not None:
        return Card(
            "Gross margin",
            tw.money(p["gross_margin"]),
            "before cost to serve: net profit needs activities" + estimated,
        )
    return Card("Net profit", "—", "needs revenue and margin per customer")


def _capacity_card(capacity: dict | None) -> Card:
    verdict = tw.capacity_verdict(capacity)
    if verdict is None:
        return Card("Team capacity", "—", "needs tiers and the service policy's team")
    answer, detail, tone = verdict
    return Card("Can the team carry it?", answer, detail, tone)
