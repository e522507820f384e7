"""Draft an account plan from a run folder: value, drivers, whitespace, objectives,
functions, stakeholders, risks and actions, each statement citing its figures."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from tierwise.errors import InputError
from tierwise.plans.model import (
    AccountPlan,
    Action,
    Figure,
    Objective,
    Stakeholder,
    Statement,
    WhitespaceItem,
    fmt,
)
from tierwise.plans.stakeholders import stakeholder_gaps
from tierwise.settings.plans import PlanSettings

SC = "scorecard"

#: Which function helps with each cost-to-serve driver (the cts_<driver> columns).
DRIVER_FUNCTIONS = {
    "people": ["sales operations"],
    "orders": ["operations", "customer service"],
    "logistics": ["supply chain"],
    "returns": ["quality", "supply chain"],
    "support": ["customer service", "R&D"],
    "discounts": ["pricing", "finance"],
    "payment_terms": ["finance (credit lines)"],
}


class UnknownCustomer(InputError):
    """The customer id is not in the run's scorecard."""


def draft_plan(run: str | Path, customer_id: str) -> AccountPlan:
    """Draft the plan for ``customer_id`` from the run folder ``run`` (CONTRACT §7)."""
    folder = Path(run)
    info = _run_info(folder)
    row = _one_row(folder / "scorecard.parquet", customer_id)
    if row is None:
        raise UnknownCustomer(
            f"customer {customer_id!r} is not in the run {folder} "
            f"(scorecard.parquet); check the id against scorecard.csv"
        )
    as_of = date.fromisoformat(info["as_of"])
    plan = AccountPlan(
        customer_id=customer_id,
        name=_text(row.get("name")),
        owner=_text(row.get("owner")),
        tier=_text(row.get("tier")),
        as_of=as_of.isoformat(),
        run=str(folder),
    )
    plan.summary = _summary(row)
    plan.value_drivers = _drivers(row)
    plan.whitespace, plan.whitespace_note = _whitespace(folder, customer_id, info)
    plan.share_of_wallet = _share_of_wallet(folder, customer_id)
    plan.stakeholders, contacts_known = _stakeholders(folder, customer_id)
    plan.stakeholder_gaps = stakeholder_gaps(plan.stakeholders, contacts_known, as_of)
    plan.objectives = _objectives(row, plan)
    plan.risks = _risks(row, plan)
    spacing = PlanSettings.model_validate((info.get("policy") or {}).get("plans") or {})
    plan.actions = _actions(plan, as_of, spacing.action_spacing_days)
    return plan


def _run_info(folder: Path) -> dict[str, Any]:
    path = folder / "run.json"
    if not path.is_file():
        raise InputError(
            f"{folder} is not a run folder (no run.json); "
            f"`tierwise analyze BOOK --out {folder}` makes one"
        )
    info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return info


def _one_row(path: Path, customer_id: str) -> dict[str, Any] | None:
    table = pq.read_table(path, filters=[("customer_id", "=", customer_id)])
    if table.num_rows == 0:
        return None
    return {k: v[0] for k, v in table.to_pydict().items()}


def _rows(path: Path, customer_id: str) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    table = pq.read_table(path, filters=[("customer_id", "=", customer_id)])
    if "rank" in table.column_names:
        table = table.take(pc.sort_indices(table, [("rank", "ascending")]))
    return table.to_pylist()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _num(row: dict[str, Any], name: str) -> float | None:
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _fig(row: dict[str, Any], name: str) -> Figure:
    value = row.get(name)
    if isinstance(value, float) and math.isnan(value):
        value = None
    return Figure(name, value, f"{SC}.{name}")


