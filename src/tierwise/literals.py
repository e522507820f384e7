"""The one way to put a Python value into an engine expression: dates and window bounds.

Dates reach the engine from the window, the as-of date and the user's "today". Built
in one place so every stage compares like with like (a timestamp at midnight, or a
calendar day) and the SQL does not depend on which stage wrote it.
"""

from __future__ import annotations

from datetime import date, datetime, time

import ibis
import ibis.expr.types as ir


def at_midnight(day: date) -> ir.TimestampScalar:
    """Midnight of ``day`` as a timestamp literal (a ``datetime`` is kept as it is).

    Transactions, activities and signals carry timestamps, so a window bound compared
    with them is a timestamp.
    """
    moment = day if isinstance(day, datetime) else datetime.combine(day, time())
    return ibis.literal(moment, type="timestamp")


def calendar_day(day: date) -> ir.DateScalar:
    """``day`` as a date literal (the day of a ``datetime``)."""
    return ibis.literal(day.date() if isinstance(day, datetime) else day, type="date")
