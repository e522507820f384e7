"""GET /api/v1/customers (filtered, sorted, paged) and GET /api/v1/customers/{id}."""

from __future__ import annotations

from fastapi import APIRouter

from tierwise.web.deps import CatalogDep, StoreDep, ViewerDep
from tierwise.web.routers.params import QueryDep, RunParam
from tierwise.web.schemas import CustomerOut, CustomerRow, CustomersOut, HistoryPoint
from tierwise.web.services.account import account_view, clean
from tierwise.web.services.accounts import list_accounts

router = APIRouter(prefix="/api/v1", tags=["customers"])


@router.get("/customers", response_model=CustomersOut)
def customers(
    viewer: ViewerDep, catalog: CatalogDep, store: StoreDep, query: QueryDep, run: RunParam = None
) -> CustomersOut:
    ref = catalog.get(run)
    page = list_accounts(store.table(ref.path), viewer, query)
    return CustomersOut(
        run=ref.id,
        total=page.total,
        page=query.page,
        per_page=query.per_page,
        items=[CustomerRow(**{k: clean(v) for k, v in r.items()}) for r in page.rows],
    )


@router.get("/customers/{customer_id}", response_model=CustomerOut)
def customer(
    customer_id: str, viewer: ViewerDep, catalog: CatalogDep, store: StoreDep, run: RunParam = None
) -> CustomerOut:
    ref = catalog.get(run)
    view = account_view(store, catalog, ref, viewer, customer_id)
    return CustomerOut(
        run=ref.id,
        customer_id=view.customer_id,
        scorecard=view.row,
        history=[HistoryPoint(**h) for h in view.history],
    )
