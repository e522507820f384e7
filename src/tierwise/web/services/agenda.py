"""The "My day" page and ``GET /api/v1/agenda``: one person's agenda, for whom may see it.

A rep sees their own day only; a manager their own and their team's; leaders, analysts
and admins anyone's. The agenda itself is ``tierwise.agenda.build_agenda`` over the run
folder, with the workspace's overrides to review and the items done, snoozed or skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tierwise.errors import InputError
from tierwise.web.services.errors import BadInput, Forbidden, NotFound
from tierwise.web.services.runs import RunRef
from tierwise.web.services.viewer import Viewer, owner_key


@dataclass
class DayView:
    """One person's day as the page and the API show it."""

    run: RunRef
    owner: str
    owners: list[str]
    summary: dict[str, Any]
    items: list[dict[str, Any]]
    notes: list[str]


def visible_owners(viewer: Viewer, owners: list[str]) -> list[str]:
    """The owners of the run whose day ``viewer`` may see."""
    return [o for o in owners if viewer.sees_owner(o)]


def _run_owners(run: RunRef) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(run.path / "scorecard.parquet", columns=["owner"])
    return sorted({o for o in table.column("owner").to_pylist() if o})


def _day(value: str | None) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"date {value!r} is not a date; write it as YYYY-MM-DD") from exc


def day_view(
    viewer: Viewer, run: RunRef, owner: str | None, day: str | None, workspace: Any
) -> DayView:
    """``owner``'s day (default: the viewer's own, else the first they may see)."""
    from tierwise.agenda import build_agenda
    from tierwise.agenda.render import day_summary
    from tierwise.workspace.agenda_outcomes import (
        open_overrides,
        open_plan_actions_frame,
        outcomes_frame,
    )

    when = _day(day)
    owners = visible_owners(viewer, _run_owners(run))
    if owner in (None, ""):
        mine = [o for o in owners if owner_key(o) in {owner_key(viewer.name)}]
        if not (mine or owners):
            raise NotFound("no account in this run is yours or your team's, so there is no day")
        owner = (mine or owners)[0]
    assert owner is not None
    if not viewer.sees_owner(owner):
        raise Forbidden(f"{viewer.name} may not see {owner}'s day; ask for your own")
    with workspace.transaction() as session:
        overrides = open_overrides(session)
        outcomes = outcomes_frame(session, [owner])
        actions = open_plan_actions_frame(session)
    try:
        agenda = build_agenda(
            run.path,
            owner=owner,
            day=when,
            overrides=overrides,
            outcomes=outcomes,
            plan_actions=actions,
        )
    except InputError as exc:
        raise NotFound(str(exc)) from exc
    return DayView(
        run=run,
        owner=owner,
        owners=owners,
        summary=day_summary(agenda, owner),
        items=agenda.records(owner),
        notes=agenda.notes,
    )
