"""An account's plan for the web page: the kept version when there is one, else a fresh
draft from the run; only for viewers who may see the account (checked here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tierwise.plans.draft import draft_plan
from tierwise.plans.render import plan_dict
from tierwise.web.services.accounts import get_account
from tierwise.web.services.runs import RunRef
from tierwise.web.services.scorecard import ScorecardStore
from tierwise.web.services.viewer import Viewer
from tierwise.workspace.plans import latest_plan


def plan_view(
    db: Session,
    store: ScorecardStore,
    ref: RunRef,
    viewer: Viewer,
    customer_id: str,
    *,
    joint: bool = False,
) -> dict[str, Any]:
    """The plan as a dict (``plan_dict``), plus ``kept``: whether it is a saved version."""
    get_account(store.table(ref.path), viewer, customer_id)  # 404 / 403 before anything
    kept = latest_plan(db, customer_id)
    plan = kept if kept is not None else draft_plan(ref.path, customer_id)
    data = plan_dict(plan, joint=joint)
    data["kept"] = kept is not None
    return data
