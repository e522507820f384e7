"""The accounts of a run: filtered, sorted and paged in the engine, exported as CSV.

Every query starts from what the viewer may see (a rep: their own accounts; a manager:
their team's), then applies the filters. Values from the request reach DuckDB only as
Ibis literals (bound, never pasted into SQL), and sort keys only from a fixed list.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv

from tierwise.csv_safety import formula_safe
from tierwise.web.services.errors import BadInput, Forbidden, NotFound
from tierwise.web.services.viewer import Viewer

#: Columns of the accounts table, in order, when the scorecard has them.
LIST_COLUMNS = (
    "customer_id",
    "name",
    "owner",
    "tier",
    "model_tier",
    "revenue",
    "net_profit",
    "clv",
    "p_alive",
    "strategic_score",
    "strategic_rank",
    "relationship_level",
    "relationship_trend",
    "alignment",
    "hours_gap",
    "override_id",
)
SORTABLE = frozenset(LIST_COLUMNS)
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class AccountQuery:
    """Filters, sort and page of the accounts table (all optional)."""

    tier: str | None = None
    owner: str | None = None
    level: int | None = None
    trend: str | None = None
    alignment: str | None = None
    overridden: bool | None = None
    search: str | None = None
    sort: str = "strategic_rank"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    def checked(self) -> AccountQuery:
        if self.sort not in SORTABLE:
            raise BadInput(f"cannot sort by {self.sort!r}; sort by one of {sorted(SORTABLE)}")
        if self.page < 1:
            raise BadInput(f"page {self.page} is not a page; pages start at 1")
        if not 1 <= self.per_page <= MAX_PAGE_SIZE:
            raise BadInput(f"per_page {self.per_page} must be between 1 and {MAX_PAGE_SIZE}")
        if self.level is not None and not 1 <= self.level <= 4:
            raise BadInput(f"level {self.level} is not a relationship level; use 1 to 4")
        return self

    def with_page(self, page: int) -> AccountQuery:
        return replace(self, page=page)


@dataclass
class AccountPage:
    """One page of accounts and the size of the whole filtered list."""

    rows: list[dict[str, Any]]
    total: int
    query: AccountQuery
    columns: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def filtered(
    table: ir.Table,
    viewer: Viewer,
    query: AccountQuery,
    overridden_ids: frozenset[str] = frozenset(),
) -> ir.Table:
    """The accounts the viewer may see that match the query (a lazy expression)."""
    query = query.checked()
    t = visible(table, viewer.owners)
    cols = set(t.columns)
    for column, value in (
        ("tier", query.tier),
        ("owner", query.owner),
        ("relationship_level", query.level),
        ("relationship_trend", query.trend),
        ("alignment", query.alignment),
    ):
        if value is None or value == "":
            continue
        if column not in cols:
            raise BadInput(f"this run's scorecard has no {column} column to filter on")
        t = t.filter(t[column] == value)
    if query.overridden is not None:
        marked = _overridden(t, overridden_ids)
        t = t.filter(marked if query.overridden else ~marked)
    if query.search:
        needle = query.search.strip().lower()
        match = t.customer_id.lower() == needle
        if "name" in cols:
            match = match | t.name.lower().contains(needle)
        t = t.filter(match)
    return t


def visible(table: ir.Table, scope: frozenset[str] | None) -> ir.Table:
    """The rows whose owner is in ``scope`` (None: every row)."""
    if scope is None:
        return table
    if "owner" not in table.columns:
        return table.filter(ibis.literal(False))
    return table.filter(table.owner.strip().lower().isin(sorted(scope)))


def _overridden(t: ir.Table, ids: frozenset[str]) -> ir.BooleanValue:
    """An account is overridden when its scorecard row says so or the workspace has one open."""
    marked = t.customer_id.isin(sorted(ids)) if ids else ibis.literal(False)
    if "override_id" in t.columns:
        marked = marked | t.override_id.notnull()
    return marked


def list_accounts(
    table: ir.Table,
    viewer: Viewer,
    query: AccountQuery,
    overridden_ids: frozenset[str] = frozenset(),
) -> AccountPage:
    """One page of the accounts the viewer may see, sorted, with the filtered total."""
    query = query.checked()
    t = filtered(table, viewer, query, overridden_ids)
    columns = [c for c in LIST_COLUMNS if c in t.columns]
    if query.sort not in t.columns:
        raise BadInput(f"this run's scorecard has no {query.sort} column to sort by")
    total = int(t.count().execute())
    key = ibis.desc(query.sort) if query.descending else ibis.asc(query.sort)
    page = (
        t.order_by([key, "customer_id"])
        .select(columns)
        .limit(query.per_page, offset=(query.page - 1) * query.per_page)
    )
    rows = page.to_pyarrow().to_pylist()
    return AccountPage(rows=rows, total=total, query=query, columns=columns)


def export_csv(
    run_dir: Path, viewer: Viewer, query: AccountQuery, overridden_ids: frozenset[str] = frozenset()
) -> Iterator[bytes]:
    """The filtered accounts (every page, every scorecard column) as CSV, in chunks.

    Runs on its own DuckDB connection, since a streamed response is read on whichever
    thread the server picks. Text cells that a spreadsheet would run as a formula get a
    leading apostrophe (CSV injection).
    """
    from tierwise.web.services.scorecard import connect

    query = query.checked()
    con = connect()
    table = con.read_parquet(run_dir / "scorecard.parquet", table_name="export")
    t = filtered(table, viewer, query, overridden_ids)
    key = ibis.desc(query.sort) if query.descending else ibis.asc(query.sort)
    t = t.order_by([key, "customer_id"])
    safe = formula_safe(t)
    reader = safe.to_pyarrow_batches(chunk_size=20_000)

    def chunks() -> Iterator[bytes]:
        header = True
        try:
            for batch in reader:
                sink = io.BytesIO()
                pacsv.write_csv(
                    pa.Table.from_batches([batch]),
                    sink,
                    pacsv.WriteOptions(include_header=header),
                )
                header = False
                yield sink.getvalue()
            if header:  # nothing matched: still a header line
                sink = io.BytesIO()
                pacsv.write_csv(safe.limit(0).to_pyarrow(), sink)
                yield sink.getvalue()
        finally:
            con.disconnect()

    return chunks()


def get_account(table: ir.Table, viewer: Viewer, customer_id: str) -> dict[str, Any]:
    """Every scorecard figure of one account; ``Forbidden`` when it is not the viewer's."""
    rows = table.filter(table.customer_id == customer_id).limit(2).to_pyarrow().to_pylist()
    if not rows:
        raise NotFound(f"no customer {customer_id!r} in this run")
    row = rows[0]
    if not viewer.sees_owner(row.get("owner")):
        raise Forbidden(f"customer {customer_id!r} is not in your accounts")
    return row


def filter_choices(run_dir: Path, viewer: Viewer) -> dict[str, list[Any]]:
    """The values each filter offers (tiers, owners, …) among the accounts the viewer sees;
    kept per run file and scope, since a run folder does not change once written."""
    mtime = (run_dir / "scorecard.parquet").stat().st_mtime
    return _choices(run_dir, mtime, viewer.owners)


@lru_cache(maxsize=128)
def _choices(run_dir: Path, mtime: float, scope: frozenset[str] | None) -> dict[str, list[Any]]:
    from tierwise.web.services.scorecard import connect

    con = connect()
    try:
        table = con.read_parquet(run_dir / "scorecard.parquet", table_name="choices")
        return _distinct_values(visible(table, scope))
    finally:
        con.disconnect()


def _distinct_values(t: ir.Table) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, column in (
        ("tier", "tier"),
        ("owner", "owner"),
        ("trend", "relationship_trend"),
        ("alignment", "alignment"),
    ):
        if column in t.columns:
            values = t.select(column).distinct().order_by(column).to_pyarrow().column(0)
            out[key] = [v for v in values.to_pylist() if v is not None]
    return out
