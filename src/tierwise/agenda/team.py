"""The team view: who is overloaded, which strategic accounts have no touch planned this
week, and how the team's planned time splits between ``schedule`` and ``delegate`` work.

It is the agendas of everyone in the team, built in one pass by the engine, summed up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from tierwise.agenda.capacity import team_frame
from tierwise.agenda.engine import Agenda, build_agenda
from tierwise.agenda.inputs import RunInputs, read_run
from tierwise.errors import InputError
from tierwise.settings.schema import Policy


@dataclass
class TeamView:
    """A manager's (or the whole book's) day at a glance."""

    day: date
    manager: str | None
    people: pd.DataFrame
    untouched: pd.DataFrame
    time_share: dict[str, Any]
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)
    agenda: Agenda | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        from tierwise.agenda.evidence import plain

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): plain(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {
            "date": self.day.isoformat(),
            "manager": self.manager,
            "people": rows(self.people),
            "strategic_without_touch_this_week": rows(self.untouched),
            "time_share": self.time_share,
            "outcomes": rows(self.outcomes),
        }


def team_members(policy: Policy, manager: str) -> list[str]:
    """The people the policy's team says report to ``manager``."""
    team = team_frame(policy)
    members = team.loc[team["manager"] == manager, "owner"].tolist()
    if not members:
        managers = sorted({m for m in team["manager"].dropna()})
        raise InputError(
            f"no one in service.team has manager {manager!r} (managers: {managers or 'none'}); "
            "set `manager:` on the team entries of the policy, or leave --team without a name"
        )
    return members


def team_view(
    run: str | Path | RunInputs,
    *,
    manager: str | None = None,
    members: list[str] | None = None,
    day: date | str | None = None,
    policy: Policy | None = None,
    overrides: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    outcome_log: pd.DataFrame | None = None,
    plan_actions: pd.DataFrame | None = None,
) -> TeamView:
    """The team of ``manager`` (from the policy's team, or ``members``), or everyone."""
    inputs = run if isinstance(run, RunInputs) else read_run(run, policy=policy)
    if members is None and manager is not None:
        members = team_members(inputs.policy, manager)
    if members is not None:
        owned = set(
            inputs.accounts.filter(inputs.accounts.owner.isin(members))
            .select("owner")
            .distinct()
            .execute()["owner"]
        )
        members = [m for m in members if m in owned]
    agenda = (
        build_agenda(
            inputs,
            owners=members,
            day=day,
            overrides=overrides,
            outcomes=outcomes,
            plan_actions=plan_actions,
        )
        if members != []
        else None
    )
    if agenda is None:
        raise InputError(f"the team of {manager!r} owns no account in {inputs.folder}")
    people = agenda.capacity.assign(
        load=lambda f: (
            f["demand_minutes"] / f["daily_minutes"].where(f["daily_minutes"] > 0)
        ).round(2),
        overloaded=lambda f: f["carried_over"] > 0,
    )
    log = outcome_log if outcome_log is not None else pd.DataFrame()
    if not log.empty and "owner" in log:
        log = log[log["owner"].isin(people["owner"])].reset_index(drop=True)
    return TeamView(
        day=agenda.day,
        manager=manager,
        people=people.sort_values(["overloaded", "load"], ascending=False).reset_index(drop=True),
        untouched=_untouched(inputs, agenda, people["owner"].tolist()),
        time_share=_time_share(agenda.items),
        outcomes=log,
        agenda=agenda,
    )


def _time_share(items: pd.DataFrame) -> dict[str, Any]:
    today = items[items["plan"] == "today"]
    minutes = today.groupby("quadrant")["minutes"].sum()
    total = int(minutes.sum())
    by = {q: int(minutes.get(q, 0)) for q in ("do_now", "schedule", "delegate")}
    return {
        "planned_minutes": total,
        "minutes": by,
        "schedule_share": round(by["schedule"] / total, 3) if total else None,
        "delegate_share": round(by["delegate"] / total, 3) if total else None,
    }


def _untouched(inputs: RunInputs, agenda: Agenda, owners: list[str]) -> pd.DataFrame:
    """Accounts of the first important tier with no item planned today and no open task
    due later this week."""
    tiers = inputs.policy.agenda.importance.tiers
    columns = ["owner", "customer_id", "name", "tier"]
    if not tiers or not owners:
        return pd.DataFrame(columns=columns)
    a = inputs.accounts
    key = a.filter(a.owner.isin(owners), a.tier == tiers[0]).select(*columns)
    items = agenda.items
    planned = items.loc[(items["plan"] == "today") & (items["kind"] != "reduce"), "customer_id"]
    t = inputs.tasks
    week_end = agenda.day + timedelta(days=6)
    booked = t.filter(t.due > agenda.day, t.due <= week_end).select("customer_id").distinct()
    frame = key.anti_join(booked, "customer_id").execute()
    frame = frame[~frame["customer_id"].isin(set(planned))]
    return frame.sort_values(["owner", "customer_id"]).reset_index(drop=True)


def render_team_text(view: TeamView) -> str:
    """The team view for the terminal."""
    who = view.manager or "everyone"
    lines = [f"Team of {who} — {view.day.isoformat()}", ""]
    lines.append("person                     capacity  planned  demand  carried  load")
    for r in view.people.to_dict("records"):
        flag = "  OVERLOADED" if r["overloaded"] else ""
        lines.append(
            f"{str(r['owner'])[:26]:<26} {r['daily_minutes']:>8} {r['planned_minutes']:>8} "
            f"{r['demand_minutes']:>7} {r['carried_over']:>8}  {r['load']}{flag}"
        )
    share = view.time_share
    lines += [
        "",
        f"Planned time: {share['planned_minutes']} min — do now {share['minutes']['do_now']}, "
        f"schedule {share['minutes']['schedule']} ({share['schedule_share']}), "
        f"delegate {share['minutes']['delegate']} ({share['delegate_share']})",
        "",
        f"Strategic accounts with no touch planned this week: {len(view.untouched)}",
    ]
    for r in view.untouched.head(30).to_dict("records"):
        lines.append(f"  {r['owner']}: {r['name'] or r['customer_id']} ({r['customer_id']})")
    if not view.outcomes.empty:
        lines += ["", "Done, snoozed and skipped (with reasons):"]
        for r in view.outcomes.head(30).to_dict("records"):
            lines.append(
                f"  {r['at']} {r['owner']} {r['action']} {r['item_id']} "
                f"({r.get('customer_id') or ''}): {r.get('reason') or ''}"
            )
    return "\n".join(lines) + "\n"