def _summary(row: dict[str, Any]) -> list[Statement]:
    out = [
        Statement(
            f"Revenue {fmt(_num(row, 'revenue'))} over the analysis window, "
            f"from {fmt(row.get('orders'))} orders",
            [_fig(row, "revenue"), _fig(row, "orders")],
        ),
        Statement(
            f"Net profit {fmt(_num(row, 'net_profit'))}: gross margin "
            f"{fmt(_num(row, 'gross_margin'))} less cost-to-serve "
            f"{fmt(_num(row, 'cost_to_serve'))}",
            [_fig(row, "net_profit"), _fig(row, "gross_margin"), _fig(row, "cost_to_serve")],
        ),
        Statement(
            f"Lifetime value (CLV) {fmt(_num(row, 'clv'))}; engagement value (CEV) "
            f"{fmt(_num(row, 'cev'))}",
            [_fig(row, "clv"), _fig(row, "cev")],
        ),
    ]
    if row.get("relationship_level") is not None:
        out.append(
            Statement(
                f"Relationship level {fmt(row.get('relationship_level'))}, trend "
                f"{row.get('relationship_trend') or 'unknown'} "
                f"({row.get('trend_evidence') or 'no evidence'})",
                [
                    _fig(row, "relationship_level"),
                    _fig(row, "relationship_trend"),
                    _fig(row, "trend_evidence"),
                ],
            )
        )
    if row.get("tier") is not None:
        out.append(
            Statement(
                f"Tier {row.get('tier')} (strategic rank {fmt(row.get('strategic_rank'))}, "
                f"revenue rank {fmt(row.get('revenue_rank'))})",
                [_fig(row, "tier"), _fig(row, "strategic_rank"), _fig(row, "revenue_rank")],
            )
        )
    return out


def _drivers(row: dict[str, Any]) -> list[Statement]:
    out: list[Statement] = []
    if row.get("rfm_segment"):
        out.append(
            Statement(
                f"Buying pattern: {row['rfm_segment']} (R/F/M {row.get('rfm_score')}, last "
                f"purchase {fmt(_num(row, 'recency_days'))} days before the as-of date)",
                [_fig(row, "rfm_segment"), _fig(row, "rfm_score"), _fig(row, "recency_days")],
            )
        )
    revenue, margin = _num(row, "revenue"), _num(row, "gross_margin")
    if revenue and margin is not None:
        rate = margin / revenue
        out.append(
            Statement(
                f"Gross margin rate {rate:.0%} of revenue",
                [_fig(row, "gross_margin"), _fig(row, "revenue")],
            )
        )
    if _num(row, "price_realisation") is not None:
        out.append(
            Statement(
                f"Price realisation {_num(row, 'price_realisation'):.0%} of list",
                [_fig(row, "price_realisation")],
            )
        )
    drivers = [(c[4:], _num(row, c)) for c in row if c.startswith("cts_")]
    drivers = [(d, v) for d, v in drivers if v]
    if drivers:
        d, v = max(drivers, key=lambda p: p[1] or 0.0)
        out.append(
            Statement(
                f"Largest cost-to-serve driver: {d.replace('_', ' ')} ({fmt(v)})",
                [_fig(row, f"cts_{d}")],
            )
        )
    for name, label in (
        ("engagement_referrals", "referrals brought"),
        ("engagement_influence_signals", "reviews, references and case studies"),
        ("engagement_knowledge_signals", "ideas, feedback and co-development"),
    ):
        count = _num(row, name)
        if count:
            out.append(Statement(f"{fmt(int(count))} {label}", [_fig(row, name)]))
    sat = _num(row, "client_satisfaction")
    if sat is not None:
        out.append(
            Statement(f"Satisfaction index {sat:.2f} (0..1)", [_fig(row, "client_satisfaction")])
        )
    return out


def _whitespace(
    folder: Path, customer_id: str, info: dict[str, Any]
) -> tuple[list[WhitespaceItem], str | None]:
    summary = (info.get("stages") or {}).get("whitespace") or {}
    if summary.get("skipped"):
        return [], str(summary["skipped"])
    rows = _rows(folder / "details" / "whitespace.parquet", customer_id)
    if not rows:
        return [], "no whitespace for this customer in the run (details/whitespace.parquet)"
    items = [
        WhitespaceItem(
            item=str(r["item"]),
            peer_penetration=float(r["peer_penetration"]),
            similar_penetration=r.get("similar_penetration"),
            expected_margin=float(r["expected_margin"]),
            why=str(r["why"]),
        )
        for r in rows
    ]
    return items, None


