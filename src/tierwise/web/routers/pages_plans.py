"""The account-plan page: the kept plan or a draft, and its joint version for the customer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tierwise.web.auth import DbDep
from tierwise.web.deps import CatalogDep, StoreDep, TemplatesDep, ViewerDep
from tierwise.web.routers.params import RunParam
from tierwise.web.services.plans import plan_view

router = APIRouter(include_in_schema=False)


@router.get("/accounts/{customer_id}/plan")
def account_plan(
    request: Request,
    customer_id: str,
    db: DbDep,
    viewer: ViewerDep,
    catalog: CatalogDep,
    store: StoreDep,
    templates: TemplatesDep,
    run: RunParam = None,
    joint: bool = False,
) -> Response:
    ref = catalog.get(run)
    plan = plan_view(db, store, ref, viewer, customer_id, joint=joint)
    return templates.TemplateResponse(request, "plan.html.j2", {"plan": plan, "run": ref})
