"""The run's evidence for account plans: whitespace, share of wallet and the contacts."""

from __future__ import annotations

import ibis.expr.types as ir

from tierwise.book.book import Book
from tierwise.settings.schema import Policy
from tierwise.whitespace.stage import WhitespaceResult, whitespace
from tierwise.window import Window

CONTACT_COLUMNS = (
    "customer_id",
    "name",
    "title",
    "function",
    "role",
    "influence",
    "sentiment",
    "last_touch",
)


def plan_evidence(
    book: Book, scorecard: ir.Table, window: Window, policy: Policy
) -> WhitespaceResult:
    """Whitespace for every customer, plus the accepted contacts (``details/contacts``)
    so a plan can be drafted from the run folder alone."""
    result = whitespace(
        book.transactions,
        scorecard,
        book.table("customers"),
        window,
        policy.whitespace,
        policy.analysis.default_margin_rate,
    )
    contacts = book.table("contacts")
    if contacts is not None:
        cols = [c for c in CONTACT_COLUMNS if c in contacts.columns]
        result.details["contacts"] = (
            contacts.select(*cols).order_by(["customer_id", "name"]).to_pandas()
        )
    return result
