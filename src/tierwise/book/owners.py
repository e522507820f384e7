"""Each customer's owner, taken from the transactions when the customers table has none.

CRM exports put the rep on each deal (``sales_agent``), not on an account table. When
transactions carry an ``owner``, every customer gets one under the book mapping's
``owner_rule``: the owner of its most recent transaction, or the owner who brought the
most revenue from it. Ties go to the later transaction, then to the larger amount, then
to the name first in alphabetical order, so the choice never depends on row order.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from tierwise.book.mapping import OwnerRule
from tierwise.book.store import keep_table

RULE_WORDS: dict[str, str] = {
    "most_recent": "the owner of its most recent transaction",
    "most_revenue": "the owner with the most revenue from it",
}


@dataclass(frozen=True)
class OwnerSource:
    """Where the owners of a book came from, in words for run.json and the CLI."""

    rule: OwnerRule | None  # None: the customers table's own owner column, nothing derived
    source_column: str | None
    derived: int  # customers whose owner was derived from transactions
    sentence: str

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "source_column": self.source_column,
            "derived": self.derived,
            "sentence": self.sentence,
        }


def owners_from_transactions(transactions: ir.Table, rule: OwnerRule) -> ir.Table:
    """One row per customer with an owned transaction: ``customer_id``, ``owner``."""
    t = transactions.filter(transactions.owner.notnull() & (transactions.owner != ""))
    if rule == "most_recent":
        ranked = t.select("customer_id", "owner", _date=t.date, _amount=t.amount)
    else:
        ranked = t.group_by(["customer_id", "owner"]).aggregate(
            _revenue=t.amount.sum(), _date=t.date.max(), _amount=t.amount.max()
        )
    order = [ibis.desc(ranked._date), ibis.desc(ranked._amount), ranked.owner]
    if rule == "most_revenue":
        order.insert(0, ibis.desc(ranked._revenue))
    ranked = ranked.mutate(_rank=ibis.row_number().over(group_by="customer_id", order_by=order))
    return ranked.filter(ranked._rank == 0).select("customer_id", "owner")


def with_derived_owners(
    con: ibis.BaseBackend,
    transactions: ir.Table,
    customers: ir.Table | None,
    rule: OwnerRule,
    source_column: str,
) -> tuple[ir.Table, OwnerSource]:
    """The customers table with every owner it lacks taken from the transactions.

    Without a customers table, the result is a small ``customer_id, owner`` table.
    A customers table with an ``owner`` column keeps it; only blank owners are filled.
    """
    derived = keep_table(con, "tw_derived_owners", owners_from_transactions(transactions, rule))
    words = RULE_WORDS[rule]
    if customers is None:
        n = int(derived.count().execute())
        sentence = (
            f"each customer's owner is {words} (transactions.owner, read from "
            f"{source_column!r}; book.owner_rule: {rule}); {n:,} customers have one"
        )
        return derived, OwnerSource(rule, source_column, n, sentence)
    d = derived.rename(_derived_owner="owner")
    joined = customers.left_join(d, "customer_id").select(customers, d._derived_owner)
    if "owner" in customers.columns:
        filled = joined.owner.isnull() & joined._derived_owner.notnull()
        n = int(joined.filter(filled).count().execute())
        owner = joined.owner.coalesce(joined._derived_owner)
        sentence = (
            f"owners come from the customers table; {n:,} customers without one got {words} "
            f"(transactions.owner, read from {source_column!r}; book.owner_rule: {rule})"
        )
    else:
        n = int(joined._derived_owner.notnull().sum().execute() or 0)
        owner = joined._derived_owner
        sentence = (
            f"the customers table has no owner column, so each customer's owner is {words} "
            f"(transactions.owner, read from {source_column!r}; book.owner_rule: {rule}); "
            f"{n:,} customers have one"
        )
    table = joined.mutate(owner=owner).drop("_derived_owner")
    table = keep_table(con, "tw_customers_owned", table)
    return table, OwnerSource(rule, source_column, n, sentence)
