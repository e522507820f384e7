"""Account plans kept in the workspace: versions, their audit rows, who may edit, open
actions for the agenda and the leader's view (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tierwise.plans.model import AccountPlan, Action, Objective, Statement
from tierwise.workspace import NotAllowed, Workspace
from tierwise.workspace import plans as service
from tierwise.workspace.models import AuditEntry
from tierwise.workspace.users import acting

PASSWORD = "a long enough password"


def _plan(customer: str = "K01", owner: str = "rita") -> AccountPlan:
    return AccountPlan(
        customer_id=customer,
        name=f"Company {customer}",
        owner=owner,
        tier="strategic",
        as_of="2025-01-01",
        run="runs/r1",
        objectives=[Objective("grow", "Grow valves", Statement("peers buy valves"), ["sales"])],
        actions=[
            Action("A1", "grow", "Offer valves", owner, "2025-02-01"),
            Action("A2", "grow", "Review the trial", owner, "2025-03-01"),
        ],
    )


@pytest.fixture
def ws(db_url: str) -> Workspace:
    workspace = Workspace(db_url)
    workspace.add_user("lea", role="leader", password=PASSWORD)
    workspace.add_user("rita", role="rep", password=PASSWORD, actor="lea")
    workspace.add_user("sam", role="rep", password=PASSWORD, actor="lea")
    workspace.add_user("ana", role="analyst", password=PASSWORD, actor="lea")
    return workspace


def _save(ws: Workspace, actor: str, plan: AccountPlan, comment: str | None = None) -> int:
    with ws.transaction() as s:
        return service.save_plan(s, acting(s, actor), plan, comment=comment).version


def test_each_save_is_a_new_version_with_its_audit_row(ws: Workspace) -> None:
    first = _plan()
    assert _save(ws, "rita", first) == 1
    edited = replace(first, actions=[replace(first.actions[0], title="Offer valves, 10 units")])
    assert _save(ws, "lea", edited, comment="agreed with the buyer") == 2
    with ws.transaction() as s:
        versions = service.plan_versions(s, "K01")
        latest = service.latest_plan(s, "K01")
        old = service.latest_plan(s, "K01", version=1)
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "account_plan")
            .order_by(AuditEntry.id)
        ).all()
    assert [(v.version, v.author) for v in versions] == [(1, "rita"), (2, "lea")]
    assert versions[1].comment == "agreed with the buyer"
    assert latest is not None and latest.actions[0].title == "Offer valves, 10 units"
    assert latest.version == 2
    assert len(latest.actions) == 1
    assert old is not None and old.actions[0].title == "Offer valves"
    assert [(r.action, r.actor, r.customer_id) for r in rows] == [
        ("plan.create", "rita", "K01"),
        ("plan.edit", "lea", "K01"),
    ]
    assert rows[1].before is not None and rows[1].after is not None
    assert rows[1].before["version"] == 1 and rows[1].after["version"] == 2
    assert rows[1].before["changed"]["actions"][0]["title"] == "Offer valves"
    assert rows[1].after["changed"]["actions"][0]["title"] == "Offer valves, 10 units"
    assert rows[1].comment == "agreed with the buyer"


def test_a_rep_edits_only_their_own_accounts_and_an_analyst_none(ws: Workspace) -> None:
    with pytest.raises(NotAllowed, match="only the plans of their own accounts"):
        _save(ws, "sam", _plan(owner="rita"))
    with pytest.raises(NotAllowed, match="analyst"):
        _save(ws, "ana", _plan())
    with ws.transaction() as s:
        assert service.latest_plan(s, "K01") is None
        assert s.scalars(select(AuditEntry).where(AuditEntry.action.like("plan.%"))).all() == []


def test_open_plan_actions_feed_the_owners_agenda(ws: Workspace) -> None:
    _save(ws, "rita", _plan("K01"))
    _save(ws, "lea", _plan("K02", owner="sam"))
    done = _plan("K01")
    done.actions[0].status = "done"
    _save(ws, "rita", done)
    with ws.transaction() as s:
        rita = service.open_plan_actions(s, "rita")
        sam_soon = service.open_plan_actions(s, "sam", due_by=date(2025, 2, 1))
    assert [(a.customer_id, a.action_key) for a in rita] == [("K01", "A2")]
    assert [(a.customer_id, a.action_key, a.due) for a in sam_soon] == [
        ("K02", "A1", date(2025, 2, 1))
    ]


def test_the_leaders_view_lists_no_plan_stale_plans_and_overdue_actions(ws: Workspace) -> None:
    _save(ws, "rita", _plan("K01"))
    today = date.today()
    with ws.transaction() as s:
        now = service.plan_status(s, ["K01", "K02"], today=date(2025, 2, 15), stale_after_days=90)
        later = service.plan_status(
            s, ["K01", "K02"], today=today + timedelta(days=91), stale_after_days=90
        )
    assert now.no_plan == ["K02"]
    assert now.stale == []
    assert [(a["customer_id"], a["action_key"]) for a in now.overdue] == [("K01", "A1")]
    assert [r["customer_id"] for r in later.stale] == ["K01"]
    assert later.stale[0]["days"] == 91