def _share_of_wallet(folder: Path, customer_id: str) -> Statement | None:
    rows = _rows(folder / "details" / "share_of_wallet.parquet", customer_id)
    if not rows or rows[0].get("share_of_wallet") is None:
        return None
    r = rows[0]
    src = "details/share_of_wallet"
    return Statement(
        f"Share of wallet {r['share_of_wallet']:.0%}: {fmt(r['yearly_revenue'])} a year of a "
        f"wallet of {fmt(r['wallet'])}; growth potential {fmt(r['growth_potential'])}",
        [
            Figure("share_of_wallet", r["share_of_wallet"], f"{src}.share_of_wallet"),
            Figure("yearly_revenue", r["yearly_revenue"], f"{src}.yearly_revenue"),
            Figure("wallet", r["wallet"], f"{src}.wallet"),
            Figure("growth_potential", r["growth_potential"], f"{src}.growth_potential"),
        ],
    )


def _stakeholders(folder: Path, customer_id: str) -> tuple[list[Stakeholder], bool]:
    """The customer's contacts, and whether the book had a contacts table at all."""
    path = folder / "details" / "contacts.parquet"

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    people = [
        Stakeholder(
            name=str(r["name"]),
            title=text(r.get("title")),
            function=text(r.get("function")),
            role=text(r.get("role")),
            influence=text(r.get("influence")),
            sentiment=text(r.get("sentiment")),
            last_touch=None if r.get("last_touch") is None else str(r["last_touch"])[:10],
        )
        for r in _rows(path, customer_id)
    ]
    return people, path.is_file()


def _objectives(row: dict[str, Any], plan: AccountPlan) -> list[Objective]:
    out: list[Objective] = []
    if plan.whitespace:
        top = plan.whitespace[:3]
        total = sum(w.expected_margin for w in top)
        out.append(
            Objective(
                "grow",
                "Grow " + ", ".join(w.item for w in top),
                Statement(
                    f"Whitespace: peers buy these and this customer does not; expected margin "
                    f"{fmt(total)} a year together ({top[0].why})",
                    [
                        Figure(
                            "expected_margin",
                            w.expected_margin,
                            "details/whitespace.expected_margin",
                        )
                        for w in top
                    ]
                    + [
                        Figure(
                            "peer_penetration",
                            w.peer_penetration,
                            "details/whitespace.peer_penetration",
                        )
                        for w in top
                    ],
                ),
                ["sales", "marketing", "supply chain"],
            )
        )
    net = _num(row, "net_profit")
    if net is not None and net < 0:
        drivers = [(c[4:], _num(row, c) or 0.0) for c in row if c.startswith("cts_")]
        top_driver = max(drivers, key=lambda p: p[1])[0] if drivers else "people"
        out.append(
            Objective(
                "fix_loss",
                f"Fix the loss driver: {top_driver.replace('_', ' ')}",
                Statement(
                    f"Net profit {fmt(net)}; "
                    f"{row.get('loss_drivers') or 'cost-to-serve above margin'}",
                    [
                        _fig(row, "net_profit"),
                        _fig(row, "loss_drivers"),
                        _fig(row, f"cts_{top_driver}"),
                    ],
                ),
                ["finance", *DRIVER_FUNCTIONS.get(top_driver, ["operations"])],
                joint=False,
            )
        )
    sat, complaints = _num(row, "client_satisfaction"), _num(row, "client_complaint_count")
    level = row.get("relationship_level")
    if (sat is not None and sat < 0.5) or (complaints or 0) > 0 or level in (2, 4):
        out.append(
            Objective(
                "satisfaction",
                "Lift satisfaction",
                Statement(
                    f"Satisfaction index {fmt(sat)}, {fmt(int(complaints or 0))} complaints; "
                    f"value to the customer {fmt(_num(row, 'value_to_client'))} (0..1)",
                    [
                        _fig(row, "client_satisfaction"),
                        _fig(row, "client_complaint_count"),
                        _fig(row, "value_to_client"),
                    ],
                ),
                ["customer service", "R&D", "quality"],
            )
        )
    if plan.share_of_wallet is not None:
        share = plan.share_of_wallet.cites[0].value
        if share is not None and share < 0.5:
            out.append(
                Objective(
                    "wallet",
                    "Win a larger share of wallet",
                    plan.share_of_wallet,
                    ["sales", "finance (credit lines)", "marketing"],
                )
            )
    if row.get("relationship_trend") == "deteriorating":
        out.append(
            Objective(
                "reverse_decline",
                "Reverse the decline",
                Statement(
                    f"Trend deteriorating ({row.get('trend_evidence')})",
                    [_fig(row, "relationship_trend"), _fig(row, "trend_evidence")],
                ),
                ["executive sponsor", "sales", "customer service"],
            )
        )
    sponsor_gap = [g for g in plan.stakeholder_gaps if "executive sponsor" in g.text]
    if sponsor_gap:
        out.append(
            Objective(
                "sponsor",
                "Name an executive sponsor on both sides",
                sponsor_gap[0],
                ["executive team", "sales"],
            )
        )
    return out


