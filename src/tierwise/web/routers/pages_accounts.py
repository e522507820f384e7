"""The accounts table (filter, sort, page; htmx swaps only the table), its CSV export,
and the account page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from tierwise.web.auth import DbDep
from tierwise.web.deps import CatalogDep, StoreDep, TemplatesDep, ViewerDep
from tierwise.web.routers.params import QueryDep, RunParam
from tierwise.web.services import overrides as override_service
from tierwise.web.services.account import account_view
from tierwise.web.services.accounts import export_csv, filter_choices, list_accounts

router = APIRouter(include_in_schema=False)


@router.get("/accounts")
def accounts(
    request: Request,
    db: DbDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
    templates: TemplatesDep,
    query: QueryDep,
    run: RunParam = None,
) -> Response:
    ref = catalog.get(run)
    table = store.table(ref.path)
    page = list_accounts(table, viewer, query, override_service.open_customer_ids(db))
    partial = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "accounts-table"
    )
    return templates.TemplateResponse(
        request,
        "_accounts_table.html.j2" if partial else "accounts.html.j2",
        {
            "page": page,
            "run": ref,
            "runs": catalog.runs(),
            "choices": filter_choices(ref.path, viewer),
        },
        headers={"Vary": "HX-Request, HX-Target"},
    )


@router.get("/accounts/export.csv")
def accounts_csv(
    db: DbDep, viewer: ViewerDep, catalog: CatalogDep, query: QueryDep, run: RunParam = None
) -> Response:
    ref = catalog.get(run)
    filename = f"tierwise-accounts-{ref.as_of or date.today()}.csv"
    return StreamingResponse(
        export_csv(ref.path, viewer, query, override_service.open_customer_ids(db)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/accounts/{customer_id}")
def account(
    request: Request,
    customer_id: str,
    db: DbDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
    templates: TemplatesDep,
    run: RunParam = None,
) -> Response:
    ref = catalog.get(run)
    view = account_view(store, catalog, ref, viewer, customer_id)
    return templates.TemplateResponse(
        request,
        "account.html.j2",
        {
            "view": view,
            "run": ref,
            "overrides": override_service.history(db, customer_id),
            "form": override_service.request_form(db, viewer, customer_id),
        },
    )
