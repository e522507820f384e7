"""The analysis pipeline: book -> facts -> ... -> scorecard and portfolio figures.

``analyze`` is the one entry point the CLI, the report and notebooks share. Stages are
functions over Ibis tables; the scorecard is executed once, at the end, into Arrow.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from tierwise import __version__
from tierwise.agenda.run_inputs import agenda_details
from tierwise.book.book import Book, as_date, default_as_of, read_book
from tierwise.book.mapping import BookMapping, MapOption, WhereOption, mapping_from_options
from tierwise.clv.stage import lifetime_value
from tierwise.engine import drop_relation, drop_run_tables, keep, materialise, release
from tierwise.errors import InputError
from tierwise.metrics.concentration import portfolio_profit_figures
from tierwise.metrics.cost_fit import cost_fit
from tierwise.metrics.cost_to_serve import activity_costs, activity_issues
from tierwise.metrics.facts import customer_facts
from tierwise.metrics.profitability import customer_profitability
from tierwise.metrics.rfm import rfm_scores
from tierwise.plans.evidence import plan_evidence
from tierwise.policy.alignment import align_service
from tierwise.progress import Progress, Stopwatch
from tierwise.run_folder import write_run
from tierwise.segment.stage import segment_customers
from tierwise.settings.io import DEFAULT_SOURCE, load_policy
from tierwise.settings.preset_team import with_preset_team
from tierwise.settings.schema import Policy
from tierwise.spooled import DetailsTable, SpooledTable
from tierwise.window import Window

SCORECARD_ORDER = (
    "customer_id",
    "name",
    "owner",
    "revenue",
    "gross_margin",
    "margin_estimated",
    "cost_to_serve",
    "net_profit",
    "orders",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "rfm_score",
    "rfm_segment",
    "tenure_days",
)


@dataclass
class AnalysisResult:
    """Everything one run produced. ``write(dir)`` writes its data as a run folder
    (CONTRACT §3); ``tierwise.save_run(result, dir)`` adds the report. The tier history
    and the moves since the previous run come from a workspace database
    (``tierwise.workspace.Workspace.analyze``)."""

    book: Book
    policy: Policy
    policy_source: str
    window: Window
    #: the scorecard as the engine wrote it, one row per customer in id order
    scorecard_file: SpooledTable
    portfolio: dict[str, Any]
    details: dict[str, DetailsTable] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stage_summaries: dict[str, Any] = field(default_factory=dict)
    #: who moved since the book's previous run; set by the workspace that records the run
    moves: pd.DataFrame | None = None

    @property
    def as_of(self) -> date:
        return self.window.end

    @cached_property
    def scorecard_arrow(self) -> pa.Table:
        """The scorecard as Arrow, read from its file once, on first use (nothing is re-run).

        The analysis itself never holds it: at a million customers it is 1.1 GB, which
        the run folder copies and the workspace reads a few columns of.
        """
        return self.scorecard_file.to_arrow()

    @property
    def scorecard(self) -> pd.DataFrame:
        """The scorecard as a pandas DataFrame (converted from Arrow; nothing is re-run)."""
        return self.scorecard_arrow.to_pandas()

    def run_info(self) -> dict[str, Any]:
        return {
            "tierwise_version": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "book": self.book.source,
            "preset": self.book.preset,
            "as_of": self.window.end.isoformat(),
            "window": {
                "start": self.window.start.isoformat(),
                "end": self.window.end.isoformat(),
                "days": self.window.days,
            },
            "policy_source": self.policy_source,
            "policy_is_default": self.policy_source == DEFAULT_SOURCE,
            "policy": self.policy.model_dump(mode="json"),
            "inputs": self.book.accounting_dict(),
            "missing_tables": self.book.missing,
            "owners": self.book.owner_source.as_dict() if self.book.owner_source else None,
            "warnings": [*self.book.warnings, *self.portfolio.get("warnings", [])],
            "stages": self.stage_summaries,
            "timings_seconds": self.timings,
        }

    def write(self, out_dir: str | Path, *, force: bool = False) -> Path:
        """Write the run folder: ``scorecard.parquet``/``.csv``, ``portfolio.json``,
        ``quarantine/``, ``details/``, ``run.json``. Nothing else happens: no report is
        rendered (``tierwise.save_run`` adds it, as the CLI does) and no history recorded.

        ``out_dir`` must be new or empty, or an earlier run folder (replaced only with
        ``force``); files tierwise did not write are never touched.
        """
        return write_run(self, out_dir, force=force)


def analyze(
    book: str | Path | Book | Mapping[str, ir.Table],
    *,
    policy: Policy | str | Path | None = None,
    as_of: date | str | None = None,
    preset: str | None = None,
    mapping: BookMapping | None = None,
    map: MapOption | None = None,
    where: WhereOption | None = None,
    tables: Mapping[str, str | PathLike[str]] | None = None,
    date_format: str | Mapping[str, str] | None = None,
    progress: Progress | None = None,
    today: date | str | None = None,
    overrides: pd.DataFrame | None = None,
    con: ibis.BaseBackend | None = None,
) -> AnalysisResult:
    """Analyse a book (a path, URL or an already read ``Book``) under a policy.

    ``policy`` may be a ``Policy``, a path to a policy file, or None: then a
    ``policy.yaml`` in the book's folder (as ``tierwise generate`` writes), else the
    built-in default. ``as_of`` (a date or "YYYY-MM-DD") defaults to the day after the last
    accepted transaction. ``preset``, ``map``, ``where``, ``tables`` and ``date_format``
    are the CLI's mapping options (``--map amount='Qty * Price'`` is
    ``map={"amount": "Qty * Price"}``); they apply when ``book`` is read here.
    ``overrides`` (approved tier overrides, from ``tierwise.workspace``) set the tier
    that applies; the scorecard then also has ``model_tier`` and the ``override_*`` columns.
    ``con`` is the engine that reads and analyses the book (default: embedded DuckDB), e.g.
    ``tierwise.engine.connect("pyspark")``; with it, ``book`` may also name the database of
    tables already in ``con``, or be a mapping of its tables (``read_book``).
    """
    as_of = as_date(as_of, "as_of")
    today = as_date(today, "today")
    options = mapping_from_options(map, where, tables, date_format)
    if isinstance(book, Book) and (options is not None or preset is not None):
        raise InputError(
            "the book was read already, so preset, map, where, tables and date_format cannot "
            "apply; give them to tierwise.read_book, or pass the book's path to analyze"
        )
    if options is not None:
        mapping = options if mapping is None else mapping.merged(options)
    if isinstance(policy, Policy):
        resolved_policy, policy_source = policy, "given as a Policy object"
    else:
        resolved_policy, policy_source = load_policy(policy, book=book)
    watch = Stopwatch(progress, total_stages=len(STAGES) + (0 if isinstance(book, Book) else 1))
    if not isinstance(book, Book):
        with watch.stage("read and validate"):
            book = read_book_under_policy(
                book, resolved_policy, preset=preset, mapping=mapping, today=today, con=con
            )
    resolved_policy = with_preset_team(resolved_policy, book)
    window = Window.ending(as_of or default_as_of(book), resolved_policy.analysis.window_days)
    con = book.con
    tables_before = set(con.list_tables())
    summaries: dict[str, Any] = {}
    details: dict[str, DetailsTable] = {}
    portfolio: dict[str, Any] = {}

    with watch.stage("customer facts"):
        facts = customer_facts(
            book.transactions,
            window,
            resolved_policy.analysis.default_margin_rate,
            customers=book.table("customers"),
        )
        facts = materialise(con, "tw_facts", facts)
        scored = rfm_scores(facts, resolved_policy.rfm)

    with watch.stage("cost-to-serve and profit"):
        activities = book.table("activities")
        attributes = book.customer_attributes()
        costs = resolved_policy.costs
        # The activities are priced once (the stage's costly scan), for the costs and for
        # the warnings about them alike.
        activity_totals = (
            keep(activity_costs(activities, attributes, costs, window))
            if activities is not None
            else None
        )
        profit = customer_profitability(
            facts,
            activities,
            attributes,
            costs,
            window,
            transactions=book.transactions,
            activity_totals=activity_totals,
        )
        if activities is not None:
            summaries["activities"] = activity_issues(
                activities, costs, window, customers=attributes, activity_totals=activity_totals
            )
        rfm_part = scored.select(
            "customer_id", *[c for c in scored.columns if c not in facts.columns]
        )
        scorecard = _attach(con, profit, rfm_part)
        scorecard = _attach(con, scorecard, _customer_attributes(attributes))
        if activity_totals is not None:
            release(activity_totals)

    with watch.stage("lifetime value"):
        rates = scorecard.select("customer_id", "revenue", "gross_margin", "net_profit")
        clv = lifetime_value(book.transactions, window, resolved_policy.clv, rates)
        summaries["clv"] = clv.summary
        details.update(clv.diagnostics)
        scorecard = _attach(con, scorecard, clv.table)
        clv.release()

    with watch.stage("value, tiers and relationship levels"):
        segments = segment_customers(
            scorecard,
            transactions=book.transactions,
            customers=book.table("customers"),
            signals=book.table("signals"),
            settings=resolved_policy.segmentation,
            window=window,
        )
        portfolio.update(segments.portfolio)
        details.update(segments.details)
        scorecard = _attach(con, scorecard, segments.scores)
        release(segments.scores)  # 0.75 GB of Arrow at a million customers, joined in now
        if overrides is not None:
            from tierwise.segment.overrides import apply_overrides, effective_tier_figures

            scorecard = _materialise(con, apply_overrides(scorecard, overrides), scorecard)
            figures, tier_tables = effective_tier_figures(
                scorecard, resolved_policy.segmentation, portfolio["tiers"]
            )
            portfolio.update(figures)
            details.update(tier_tables)

    with watch.stage("service alignment and capacity"):
        service = align_service(
            scorecard,
            activities=activities,
            customers=book.table("customers"),
            policy=resolved_policy,
            window=window,
            effort_known=activities is not None,
        )
        portfolio.update(service.portfolio)
        details.update(service.details)
        details.update(agenda_details(book, window, resolved_policy))
        scorecard = _attach(con, scorecard, service.scores)

    with watch.stage("whitespace"):
        space = plan_evidence(book, scorecard, window, resolved_policy)
        details.update(space.details)
        summaries["whitespace"] = space.summary
        if space.notes:
            portfolio["warnings"] = [*portfolio.get("warnings", []), *space.notes]

    with watch.stage("portfolio figures"):
        portfolio = {**_totals(scorecard), **portfolio_profit_figures(scorecard), **portfolio}
        fit = cost_fit(scorecard, resolved_policy.costs)
        if fit is not None:
            portfolio["cost_fit"] = fit
            portfolio["warnings"] = [fit["message"], *portfolio.get("warnings", [])]

    with watch.stage("scorecard"):
        scorecard_file = SpooledTable(_in_column_order(scorecard), "scorecard", ["customer_id"])
        drop_run_tables(con, tables_before)
    watch.finish()
    return AnalysisResult(
        book=book,
        policy=resolved_policy,
        policy_source=policy_source,
        window=window,
        scorecard_file=scorecard_file,
        portfolio=portfolio,
        details=details,
        timings=watch.timings,
        stage_summaries=summaries,
    )


def read_book_under_policy(
    source: str | Path | Mapping[str, ir.Table],
    policy: Policy,
    *,
    preset: str | None = None,
    mapping: BookMapping | None = None,
    today: date | None = None,
    con: ibis.BaseBackend | None = None,
) -> Book:
    """Read a book with the policy's mapping (``mapping`` laid on top) and currency rates."""
    return read_book(
        source,
        preset=preset,
        mapping=policy.book if mapping is None else policy.book.merged(mapping),
        fx_rates=policy.analysis.fx_rates,
        currency=policy.analysis.currency,
        today=today,
        con=con,
    )


