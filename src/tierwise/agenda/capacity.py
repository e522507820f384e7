"""Each person's daily minutes for customer work, from the policy's team.

A named team entry gives ``hours_per_week × customer_share × 60 / working days``;
``agenda.daily_minutes`` replaces it per person; an owner the team does not name gets a
default person's day and is marked ``assumed``, so the figure is never silently invented.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from tierwise.settings.schema import Policy
from tierwise.settings.service import TeamMember

CAPACITY_SCHEMA = {
    "owner": "string",
    "daily_minutes": "int64",
    "capacity_source": "string",
    "role": "string",
    "manager": "string",
}


def member_minutes(member: TeamMember, working_days: float) -> int:
    """Customer minutes one person of ``member`` has on a working day."""
    return round(member.hours_per_week * member.customer_share * 60 / working_days)


def team_frame(policy: Policy) -> pd.DataFrame:
    """The policy's team as rows: owner, daily_minutes, capacity_source, role, manager."""
    days = policy.agenda.working_days_per_week
    rows = []
    for member in policy.service.team:
        minutes, source = member_minutes(member, days), "service.team"
        if member.name in policy.agenda.daily_minutes:
            minutes, source = policy.agenda.daily_minutes[member.name], "agenda.daily_minutes"
        rows.append(
            {
                "owner": member.name,
                "daily_minutes": minutes,
                "capacity_source": source,
                "role": member.role,
                "manager": member.manager,
            }
        )
    return pd.DataFrame(rows, columns=list(CAPACITY_SCHEMA))


def daily_capacity(policy: Policy, owners: list[str]) -> pd.DataFrame:
    """Per owner: daily minutes and where the figure comes from."""
    team: dict[str, dict[Any, Any]] = {
        str(r["owner"]): r for r in team_frame(policy).to_dict("records")
    }
    fallback = member_minutes(TeamMember(name="-", role="-"), policy.agenda.working_days_per_week)
    rows = []
    for owner in owners:
        entry = team.get(owner)
        if owner in policy.agenda.daily_minutes:
            minutes, source = policy.agenda.daily_minutes[owner], "agenda.daily_minutes"
        elif entry is not None:
            minutes, source = int(entry["daily_minutes"]), str(entry["capacity_source"])
        else:
            minutes, source = fallback, "assumed (not in service.team)"
        rows.append(
            {
                "owner": owner,
                "daily_minutes": minutes,
                "capacity_source": source,
                "role": entry["role"] if entry else None,
                "manager": entry["manager"] if entry else None,
            }
        )
    return pd.DataFrame(rows, columns=list(CAPACITY_SCHEMA)).astype({"daily_minutes": "int64"})
