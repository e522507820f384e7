"""An account plan as Markdown, self-contained HTML or JSON; ``joint`` leaves out every
internal figure (margins, cost-to-serve, the values we put on the customer)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

from tierwise.plans.model import AccountPlan, Statement, fmt

Format = Literal["md", "html", "json"]


def joint_version(plan: AccountPlan) -> AccountPlan:
    """The plan to share with the customer: only statements citing no internal figure,
    no margin-based objectives, whitespace without expected margins, no risks, and the
    stakeholders without our reading of their influence and sentiment."""
    objectives = [o for o in plan.objectives if o.joint]
    kept = {o.key for o in objectives}
    return replace(
        plan,
        tier=None,
        summary=_public(plan.summary),
        value_drivers=_public(plan.value_drivers),
        whitespace=[
            replace(w, expected_margin=float("nan"), why=_joint_why(w.peer_penetration))
            for w in plan.whitespace
        ],
        objectives=[
            replace(o, because=Statement(o.title, [])) if o.because.internal else o
            for o in objectives
        ],
        stakeholders=[replace(p, influence=None, sentiment=None) for p in plan.stakeholders],
        stakeholder_gaps=[],
        risks=[],
        actions=[a for a in plan.actions if a.objective in kept],
        share_of_wallet=plan.share_of_wallet,
    )


def _public(statements: list[Statement]) -> list[Statement]:
    return [s for s in statements if not s.internal]


def _joint_why(share: float) -> str:
    return f"bought by {share:.0%} of comparable customers"


def plan_dict(plan: AccountPlan, *, joint: bool = False) -> dict[str, Any]:
    shown = joint_version(plan) if joint else plan
    data = shown.to_dict()
    data["joint"] = joint
    if joint:
        for w in data["whitespace"]:
            w.pop("expected_margin", None)
    return data


def render_plan(plan: AccountPlan, fmt_: Format = "md", *, joint: bool = False) -> str:
    """The plan as text in ``fmt_`` (``md``, ``html`` or ``json``)."""
    data = plan_dict(plan, joint=joint)
    if fmt_ == "json":
        return json.dumps(data, indent=2, default=str)
    if fmt_ == "html":
        return _html(data)
    return _markdown(data)


def _cite(statement: dict[str, Any]) -> str:
    if not statement["cites"]:
        return ""
    parts = [
        f"{c['name'].replace('_', ' ')} {fmt(c['value'])}: {c['source']}"
        for c in statement["cites"]
    ]
    return " [" + "; ".join(parts) + "]"


def _markdown(d: dict[str, Any]) -> str:
    title = "Joint business plan" if d["joint"] else "Account plan (draft)"
    lines = [f"# {title}: {d['name'] or d['customer_id']}", ""]
    lines.append(
        f"Customer {d['customer_id']} · owner {d['owner'] or 'unassigned'} · as of {d['as_of']}"
    )
    if d.get("version"):
        lines.append(f"Version {d['version']}")
    lines.append("")

    def section(name: str, statements: list[dict[str, Any]]) -> None:
        if statements:
            lines.extend([f"## {name}", ""])
            lines.extend(f"- {s['text']}{_cite(s)}" for s in statements)
            lines.append("")

    section("Value", d["summary"])
    section("Value drivers", d["value_drivers"])
    lines.extend(["## Whitespace", ""])
    if d["whitespace_note"]:
        lines.append(f"_{d['whitespace_note']}_")
    for w in d["whitespace"]:
        margin = "" if d["joint"] else f" — expected margin {fmt(w['expected_margin'])} a year"
        lines.append(f"- **{w['item']}**{margin}: {w['why']}")
    lines.append("")
    if d["share_of_wallet"]:
        section("Share of wallet", [d["share_of_wallet"]])
    lines.extend(["## Objectives", ""])
    for o in d["objectives"]:
        lines.append(
            f"- **{o['title']}** — involve {', '.join(o['functions'])}. "
            f"{o['because']['text']}{_cite(o['because'])}"
        )
    lines.extend(["", "## Stakeholders", ""])
    for p in d["stakeholders"]:
        extra = ", ".join(
            str(p[k]) for k in ("title", "function", "role", "influence", "sentiment") if p.get(k)
        )
        touch = f", last touch {p['last_touch']}" if p.get("last_touch") else ""
        lines.append(f"- {p['name']} ({extra}{touch})")
    section("Stakeholder gaps", d["stakeholder_gaps"])
    section("Risks", d["risks"])
    lines.extend(
        ["## Actions", "", "| # | action | owner | due | status |", "|---|---|---|---|---|"]
    )
    for a in d["actions"]:
        lines.append(
            f"| {a['key']} | {a['title']} | {a['owner'] or '—'} | {a['due']} | {a['status']} |"
        )
    return "\n".join(lines) + "\n"


def _html(d: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tierwise.plans", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fmt"] = fmt
    env.filters["cite"] = _cite
    return env.get_template("plan.html.j2").render(plan=d)