STAGES = (
    "customer facts",
    "cost-to-serve and profit",
    "lifetime value",
    "value, tiers and relationship levels",
    "service alignment and capacity",
    "whitespace",
    "portfolio figures",
    "scorecard",
)


def _attach(con: Any, base: ir.Table, extra: ir.Table | pd.DataFrame | None) -> ir.Table:
    """Left-join a stage's per-customer columns onto the scorecard and materialise it.

    Materialising after each stage keeps every later stage reading one compact table
    instead of re-running the whole chain of expressions.
    """
    if extra is None:
        return base
    table = ibis.memtable(extra) if isinstance(extra, pd.DataFrame) else extra
    new = [c for c in table.columns if c != "customer_id" and c not in base.columns]
    table = table.select("customer_id", *new).mutate(customer_id=table.customer_id.cast("string"))
    joined = base.left_join(table, "customer_id").select(base, *[table[c] for c in new])
    return _materialise(con, joined, base)


def _materialise(con: Any, scorecard: ir.Table, previous: ir.Table) -> ir.Table:
    """The next version of the scorecard as a table; the previous version is dropped."""
    table = materialise(con, f"tw_scorecard_{next(_SCORECARD_VERSIONS)}", scorecard)
    name = getattr(previous.op(), "name", "")  # a table's name; an expression has none
    if name.startswith("tw_scorecard_"):
        drop_relation(con, name)
    return table


