"""Where revenue and profit concentrate: the Pareto curve, the whale curve, profit deciles.

Drawn by ``tierwise.report.charts.profit`` from the small dicts of portfolio.json
(curves thinned to 1,000 points), or from the same figures computed on the scorecard
when an older run folder lacks them.
"""

from __future__ import annotations

from tierwise.report import takeaways as tw
from tierwise.report.charts.profit import deciles_chart, pareto_chart, whale_chart
from tierwise.report.sections import Section
from tierwise.report.sections.run_data import RunData

NEEDS_PROFIT = (
    "The whale curve and profit deciles need net profit per customer: gross margin (a cost "
    "column on transactions, or the policy's default margin rate) less cost-to-serve from the "
    "activities table. This run has no net_profit column."
)


def build(run: RunData) -> Section:
    figures = run.profit_figures
    section = Section(
        key="concentration",
        title="Where revenue and profit come from",
        lede="Customers sorted from the biggest down: how few of them carry the book, "
        "and how much profit the loss-makers give back.",
    )
    pareto, whale, deciles = figures.get("pareto"), figures.get("whale"), figures.get("deciles")
    if pareto:
        section.add_chart(
            "pareto",
            "Pareto curve of revenue",
            lambda: pareto_chart(pareto),
            tw.pareto_takeaway(pareto),
        )
    else:
        section.missing.append("The Pareto curve needs revenue per customer (scorecard.revenue).")
    if whale:
        section.add_chart(
            "whale",
            "Whale curve of net profit",
            lambda: whale_chart(whale, tw.currency_label()),
            tw.whale_takeaway(whale),
        )
    if deciles:
        section.add_chart(
            "deciles",
            "Net profit by decile",
            lambda: deciles_chart(deciles, tw.currency_label()),
            tw.deciles_takeaway(deciles),
        )
    if not whale and not deciles:
        section.missing.append(NEEDS_PROFIT)
    computed = sorted(run.computed & {"pareto", "whale", "deciles"})
    if computed:
        section.notes.append(
            f"portfolio.json of this run has no {', '.join(computed)}: the report computed "
            "them from scorecard.parquet."
        )
    return section
