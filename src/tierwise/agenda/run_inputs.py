"""What a run keeps for the agenda: open tasks and each account's last touch and purchases.

The agenda is built from a run folder alone (no book needed), so the analysis writes two
small detail tables (CONTRACT §3): ``details/agenda_tasks.parquet`` (the book's open
tasks, as validated) and ``details/agenda_touches.parquet`` (per account: the last touch,
the last business review, and the purchases since the last touch). Both are computed in
the engine; only their compact results reach pandas.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tierwise.metrics.facts import is_purchase
from tierwise.spooled import SpooledTable

if TYPE_CHECKING:
    from tierwise.book.book import Book
    from tierwise.settings.schema import Policy
    from tierwise.window import Window

#: Task statuses that mean the work is finished (any case); every other status is open.
DONE_STATUSES = ("done", "completed", "complete", "closed", "cancelled", "canceled")

TASK_COLUMNS = {
    "task_id": "string",
    "customer_id": "string",
    "owner": "string",
    "title": "string",
    "due": "date",
    "status": "string",
    "important": "boolean",
}
TOUCH_COLUMNS = {
    "customer_id": "string",
    "last_touch": "date",
    "last_review": "date",
    "orders_since_touch": "int64",
    "revenue_since_touch": "float64",
    "first_order_since_touch": "date",
    "last_order_since_touch": "date",
}


def agenda_details(book: Book, window: Window, policy: Policy) -> dict[str, SpooledTable]:
    """The two detail tables the agenda reads from a run folder, written by the engine
    (a million customers' open tasks and touches: 2.8M rows the process need not hold)."""
    tasks = open_tasks(book.table("tasks"))
    touched = touches(book.transactions, book.table("activities"), window, policy)
    return {
        "agenda_tasks": SpooledTable(tasks, "agenda_tasks", ["customer_id", "task_id"]),
        "agenda_touches": SpooledTable(touched, "agenda_touches", ["customer_id"]),
    }


def empty_table(schema: dict[str, str]) -> ir.Table:
    """A table with no rows and these column types, on any engine (Spark needs the types:
    it cannot tell a date from an empty pandas column)."""
    return ibis.memtable(ibis.schema(schema).to_pyarrow().empty_table())


def open_tasks(tasks: ir.Table | None) -> ir.Table:
    """Tasks whose status is not a done status; missing optional columns become null."""
    if tasks is None:
        return empty_table(TASK_COLUMNS)
    cols = {
        name: (tasks[name] if name in tasks.columns else ibis.null()).cast(kind)
        for name, kind in TASK_COLUMNS.items()
    }
    status = tasks.status.cast("string") if "status" in tasks.columns else ibis.null("string")
    is_done = status.strip().lower().isin(DONE_STATUSES).fill_null(False)
    return tasks.filter(~is_done).select(**cols)


def touches(
    transactions: ir.Table, activities: ir.Table | None, window: Window, policy: Policy
) -> ir.Table:
    """Per account: last touch and review before the as-of date, purchases since the touch."""
    as_of = window.end
    settings = policy.agenda
    if activities is None:
        last = empty_table({"customer_id": "string", "last_touch": "date", "last_review": "date"})
    else:
        acts = activities.filter(activities.date.cast("date") < as_of)
        touch_types = policy.service.cadence.touch_types
        is_touch = acts.type.isin(touch_types) if touch_types else ibis.literal(True)
        is_review = acts.type.isin(settings.review_types)
        day = acts.date.cast("date")
        last = acts.group_by(customer_id=acts.customer_id.cast("string")).aggregate(
            last_touch=ibis.ifelse(is_touch, day, ibis.null("date")).max(),
            last_review=ibis.ifelse(is_review, day, ibis.null("date")).max(),
        )
    since = as_of - timedelta(days=settings.purchase_days)
    tx = transactions.mutate(
        customer_id=transactions.customer_id.cast("string"), day=transactions.date.cast("date")
    )
    tx = tx.filter(is_purchase(tx.amount), tx.day >= since, tx.day < as_of)
    tx = tx.left_join(last, "customer_id").select(tx, last.last_touch)
    tx = tx.filter(tx.last_touch.isnull() | (tx.day > tx.last_touch))
    order_key = (
        tx.order_id.cast("string")
        if "order_id" in tx.columns
        else tx.day.cast("string")  # one order per customer and day (CONTRACT §1)
    )
    bought = tx.group_by("customer_id").aggregate(
        orders_since_touch=order_key.nunique().cast("int64"),
        revenue_since_touch=tx.amount.sum().cast("float64"),
        first_order_since_touch=tx.day.min(),
        last_order_since_touch=tx.day.max(),
    )
    joined = last.outer_join(bought, "customer_id")
    return joined.select(
        customer_id=ibis.coalesce(last.customer_id, bought.customer_id),
        last_touch=last.last_touch,
        last_review=last.last_review,
        orders_since_touch=ibis.coalesce(bought.orders_since_touch, 0),
        revenue_since_touch=ibis.coalesce(bought.revenue_since_touch, 0.0),
        first_order_since_touch=bought.first_order_since_touch,
        last_order_since_touch=bought.last_order_since_touch,
    ).cast(TOUCH_COLUMNS)