_SCORECARD_VERSIONS = itertools.count(1)


def _customer_attributes(customers: ir.Table | None) -> ir.Table | None:
    if customers is None:
        return None
    return customers.select(
        *[c for c in customers.columns if c in ("customer_id", "name", "owner")]
    )


def _in_column_order(scorecard: ir.Table) -> ir.Table:
    first = [c for c in SCORECARD_ORDER if c in scorecard.columns]
    rest = [c for c in scorecard.columns if c not in first]
    return scorecard.select(*first, *rest)


def _totals(scorecard: ir.Table) -> dict[str, Any]:
    totals = (
        scorecard.aggregate(
            customers=scorecard.count(),
            buyers=(scorecard.orders > 0).sum(),
            revenue=scorecard.revenue.sum(),
            gross_margin=scorecard.gross_margin.sum(),
            cost_to_serve=scorecard.cost_to_serve.sum(),
            net_profit=scorecard.net_profit.sum(),
            loss_makers=(scorecard.net_profit < 0).sum(),
            effort_hours=scorecard.effort_hours.sum(),
            margin_estimated=scorecard.margin_estimated.any(),
        )
        .execute()
        .iloc[0]
    )
    return {
        "customers": int(totals["customers"]),
        "customers_buying_in_window": int(totals["buyers"] or 0),
        "revenue": float(totals["revenue"] or 0.0),
        "gross_margin": float(totals["gross_margin"] or 0.0),
        "gross_margin_estimated": bool(totals["margin_estimated"]),
        "cost_to_serve": float(totals["cost_to_serve"] or 0.0),
        "net_profit": float(totals["net_profit"] or 0.0),
        "loss_makers": int(totals["loss_makers"] or 0),
        "effort_hours": float(totals["effort_hours"] or 0.0),
    }
