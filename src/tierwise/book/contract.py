"""The input contract (CONTRACT.md §1): which tables a book has and what their columns mean.

Everything downstream relies on these names and kinds, so they live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "date", "number", "bool"]


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = False
    event_date: str | None = None  # the column that must not lie in the future
    key: str | None = None  # a column that must be unique
    references_customers: bool = True
    meaning: str = ""
    extra_columns_allowed: bool = False
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


_CUSTOMER_ID = ColumnSpec(
    "customer_id",
    "id",
    required=True,
    aliases=("customer", "customerid", "customer id", "client_id", "account_id", "account"),
)

TRANSACTIONS = TableSpec(
    "transactions",
    (
        _CUSTOMER_ID,
        ColumnSpec(
            "date",
            "date",
            required=True,
            aliases=("order_date", "invoice_date", "invoicedate", "orderdate", "transaction_date"),
        ),
        ColumnSpec(
            "amount",
            "number",
            required=True,
            aliases=("revenue", "net_amount", "sales", "line_amount", "net_revenue"),
        ),
        ColumnSpec("order_id", "id", aliases=("invoice", "invoiceno", "invoice_no", "order")),
        ColumnSpec("cost", "number", aliases=("cogs", "cost_of_goods")),
        ColumnSpec("quantity", "number", aliases=("qty", "units")),
        ColumnSpec("product", "text", aliases=("sku", "stockcode", "product_id", "item")),
        ColumnSpec("category", "text", aliases=("product_category",)),
        ColumnSpec("list_amount", "number", aliases=("gross_amount", "list_price_amount")),
        ColumnSpec("currency", "text"),
        ColumnSpec("owner", "text", aliases=("sales_agent", "sales_rep", "deal_owner")),
    ),
    required=True,
    event_date="date",
    meaning="one row per order line or invoice line",
)

CUSTOMERS = TableSpec(
    "customers",
    (
        _CUSTOMER_ID,
        ColumnSpec("name", "text", aliases=("customer_name", "company", "account_name")),
        ColumnSpec("owner", "text", aliases=("account_owner", "sales_rep", "rep")),
        ColumnSpec("region", "text"),
        ColumnSpec("industry", "text", aliases=("sector",)),
        ColumnSpec("created_at", "date", aliases=("since", "start_date")),
        ColumnSpec("wallet", "number", aliases=("wallet_size", "potential")),
    ),
    key="customer_id",
    references_customers=False,
    meaning="one row per customer",
    extra_columns_allowed=True,
)

ACTIVITIES = TableSpec(
    "activities",
    (
        _CUSTOMER_ID,
        ColumnSpec("date", "date", required=True, aliases=("activity_date",)),
        ColumnSpec("type", "text", required=True, aliases=("activity_type",)),
        ColumnSpec("minutes", "number", aliases=("duration_minutes", "duration")),
        ColumnSpec("owner", "text", aliases=("user", "rep")),
        ColumnSpec("cost", "number"),
    ),
    event_date="date",
    meaning="effort spent on a customer",
)

SIGNALS = TableSpec(
    "signals",
    (
        _CUSTOMER_ID,
        ColumnSpec("date", "date", required=True),
        ColumnSpec("kind", "text", required=True, aliases=("type", "signal")),
        ColumnSpec("value", "number", aliases=("score",)),
        ColumnSpec("referred_customer_id", "id"),
        ColumnSpec("note", "text", aliases=("comment",)),
    ),
    event_date="date",
    meaning="what the customer gets from us and gives beyond purchases",
)

TASKS = TableSpec(
    "tasks",
    (
        ColumnSpec("task_id", "id", required=True, aliases=("id",)),
        _CUSTOMER_ID,
        ColumnSpec("owner", "text"),
        ColumnSpec("title", "text", aliases=("subject",)),
        ColumnSpec("due", "date", aliases=("due_date",)),
        ColumnSpec("status", "text"),
        ColumnSpec("important", "bool"),
    ),
    key="task_id",
    meaning="open follow-ups",
)

CONTACTS = TableSpec(
    "contacts",
    (
        _CUSTOMER_ID,
        ColumnSpec("name", "text", required=True, aliases=("contact", "contact_name")),
        ColumnSpec("title", "text", aliases=("job_title",)),
        ColumnSpec("function", "text", aliases=("department",)),
        ColumnSpec("role", "text", aliases=("buying_role",)),
        ColumnSpec("influence", "text"),
        ColumnSpec("sentiment", "text", aliases=("attitude",)),
        ColumnSpec("last_touch", "date", aliases=("last_contacted", "last_contact")),
    ),
    event_date="last_touch",
    meaning="the customer's people: stakeholders of its account plan",
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (TRANSACTIONS, CUSTOMERS, ACTIVITIES, SIGNALS, TASKS, CONTACTS)
}
"""Every table a book may have, in the order they are read (customers before side tables)."""

READ_ORDER = ("transactions", "customers", "activities", "signals", "tasks", "contacts")
