"""One person's day as text for the terminal, Markdown for a mail or chat, or JSON for tools.

Rendering only formats what the engine decided: the rank, quadrant, plan and ``why`` of
each item come from ``build_agenda`` unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from tierwise.agenda.engine import Agenda
from tierwise.agenda.evidence import item_records

LABELS = {
    "do_now": "Do now",
    "schedule": "Schedule",
    "delegate": "Delegate",
    "drop": "Drop",
    "reduce": "Reduce",
}


def day_summary(agenda: Agenda, owner: str) -> dict[str, Any]:
    """The person's capacity line: daily minutes, planned, demanded, carried over."""
    rows = agenda.capacity[agenda.capacity["owner"] == owner]
    if rows.empty:
        return {"owner": owner, "daily_minutes": 0, "planned_minutes": 0, "carried_over": 0}
    row = rows.iloc[0]
    return {
        "owner": owner,
        "date": agenda.day.isoformat(),
        "run_as_of": agenda.as_of.isoformat(),
        "daily_minutes": int(row["daily_minutes"]),
        "capacity_source": str(row["capacity_source"]),
        "planned_minutes": int(row["planned_minutes"]),
        "demand_minutes": int(row["demand_minutes"]),
        "carried_over": int(row["carried_over"]),
        "items": int(row["items"]),
    }


def to_json(agenda: Agenda, owner: str) -> str:
    body = {
        **day_summary(agenda, owner),
        "notes": agenda.notes,
        "agenda": item_records(agenda.owner_items(owner)),
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _sections(agenda: Agenda, owner: str) -> list[tuple[str, list[dict[str, Any]]]]:
    records = item_records(agenda.owner_items(owner))
    today = [r for r in records if r["plan"] == "today"]
    carried = [r for r in records if r["plan"] == "carried_over"]
    dropped = [r for r in records if r["quadrant"] == "drop"]
    reduce = [r for r in records if r["quadrant"] == "reduce"]
    return [
        ("Today", today),
        ("Carried over (does not fit today)", carried),
        ("Reduce (effort to take away)", reduce),
        ("Drop", dropped),
    ]


def _headline(agenda: Agenda, owner: str) -> str:
    s = day_summary(agenda, owner)
    return (
        f"{owner} — {agenda.day.isoformat()}: {s['planned_minutes']} of {s['daily_minutes']} "
        f"minutes planned ({s['capacity_source']}); {s['carried_over']} item(s) carried over"
    )


def to_text(agenda: Agenda, owner: str, *, limit: int = 20) -> str:
    """Plain text: the day's items with their why, then counts of the rest."""
    lines = [_headline(agenda, owner), *[f"note: {n}" for n in agenda.notes], ""]
    for title, records in _sections(agenda, owner):
        if not records:
            continue
        lines.append(f"{title} ({len(records)})")
        for r in records[:limit]:
            due = f" due {r['due']}" if r["due"] else ""
            lines.append(
                f"{r['rank']:>4}. [{LABELS[r['quadrant']]}] {r['name'] or r['customer_id']} "
                f"({r['tier']}) — {r['title']}{due} · {r['minutes']} min  [{r['item_id']}]"
            )
            lines.append(f"      why: {r['why']}")
        if len(records) > limit:
            lines.append(f"      … and {len(records) - limit} more (--format json lists all)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: Any) -> str:
    """Markdown-safe text: characters that would start markup are escaped."""
    out = str(text)
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#"):
        out = out.replace(ch, "\\" + ch)
    return out


def to_markdown(agenda: Agenda, owner: str, *, limit: int = 30) -> str:
    """Markdown for a mail or chat message: a table per section."""
    lines = [f"## {_md(_headline(agenda, owner))}", ""]
    lines += [f"> {_md(n)}" for n in agenda.notes]
    for title, records in _sections(agenda, owner):
        if not records:
            continue
        lines += [f"### {title} ({len(records)})", ""]
        lines += [
            "| # | quadrant | account | what | due | min | why |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in records[:limit]:
            account = f"{r['name'] or r['customer_id']} ({r['tier']})"
            lines.append(
                f"| {r['rank']} | {LABELS[r['quadrant']]} | {_md(account)} | {_md(r['title'])} "
                f"| {r['due'] or ''} | {r['minutes']} | {_md(r['why'])} |"
            )
        if len(records) > limit:
            lines.append(f"\n… and {len(records) - limit} more.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
