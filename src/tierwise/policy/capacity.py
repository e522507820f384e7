"""Can this team serve this policy? Hours the tiers require against hours the team has.

Works on the per-customer alignment frame (one row per customer, already small next to
the transactions) and the team of the policy; every figure is over the analysis window.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pandas as pd

from tierwise.policy.service import ServiceSettings
from tierwise.window import Window

NO_OWNER = "(no owner)"


def _hours(value: float) -> str:
    return f"{value:,.0f} h"


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows for portfolio.json: floats rounded, missing values as None."""
    out = frame.astype(object).where(frame.notna(), None)
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()} for row in out.to_dict(orient="records")
    ]
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "item"):  # NumPy scalars are not JSON
                value = row[key] = value.item()
            if isinstance(value, float):
                row[key] = round(value, 4)
    return rows


def team_table(service: ServiceSettings, window: Window) -> pd.DataFrame:
    """One row per team entry: name, role, headcount and customer hours over the window."""
    rows = [
        {
            "person": m.name,
            "role": m.role,
            "headcount": m.headcount,
            "available_hours": service.hours_available(m, window.days),
        }
        for m in service.team
    ]
    columns = ["person", "role", "headcount", "available_hours"]
    return pd.DataFrame(rows, columns=columns)


def _per_customer_sums(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    over = frame["alignment"] == "over_served"
    under = frame["alignment"] == "under_served"
    work = frame.assign(
        hours_freed=frame["hours_gap"].where(over, 0.0),
        hours_needed=(-frame["hours_gap"]).where(under, 0.0),
        customers=1,
    )
    sums = ["customers", "entitled_hours", "effort_hours", "hours_freed", "hours_needed"]
    out = work.groupby(key, dropna=False)[sums].sum().reset_index()
    return out.rename(columns={"entitled_hours": "required_hours"})


def _with_gap(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["gap_hours"] = table["available_hours"] - table["required_hours"]
    available = table["available_hours"].where(table["available_hours"] > 0)
    table["utilisation"] = table["required_hours"] / available
    return table


def capacity_by_person(frame: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """Per owner in the book and per team entry: hours required, spent and available."""
    owners = frame.assign(owner=frame["owner"].fillna(NO_OWNER))
    sums = _per_customer_sums(owners, "owner").rename(columns={"owner": "person"})
    table = team[["person", "role", "available_hours"]].merge(sums, on="person", how="outer")
    table["role"] = table["role"].fillna("(not in team)")
    table = table.fillna({c: 0.0 for c in table.columns if c not in ("person", "role")})
    table["customers"] = table["customers"].astype("int64")
    return _with_gap(table).sort_values("person").reset_index(drop=True)


def capacity_by_role(frame: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """Per role: the hours the tiers it owns require, against the hours its people have."""
    sums = _per_customer_sums(frame, "owner_role").rename(columns={"owner_role": "role"})
    available = team.groupby("role", as_index=False)[["headcount", "available_hours"]].sum()
    table = available.merge(sums, on="role", how="outer")
    table = table.fillna({c: 0.0 for c in table.columns if c != "role"})
    table["customers"] = table["customers"].astype("int64")
    table["headcount"] = table["headcount"].astype("int64")
    return _with_gap(table).sort_values("role").reset_index(drop=True)


def capacity_by_tier(frame: pd.DataFrame, service: ServiceSettings) -> pd.DataFrame:
    """Per tier: accounts, hours required by the policy, hours spent, freed and needed."""
    sums = _per_customer_sums(frame, "tier")
    order = {name: i for i, name in enumerate(service.tiers)}
    sums["owner_role"] = sums["tier"].map({n: m.owner_role for n, m in service.tiers.items()})
    sums["_order"] = sums["tier"].map(order)
    return sums.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _owner_warnings(
    frame: pd.DataFrame, activities: ir.Table | None, team: pd.DataFrame
) -> list[str]:
    known = set(team["person"])
    owners = set(frame["owner"].dropna())
    if activities is not None and "owner" in activities.columns:
        spent_by = activities.select("owner").distinct().execute()["owner"]
        owners |= set(spent_by.dropna())
    unknown = sorted(owners - known)
    warnings: list[str] = []
    if unknown:
        shown = ", ".join(unknown[:15]) + (" …" if len(unknown) > 15 else "")
        warnings.append(
            f"{len(unknown)} owner(s) in the book are not in service.team: {shown}; add each "
            "under service.team (name, role, hours_per_week) to see their own capacity"
        )
    no_owner = int(frame["owner"].isna().sum())
    if no_owner:
        warnings.append(
            f"{no_owner} customer(s) have no owner; fill the customers table's 'owner' column "
            "so their hours count against a person"
        )
    return warnings


def _answer(
    required: float, available: float, freed: float, needed: float, short_roles: pd.DataFrame
) -> str:
    if available <= 0:
        return (
            f"No: the policy asks {_hours(required)} and service.team gives no customer hours; "
            "add the team under service.team"
        )
    share = required / available
    realign = (
        f" Moving over-served accounts to their tier's model frees {_hours(freed)}; "
        f"serving under-served accounts to standard needs {_hours(needed)}."
    )
    shortfalls = "; ".join(
        f"{role} short by {_hours(-gap)} (needs {_hours(need)}, has {_hours(have)})"
        for role, gap, need, have in zip(
            short_roles["role"],
            short_roles["gap_hours"].astype(float),
            short_roles["required_hours"].astype(float),
            short_roles["available_hours"].astype(float),
            strict=True,
        )
    )
    if required > available:
        return (
            f"No: the policy asks {_hours(required)} and the team has {_hours(available)} "
            f"({share:.0%} of capacity), short by {_hours(required - available)}"
            + (f": {shortfalls}." if shortfalls else ".")
            + " Lighten a tier's model, move accounts to a lighter tier, or add people."
            + realign
        )
    if len(short_roles):
        return (
            f"Not as staffed: the team has {_hours(available)} against {_hours(required)} in "
            f"total, but {shortfalls}. Move hours between roles or re-assign tiers." + realign
        )
    return (
        f"Yes: the policy asks {_hours(required)} of the team's {_hours(available)} "
        f"({share:.0%}), leaving {_hours(available - required)} for new business." + realign
    )


def capacity_summary(
    frame: pd.DataFrame,
    *,
    service: ServiceSettings,
    window: Window,
    activities: ir.Table | None = None,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], list[str]]:
    """The ``capacity`` block of portfolio.json, its tables for charts, and warnings.

    ``frame`` is the per-customer alignment frame (customer_id, owner, tier,
    owner_role, effort_hours, entitled_hours, hours_gap, alignment).
    """
    team = team_table(service, window)
    people = capacity_by_person(frame, team)
    roles = capacity_by_role(frame, team)
    tiers = capacity_by_tier(frame, service)
    required = float(frame["entitled_hours"].sum())
    available = float(team["available_hours"].sum())
    freed = float(tiers["hours_freed"].sum())
    needed = float(tiers["hours_needed"].sum())
    short_roles = roles[roles["gap_hours"] < 0]
    summary = {
        "window_days": window.days,
        "hours_required": round(required, 2),
        "hours_available": round(available, 2),
        "gap_hours": round(available - required, 2),
        "utilisation": round(required / available, 4) if available > 0 else None,
        "hours_spent": round(float(frame["effort_hours"].sum()), 2),
        "hours_freed_by_realigning": round(freed, 2),
        "hours_needed_for_under_served": round(needed, 2),
        "hours_for_new_business": round(max(available - required, 0.0), 2),
        "can_serve_policy": bool(required <= available and short_roles.empty),
        "answer": _answer(required, available, freed, needed, short_roles),
        "per_person": json_records(people),
        "per_role": json_records(roles),
        "per_tier": json_records(tiers),
    }
    details = {"capacity_by_person": people, "capacity_by_role": roles, "capacity_by_tier": tiers}
    return summary, details, _owner_warnings(frame, activities, team)
