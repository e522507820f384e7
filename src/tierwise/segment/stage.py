"""The segmentation stage: engagement value, value indices, levels, trends, strategic score, tiers.

``segment_customers`` is what the pipeline calls after facts, cost-to-serve and CLV.
Each pass runs once: the prepared scorecard and the per-customer order statistics are
materialised in the engine, one Ibis query gathers the per-customer evidence (joins
and aggregations over transactions and signals), NumPy ranks, Ibis row-wise
expressions give indices, levels and the score, and Arrow builds ranks, tiers and the
``reasons`` text (docs/segmentation.md, "How the stage runs"). Inputs that are absent
are reported in ``portfolio["missing_inputs"]`` with what that means, never an error."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tierwise.driver import on_driver, to_driver, to_engine
from tierwise.engine import keep, release
from tierwise.errors import InputError
from tierwise.segment.engagement import engagement_value
from tierwise.segment.fast_ranks import add_rank_parts, add_ranks
from tierwise.segment.levels import relationship_levels
from tierwise.segment.portfolio import details_tables, portfolio_summary, summaries
from tierwise.segment.reasons import reasons
from tierwise.segment.scoring import ScoredObjective, check_objectives, score_from_parts
from tierwise.segment.tiers import tiers_for_ranks
from tierwise.segment.trend import order_stats, relationship_trend
from tierwise.segment.value import client_index, client_parts, us_index
from tierwise.settings.segmentation import SegmentationSettings
from tierwise.window import Window

__all__ = ["SCORE_COLUMNS", "SegmentOutcome", "segment_customers"]

# Scorecard columns this stage reads; absent ones are read as blank and reported.
_NUMERIC_INPUTS: dict[str, str] = {
    "revenue": "revenue",
    "gross_margin": "gross margin: the margin part of value to us is skipped",
    "net_profit": "net profit: the profit part of value to us and its objective are blank",
    "effort_hours": "effort hours: tier hours in portfolio.json are 0",
    "clv": "lifetime value: CEV counts engagement only and the CLV part of value to us is skipped",
    "price_realisation": "price realisation: no list prices, that part of value to us is skipped",
    "p_alive": "P(alive): loyalty and trend read buying frequency and rhythm only",
    "frequency": "frequency: loyalty reads P(alive) only",
}

# What the driver's passes read from the prepared scorecard, besides the objectives'
# sources and the columns this stage computes (engagement, trend, value to the customer).
_DRIVER_INPUTS = (
    "customer_id",
    "name",
    "revenue",
    "gross_margin",
    "net_profit",
    "effort_hours",
    "clv",
    "price_realisation",
    "p_alive",
    "frequency",
)

SCORE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "crv",
    "civ",
    "ckv",
    "cev",
    "value_to_us",
    "value_to_client",
    "value_to_client_proxy",
    "relationship_level",
    "relationship_trend",
    "level_alert",
    "recommended_play",
    "strategic_score",
    "strategic_rank",
    "revenue_rank",
    "tier",
    "reasons",
)


@dataclass(frozen=True)
class SegmentOutcome:
    """What the stage gives the pipeline.

    Attributes
    ----------
    scores : one row per scorecard customer: ``SCORE_COLUMNS`` then the parts
        (``us_*``, ``client_*``, ``trend_*``, ``objective_*``, ``engagement_*``), handed
        to the scorecard's engine; ``engine.release`` it once it is joined in.
    portfolio : for portfolio.json: ``tiers``, ``levels``, ``relationship``,
        ``strategic_vs_largest``, ``missing_inputs``.
    details : chart tables, written by the lead to ``details/<name>.parquet``.
    """

    scores: ir.Table
    portfolio: dict[str, Any]
    details: dict[str, pd.DataFrame] = field(default_factory=dict)


def _prepare(
    scorecard: ir.Table,
    customers: ir.Table | None,
    settings: SegmentationSettings,
    window: Window,
    missing: list[dict[str, str]],
) -> ir.Table:
    if "customer_id" not in scorecard.columns or "revenue" not in scorecard.columns:
        raise InputError(
            f"segment_customers needs a scorecard with customer_id and revenue; got columns "
            f"{list(scorecard.columns)}. Run the facts stage first."
        )
    fill: dict[str, ir.Value] = {}
    for col, effect in _NUMERIC_INPUTS.items():
        if col not in scorecard.columns:
            fill[col] = ibis.null("float64")
            missing.append({"input": f"scorecard.{col}", "effect": effect})
    for col in ("name", "owner"):
        if col not in scorecard.columns:
            fill[col] = ibis.null("string")
    t = scorecard.mutate(**fill) if fill else scorecard
    wanted = {o.source for o in settings.objectives} | {"wallet"}
    if customers is not None:
        attrs = [c for c in customers.columns if c in wanted and c not in t.columns]
        if attrs:
            extra = customers.select("customer_id", *attrs)
            t = t.left_join(extra, "customer_id").select(t, *[extra[c] for c in attrs])
    if "wallet" in t.columns:
        yearly = t.revenue.cast("float64").fill_null(0.0) * (365.0 / window.days)
        t = t.mutate(growth_potential=ibis.greatest(t.wallet.cast("float64") - yearly, 0.0))
    return t


# Row-wise outputs of pass 3, in the order they are appended to the stage's table.
_ROW_WISE_OUTPUTS = (
    "value_to_us",
    "client_loyalty",
    "value_to_client",
    "relationship_level",
    "level_alert",
    "recommended_play",
    "strategic_score",
)


def _row_wise(
    table: pa.Table, settings: SegmentationSettings, scored: list[ScoredObjective]
) -> pa.Table:
    """Value indices, levels and the strategic score, appended to ``table``.

    Only the columns these expressions read make the round trip through the engine
    (a third of the table); the results are matched back to ``table`` by customer.
    """
    inputs = [
        c
        for c in table.column_names
        if c in ("customer_id", "p_alive", "value_to_client_proxy", "relationship_trend")
        or c.startswith(("us_", "client_", "objective_"))
    ]
    with on_driver("tw_segment_inputs", table.select(inputs)) as t:
        t = us_index(t, settings.value_indices)
        t = client_index(t, settings.value_indices)
        t = relationship_levels(t, settings.levels)
        t = score_from_parts(t, scored)
        out = t.select("customer_id", *_ROW_WISE_OUTPUTS).to_pyarrow()
    ids = table.column("customer_id")
    if not out.column("customer_id").equals(ids):
        # An engine that does not keep row order: put the rows back in the table's order.
        out = out.take(pc.index_in(ids, value_set=out.column("customer_id")))
    for name in _ROW_WISE_OUTPUTS:
        table = table.append_column(name, out.column(name))
    return table


NO_PURCHASE_NOTE = (
    "; no purchase in the window: profit and non-positive CEV not counted, "
    "placed by its other evidence (CEV, strategic fit, wallet, engagement) only"
)


def _no_purchase_note(table: pa.Table, text: pa.Array) -> pa.Array:
    """Say why a customer who bought nothing in the window sits where it does."""
    frequency = pc.cast(table.column("frequency"), pa.float64())
    bought = pc.fill_null(pc.greater(frequency, 0.0), False)
    note = pc.if_else(bought, pa.scalar("", pa.string()), pa.scalar(NO_PURCHASE_NOTE))
    return pc.binary_join_element_wise(text, note, pa.scalar("", pa.string()))


def _driver_columns(t: ir.Table, prepared: ir.Table, settings: SegmentationSettings) -> list[str]:
    """The columns of ``t`` the driver's passes read, in ``t``'s order.

    The scorecard's other columns (cost-to-serve parts, RFM, dates: two thirds of it)
    stay in the engine; the pipeline joins the stage's scores back onto the scorecard.
    """
    present, _ = check_objectives(prepared.schema(), settings)
    from_scorecard = set(_DRIVER_INPUTS) | {o.source for o in present}
    return [c for c in t.columns if c in from_scorecard or c not in prepared.columns]


_SCORES_VIEWS = itertools.count(1)


def segment_customers(
    scorecard: ir.Table,
    *,
    transactions: ir.Table,
    customers: ir.Table | None,
    signals: ir.Table | None,
    settings: SegmentationSettings,
    window: Window,
) -> SegmentOutcome:
    """Score, level, trend and tier every customer of ``scorecard``; see the module docstring."""
    missing: list[dict[str, str]] = []
    if signals is None:
        missing.append(
            {
                "input": "signals",
                "effect": (
                    "no referral, influence or knowledge signals: CRV, CIV and CKV are 0 and CEV "
                    "equals CLV; "
                    "no surveys: value to the customer is read from buying behaviour (marked as a "
                    "proxy)"
                ),
            }
        )
    if customers is None:
        missing.append(
            {
                "input": "customers",
                "effect": "no wallet or strategic_fit: those objectives are skipped",
            }
        )
    # The scorecard may be a long lazy pipeline: execute it once into a table of the
    # engine (an engine table scans and joins faster than an in-memory Arrow one), then
    # join small per-customer results onto it.
    prepared = keep(_prepare(scorecard, customers, settings, window, missing))
    # Read from the materialised table, so the scorecard pipeline runs only once.
    if (
        "price_realisation" in scorecard.columns
        and not prepared.price_realisation.notnull().any().execute()
    ):
        missing.append(
            {
                "input": "transactions.list_amount",
                "effect": _NUMERIC_INPUTS["price_realisation"],
            }
        )
    engagement = engagement_value(
        prepared,
        signals=signals,
        transactions=transactions,
        settings=settings.engagement,
        window=window,
    )
    # The one full scan of the transactions (first and last order, distinct orders),
    # materialised so the spend pass joins a small table instead of recomputing it.
    orders = keep(order_stats(transactions, window))
    trend = relationship_trend(
        prepared,
        transactions=transactions,
        signals=signals,
        settings=settings.trend,
        values=settings.value_indices,
        window=window,
        orders=orders,
    )
    t = client_parts(prepared, signals=signals, settings=settings.value_indices, window=window)
    for extra in (engagement, trend):
        t = t.left_join(extra, "customer_id").select(
            t, *[extra[c] for c in extra.columns if c != "customer_id"]
        )
    t = t.mutate(
        cev=t.clv.cast("float64").fill_null(0.0) + t.crv + t.civ + t.ckv,
        engagement_value=t.crv + t.civ + t.ckv,
    )
    # Pass 1 (Ibis, executed once): joins and aggregations over transactions and signals.
    # Only the per-customer result comes to the driver (driver.py says why), and only
    # the 35 columns the next passes read: about 300 bytes a customer (0.3 GB at 1M
    # customers). The parts, ranks and reasons text added on the driver bring it to
    # about 750 bytes (0.75 GB at 1M); the scores sent back are ~730 bytes of that.
    # In customer order: no engine keeps the order of a join's rows from run to run, and
    # the portfolio's sums then add up in one order on every run and every engine.
    table = to_driver(t.select(*_driver_columns(t, prepared, settings)).order_by("customer_id"))
    release(prepared)
    release(orders)
    # Pass 2 (NumPy): percentiles; window ranks in SQL cost far more at a million rows.
    table, scored, skipped = add_rank_parts(table, settings)
    for o in skipped:
        where = "customers table" if customers is not None else "book (no customers table)"
        missing.append(
            {
                "input": "customers.wallet"
                if o.source == "growth_potential"
                else f"customers.{o.source}",
                "effect": f"objective '{o.label or o.source}' is not in the {where}; "
                "the strategic score uses the other objectives, reweighted",
            }
        )
    # Pass 3 (Ibis): indices, levels and the score are row-wise expressions.
    table = add_ranks(_row_wise(table, settings, scored))
    # Pass 4: tiers from the ranks, then the reasons text.
    tiers = tiers_for_ranks(
        table.column("strategic_rank").to_numpy(),
        table.column("strategic_score").to_numpy(),
        settings,
    )
    table = table.append_column("tier", pa.array(tiers, type=pa.string()))
    levels = settings.levels
    table = table.append_column(
        "reasons",
        _no_purchase_note(
            table,
            reasons(
                table,
                scored,
                good_for_us=levels.good_for_us,
                good_for_client=levels.good_for_client,
            ),
        ),
    )
    parts = [
        c
        for c in table.column_names
        if c.startswith(("us_", "client_", "trend_", "objective_", "engagement_"))
    ]
    # The summaries read the table where it is (DuckDB over Arrow on the driver); the
    # scores go back into the scorecard's engine, to be joined on by customer_id.
    scores = to_engine(
        scorecard.get_backend(),
        f"tw_scorecard_segments_{next(_SCORES_VIEWS)}",
        table.select([*SCORE_COLUMNS, *parts]),
    )
    with on_driver("tw_segmented", table) as full:
        summary = summaries(full, settings)
        portfolio = portfolio_summary(summary, settings, missing)
        details = details_tables(full, summary)
    return SegmentOutcome(scores=scores, portfolio=portfolio, details=details)
