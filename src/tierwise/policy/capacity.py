"""Can this team serve this policy? Hours the tiers require against hours the team has.

Works on the per-customer alignment frame (one row per customer, already small next to
the transactions) and the team of the policy; every figure is over the analysis window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ibis.expr.types as ir
import pandas as pd

from tierwise.settings.service import ServiceSettings, TeamMember
from tierwise.window import Window

NO_OWNER = "(no owner)"
#: The role given to a person inferred from the book's owners: the book does not say it.
INFERRED_ROLE = "owner (role not given)"
TeamSource = Literal["policy", "inferred", "unknown"]


def _hours(value: float) -> str:
    return f"{value:,.0f} h"


def plain_role(role: str) -> str:
    """A role as people say it: 'key_account_manager' -> 'key account manager'."""
    return str(role).replace("_", " ")


@dataclass(frozen=True)
class TeamBasis:
    """The team capacity is judged against, and where it came from.

    ``policy``: the policy lists the team. ``inferred``: the policy has no team of its own
    (none, or the built-in placeholder), so each owner in the book counts as one person
    with the default working hours. ``unknown``: no team and no owners; no verdict.
    """

    source: TeamSource
    service: ServiceSettings
    assumed: TeamMember | None = None


def is_placeholder_team(service: ServiceSettings) -> bool:
    """True when the team is the built-in placeholder (role groups nobody has named)."""
    factory = ServiceSettings.model_fields["team"].default_factory
    placeholder = factory() if factory is not None else []  # type: ignore[call-arg]
    return [m.model_dump() for m in service.team] == [m.model_dump() for m in placeholder]


def team_basis(service: ServiceSettings, frame: pd.DataFrame) -> TeamBasis:
    """The team to judge capacity against: the policy's own, else one inferred from owners.

    The built-in team is a placeholder, not anyone's staff: a verdict against it would be
    about people who do not exist. Without a team of its own, each owner named in the book
    counts as one person working the default hours; with no owners either, the team is
    unknown and capacity gets no verdict.
    """
    if service.team and not is_placeholder_team(service):
        return TeamBasis("policy", service)
    owners = sorted(str(o) for o in frame["owner"].dropna().unique()) if len(frame) else []
    if not owners:
        return TeamBasis("unknown", service.model_copy(update={"team": []}))
    assumed = TeamMember(name="(each owner)", role=INFERRED_ROLE)
    team = [TeamMember(name=o, role=INFERRED_ROLE) for o in owners]
    return TeamBasis("inferred", service.model_copy(update={"team": team}), assumed)


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


def _assumption(assumed: TeamMember, service: ServiceSettings, days: int) -> str:
    each = service.hours_available(assumed, days)
    return (
        f"{_hours(each)} each over the window ({assumed.hours_per_week:g} h a week, "
        f"{assumed.customer_share:.0%} of it with customers, "
        f"{assumed.working_weeks_per_year:g} working weeks a year)"
    )


def _unknown_answer(required: float) -> str:
    return (
        f"Unknown — add your team: the policy asks {_hours(required)} over the window, and "
        "the policy names no team and the book no owners to carry it. List the people who "
        "serve customers under service.team (name, role, hours_per_week)."
    )


def _inferred_answer(
    basis: TeamBasis, days: int, required: float, available: float, short_people: pd.DataFrame
) -> str:
    assert basis.assumed is not None
    n = len(basis.service.team)
    head = (
        f"Inferred from the book, not from a team in the policy: {n:,} owner(s), "
        f"assumed to give {_assumption(basis.assumed, basis.service, days)}. "
    )
    short = "; ".join(
        f"{person} short by {_hours(-gap)} (needs {_hours(need)}, has {_hours(have)})"
        for person, gap, need, have in zip(
            short_people["person"].head(5),
            short_people["gap_hours"].head(5).astype(float),
            short_people["required_hours"].head(5).astype(float),
            short_people["available_hours"].head(5).astype(float),
            strict=True,
        )
    )
    more = f" and {len(short_people) - 5:,} more" if len(short_people) > 5 else ""
    share = required / available if available > 0 else float("inf")
    if required > available:
        verdict = (
            f"No: the policy asks {_hours(required)} and these owners have "
            f"{_hours(available)} ({share:.0%}), short by {_hours(required - available)}"
        )
    elif len(short_people):
        verdict = (
            f"Not as staffed: the owners have {_hours(available)} against {_hours(required)} "
            "in total, but some carry more than their hours"
        )
    else:
        verdict = (
            f"Yes: the policy asks {_hours(required)} of these owners' {_hours(available)} "
            f"({share:.0%})"
        )
    tail = f": {short}{more}." if short else "."
    return head + verdict + tail + " Set service.team in the policy to judge your real team."


def _answer(
    required: float,
    available: float,
    freed: float | None,
    needed: float | None,
    short_roles: pd.DataFrame,
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
        if freed is not None and needed is not None
        else ""  # without an effort log nobody is over- or under-served: unknown, not 0 h
    )
    shortfalls = "; ".join(
        f"{plain_role(role)} short by {_hours(-gap)} (needs {_hours(need)}, has {_hours(have)})"
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
    basis: TeamBasis | None = None,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame], list[str]]:
    """The ``capacity`` block of portfolio.json, its tables for charts, and warnings.

    ``frame`` is the per-customer alignment frame (customer_id, owner, tier,
    owner_role, effort_hours, entitled_hours, hours_gap, alignment). ``basis`` is the
    team to judge against (default: ``team_basis(service, frame)``); its ``source`` is
    written as ``team_source`` so no reader mistakes an inferred team for a real one.
    """
    basis = basis or team_basis(service, frame)
    team = team_table(basis.service, window)
    people = capacity_by_person(frame, team)
    roles = capacity_by_role(frame, team)
    tiers = capacity_by_tier(frame, service)
    required = float(frame["entitled_hours"].sum())
    available = float(team["available_hours"].sum())
    freed = float(tiers["hours_freed"].sum())
    needed = float(tiers["hours_needed"].sum())
    short_roles = roles[roles["gap_hours"] < 0]
    named = people[people["person"] != NO_OWNER]
    short_people = named[named["gap_hours"] < 0].sort_values("gap_hours")
    # no alignment at all: the book has no effort log, so hours spent are unknown, not zero
    effort_known = bool(frame["alignment"].notna().any()) if len(frame) else False
    can_serve: bool | None
    if basis.source == "unknown":
        roles = roles.assign(available_hours=float("nan"), gap_hours=float("nan"))
        roles = roles.assign(utilisation=float("nan"))
        can_serve, answer = None, _unknown_answer(required)
    elif basis.source == "inferred":
        # The book names no roles: the verdict is per owner, and per role only hours required.
        roles = roles[roles["role"] != INFERRED_ROLE].assign(
            headcount=0, available_hours=float("nan"), gap_hours=float("nan")
        )
        roles = roles.assign(utilisation=float("nan")).reset_index(drop=True)
        can_serve = bool(required <= available and short_people.empty)
        answer = _inferred_answer(basis, window.days, required, available, short_people)
    else:
        can_serve = bool(required <= available and short_roles.empty)
        answer = _answer(
            required,
            available,
            freed if effort_known else None,
            needed if effort_known else None,
            short_roles,
        )
    known = basis.source != "unknown"
    summary = {
        "window_days": window.days,
        "team_source": basis.source,
        "assumed_hours_per_person": (
            round(basis.service.hours_available(basis.assumed, window.days), 2)
            if basis.assumed is not None
            else None
        ),
        "hours_required": round(required, 2),
        "hours_available": round(available, 2) if known else None,
        "gap_hours": round(available - required, 2) if known else None,
        "utilisation": round(required / available, 4) if known and available > 0 else None,
        "hours_spent": round(float(frame["effort_hours"].sum()), 2) if effort_known else None,
        "hours_freed_by_realigning": round(freed, 2) if effort_known else None,
        "hours_needed_for_under_served": round(needed, 2) if effort_known else None,
        "hours_for_new_business": round(max(available - required, 0.0), 2) if known else None,
        "can_serve_policy": can_serve,
        "short_roles": [plain_role(r) for r in short_roles["role"]]
        if basis.source == "policy"
        else [],
        "short_people": [str(p) for p in short_people["person"]],
        "answer": answer,
        "per_person": json_records(people) if known else [],
        "per_role": json_records(roles),
        "per_tier": json_records(tiers),
    }
    details = {"capacity_by_person": people, "capacity_by_role": roles, "capacity_by_tier": tiers}
    warnings = _owner_warnings(frame, activities, team) if basis.source == "policy" else []
    return summary, details, warnings


def no_team_optimisation(service: ServiceSettings, basis: TeamBasis) -> dict[str, Any]:
    """The ``capacity_optimised`` block when the policy names no team: nothing to fill."""
    tier = service.optimiser.tier
    which = "team inferred from the book" if basis.source == "inferred" else "team unknown"
    return {
        "tier": tier,
        "role": service.tiers[tier].owner_role,
        "value_column": service.optimiser.value,
        "capacity_hours": None,
        "max_accounts": service.optimiser.max_accounts,
        "status": "skipped",
        "answer": (
            f"Not optimised: the policy names no team ({which}), the hours of "
            "the role that owns this tier are not known; set service.team."
        ),
    }
