"""The day as an iCalendar file (RFC 5545) that imports into a calendar.

Planned items become events one after another from ``agenda.day_start``; items carried
over become to-dos (VTODO) with their due date, so nothing is lost in the calendar
either. Each UID is the item's stable id, so importing the next day's file updates the
same entries instead of duplicating them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Todo

from tierwise import __version__
from tierwise.agenda.engine import Agenda
from tierwise.agenda.evidence import item_records
from tierwise.agenda.render import LABELS


def to_ics(agenda: Agenda, owner: str) -> bytes:
    """The calendar of ``owner``'s day: events for today's items, to-dos for the rest."""
    cal = Calendar()
    cal.add("prodid", f"-//tierwise//agenda {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"tierwise: {owner}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    start = datetime.combine(agenda.day, agenda.policy.agenda.start_time)
    for r in item_records(agenda.owner_items(owner)):
        account = r["name"] or r["customer_id"]
        summary = f"[{LABELS[r['quadrant']]}] {account}: {r['title']}"
        description = f"{r['why']}\nitem {r['item_id']} · tier {r['tier']} · rank {r['rank']}"
        if r["plan"] == "today" and r["minutes"] > 0:
            event = Event()
            event.add("uid", f"{r['item_id']}@tierwise")
            event.add("dtstamp", stamp)
            event.add("dtstart", start)
            start += timedelta(minutes=r["minutes"])
            event.add("dtend", start)
            event.add("summary", summary)
            event.add("description", description)
            event.add("categories", [r["quadrant"], r["kind"]])
            cal.add_component(event)
        elif r["plan"] == "carried_over":
            todo = Todo()
            todo.add("uid", f"{r['item_id']}@tierwise")
            todo.add("dtstamp", stamp)
            todo.add("summary", summary)
            todo.add("description", description)
            todo.add("due", date.fromisoformat(r["due"]) if r["due"] else agenda.day)
            todo.add("categories", [r["quadrant"], r["kind"]])
            cal.add_component(todo)
    return cal.to_ical()