def _risks(row: dict[str, Any], plan: AccountPlan) -> list[Statement]:
    out: list[Statement] = []
    p_alive = _num(row, "p_alive")
    if p_alive is not None and p_alive < 0.5:
        out.append(
            Statement(
                f"May be lapsing: probability still active {p_alive:.0%}", [_fig(row, "p_alive")]
            )
        )
    if row.get("relationship_trend") == "deteriorating":
        out.append(
            Statement(
                f"Relationship deteriorating: {row.get('trend_evidence')}",
                [_fig(row, "relationship_trend"), _fig(row, "trend_evidence")],
            )
        )
    if row.get("level_alert"):
        out.append(Statement(f"Level alert: {row['level_alert']}", [_fig(row, "level_alert")]))
    net = _num(row, "net_profit")
    if net is not None and net < 0:
        out.append(Statement(f"Loss-making: net profit {fmt(net)}", [_fig(row, "net_profit")]))
    if row.get("alignment") == "under_served":
        out.append(
            Statement(
                f"Under-served: {fmt(_num(row, 'effort_hours'))} hours given against "
                f"{fmt(_num(row, 'entitled_hours'))} the tier asks for",
                [_fig(row, "alignment"), _fig(row, "effort_hours"), _fig(row, "entitled_hours")],
            )
        )
    out.extend(g for g in plan.stakeholder_gaps if "single-threaded" in g.text)
    return out


def _actions(plan: AccountPlan, as_of: date, spacing_days: int) -> list[Action]:
    steps = {
        "grow": "Present {what} to the buyer with a trial offer",
        "fix_loss": "Agree a cost-to-serve fix ({what}) with finance",
        "satisfaction": "Hold a service review and agree three fixes",
        "wallet": "Map the customer's total spend in our category and the share we win",
        "reverse_decline": "Executive call to understand the decline",
        "sponsor": "Ask the customer to name an executive sponsor",
    }
    out = []
    for i, objective in enumerate(plan.objectives, start=1):
        what = objective.title.split(": ", 1)[-1].removeprefix("Grow ")
        out.append(
            Action(
                key=f"A{i}",
                objective=objective.key,
                title=steps.get(objective.key, objective.title).format(what=what),
                owner=plan.owner,
                due=(as_of + timedelta(days=spacing_days * i)).isoformat(),
            )
        )
    return out
