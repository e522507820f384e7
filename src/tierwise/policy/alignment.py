"""Effort against entitlement: which accounts get more, or less, than their tier promises.

The pipeline's policy stage: ``align_service`` scores every customer against the
service policy, then adds the team's capacity and the strategic set the hours allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from tierwise.engine import materialise
from tierwise.errors import InputError, PolicyError
from tierwise.literals import at_midnight, calendar_day
from tierwise.policy.capacity import (
    capacity_summary,
    json_records,
    no_team_optimisation,
    team_basis,
)
from tierwise.policy.optimise import optimise_strategic_tier
from tierwise.settings.service import DAYS_PER_MONTH, ServiceSettings
from tierwise.window import Window

if TYPE_CHECKING:
    from tierwise.settings.schema import Policy

#: Hourly cost of a person's time when neither the caller nor the cost model gives one.
DEFAULT_HOURLY_RATE = 60.0

ALIGNMENT_COLUMNS = (
    "customer_id",
    "entitled_hours",
    "alignment",
    "hours_gap",
    "money_at_stake",
    "cadence_missed",
    "days_since_touch",
    "service_notes",
)
_REQUIRED = ("customer_id", "tier")


@dataclass(frozen=True)
class ServiceOutcome:
    """What the service stage adds to a run.

    ``scores`` is a table in the engine with one row per customer
    (``ALIGNMENT_COLUMNS``); ``portfolio`` holds the JSON-ready ``alignment``,
    ``capacity``, ``capacity_optimised`` and ``warnings``; ``details`` holds the tables
    behind the charts, by name.
    """

    scores: ir.Table
    portfolio: dict[str, Any]
    details: dict[str, pd.DataFrame] = field(default_factory=dict)


def role_hourly_rates(
    service: ServiceSettings, hourly_rates: Mapping[str, float] | float | None
) -> dict[str, float]:
    """One rate per role that owns a tier: a mapping by role, one rate for all, or the default."""
    roles = {model.owner_role for model in service.tiers.values()}
    if hourly_rates is None:
        return dict.fromkeys(roles, DEFAULT_HOURLY_RATE)
    if isinstance(hourly_rates, int | float):
        return dict.fromkeys(roles, float(hourly_rates))
    return {role: float(hourly_rates.get(role, DEFAULT_HOURLY_RATE)) for role in roles}


def policy_hourly_rates(policy: Policy) -> dict[str, float] | None:
    """The cost model's rate per role, so money at stake uses the same rates as cost-to-serve.

    A role the cost model does not price gets the rate of its ``default_role``.
    """
    costs = getattr(policy, "costs", None)
    rates = getattr(costs, "hourly_rates", None)
    if not rates:
        return None
    fallback = rates.get(getattr(costs, "default_role", ""), DEFAULT_HOURLY_RATE)
    roles = {model.owner_role for model in policy.service.tiers.values()}
    return {role: float(rates.get(role, fallback)) for role in roles}


def _memtable(rows: list[dict[str, Any]], schema: dict[str, str]) -> ir.Table:
    """A small in-memory table of policy entries, typed even when empty: one row per tier
    or per tailored account (a few to a few hundred rows, from the policy file), so
    handing it to the engine costs nothing even on Spark.

    Ibis hands an in-memory table to Spark through pandas, where a missing number is
    NaN: Spark keeps it as NaN (not null) in a float column and reads a whole int64
    column that has one as null. So numbers travel as float64, NaN becomes null again
    in the engine, and whole numbers are cast back there (DuckDB sees nulls throughout).
    """
    carried = {name: "float64" if kind == "int64" else kind for name, kind in schema.items()}
    arrow_schema = ibis.schema(carried).to_pyarrow()
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=arrow_schema))
    numbers = {
        name: ibis.ifelse(table[name].isnan(), ibis.null("float64"), table[name]).cast(kind)
        for name, kind in schema.items()
        if carried[name] == "float64"
    }
    return table.mutate(**numbers) if numbers else table


def _tier_table(service: ServiceSettings, rates: Mapping[str, float]) -> ir.Table:
    rows = [
        {
            "tier": name,
            "owner_role": model.owner_role,
            "tier_hours_per_month": float(model.hours_per_month),
            "tier_max_days": service.cadence.max_days_without_touch.get(name),
            "hourly_rate": rates[model.owner_role],
        }
        for name, model in service.tiers.items()
    ]
    schema = {
        "tier": "string",
        "owner_role": "string",
        "tier_hours_per_month": "float64",
        "tier_max_days": "int64",
        "hourly_rate": "float64",
    }
    return _memtable(rows, schema)


def service_note(service: ServiceSettings, customer_id: str) -> str:
    """The tailoring of one account in one line, shown beside the account everywhere."""
    t = service.tailoring[customer_id]
    parts = [f"Tailored: {t.reason}"]
    if t.hours_per_month is not None:
        parts.append(f"{t.hours_per_month:g} h/month instead of the tier's")
    if t.extra_hours_per_month:
        parts.append(f"{t.extra_hours_per_month:+g} h/month")
    if t.max_days_without_touch is not None:
        parts.append(f"touch at least every {t.max_days_without_touch} days")
    if t.add_commitments:
        parts.append("plus " + ", ".join(t.add_commitments))
    if t.remove_commitments:
        parts.append("without " + ", ".join(t.remove_commitments))
    return "; ".join(parts)


def _tailoring_table(service: ServiceSettings) -> ir.Table:
    rows = [
        {
            "customer_id": cid,
            "t_hours_per_month": t.hours_per_month,
            "t_extra_hours": float(t.extra_hours_per_month),
            "t_max_days": t.max_days_without_touch,
            "service_notes": service_note(service, cid),
        }
        for cid, t in service.tailoring.items()
    ]
    schema = {
        "customer_id": "string",
        "t_hours_per_month": "float64",
        "t_extra_hours": "float64",
        "t_max_days": "int64",
        "service_notes": "string",
    }
    return _memtable(rows, schema)


def _last_touch(activities: ir.Table | None, service: ServiceSettings, window: Window) -> ir.Table:
    """Latest touch per customer before the as-of date (touches before the window count)."""
    if activities is None:
        return _memtable([], {"customer_id": "string", "last_touch": "date"})
    acts = activities.filter(activities.date < at_midnight(window.end))
    if service.cadence.touch_types:
        acts = acts.filter(acts.type.isin(service.cadence.touch_types))
    return acts.group_by("customer_id").aggregate(last_touch=acts.date.max().date())


def _effort_from_activities(activities: ir.Table | None, window: Window) -> ir.Table:
    if activities is None or "minutes" not in activities.columns:
        raise InputError(
            "scorecard has no column 'effort_hours' and activities carry no 'minutes'; "
            "run the cost-to-serve stage first or add minutes to the activities table"
        )
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    acts = activities.filter((activities.date >= start) & (activities.date < end))
    return acts.group_by("customer_id").aggregate(effort_hours=acts.minutes.sum() / 60.0)


def _left_join(left: ir.Table, right: ir.Table, key: str) -> ir.Table:
    """Left join on one key, keeping a single key column."""
    other = right.rename({f"_{key}_right": key})
    joined = left.left_join(other, left[key] == other[f"_{key}_right"])
    return joined.drop(f"_{key}_right")


def score_alignment(
    scorecard: ir.Table,
    *,
    service: ServiceSettings,
    window: Window,
    activities: ir.Table | None = None,
    hourly_rates: Mapping[str, float] | float | None = None,
) -> ir.Table:
    """Per customer: entitlement, gap, alignment, money at stake and cadence, lazily.

    Keeps the scorecard's columns and adds ``owner_role``, ``hourly_rate`` and
    ``hours_if_<optimiser tier>`` for the capacity views, besides ``ALIGNMENT_COLUMNS``.
    """
    missing = [c for c in _REQUIRED if c not in scorecard.columns]
    if missing:
        raise InputError(f"scorecard lacks column(s) {missing}; the tiering stage must run first")
    sc = scorecard
    if "effort_hours" not in sc.columns:
        effort = _effort_from_activities(activities, window)
        sc = _left_join(sc, effort, "customer_id").mutate(
            effort_hours=ibis.coalesce(ibis._.effort_hours, 0.0)
        )
    for col in ("owner", "name"):
        if col not in sc.columns:
            sc = sc.mutate(**{col: ibis.null("string")})
    for col in ("revenue", "net_profit", "cev", "strategic_score"):
        if col not in sc.columns:
            sc = sc.mutate(**{col: ibis.null("float64")})
    rates = role_hourly_rates(service, hourly_rates)
    drop = [c for c in ("entitled_hours", "alignment", "service_notes") if c in sc.columns]
    sc = sc.drop(*drop) if drop else sc
    joined = sc.mutate(customer_id=sc.customer_id.cast("string"))
    joined = _left_join(joined, _tier_table(service, rates), "tier")
    joined = _left_join(joined, _tailoring_table(service), "customer_id")
    joined = _left_join(joined, _last_touch(activities, service, window), "customer_id")
    months = window.days / DAYS_PER_MONTH
    monthly = ibis.coalesce(joined.t_hours_per_month, joined.tier_hours_per_month) + ibis.coalesce(
        joined.t_extra_hours, 0.0
    )
    entitled = ibis.greatest(monthly, 0.0) * months
    rules = service.alignment
    effort = ibis.coalesce(joined.effort_hours.cast("float64"), 0.0)
    gap = effort - entitled
    # A gap counts only when it is material: beyond the relative band and the hours
    # floor, and worth at least the money floor at the owner role's rate. An entitlement
    # of 0 ("no scheduled human time") can only be over-served.
    band = ibis.greatest(entitled * rules.tolerance, rules.min_gap_hours)
    material = (gap.abs() > band) & (gap.abs() * joined.hourly_rate >= rules.min_gap_money)
    alignment = ibis.cases(
        (material & (gap > 0), "over_served"),
        (material & (gap < 0), "under_served"),
        else_="aligned",
    )
    days_since = calendar_day(window.end).delta(joined.last_touch, unit="day")
    max_days = ibis.coalesce(joined.t_max_days, joined.tier_max_days)
    missed = max_days.notnull() & (joined.last_touch.isnull() | (days_since > max_days))
    target = service.optimiser.tier
    target_monthly = ibis.coalesce(
        joined.t_hours_per_month, service.tiers[target].hours_per_month
    ) + ibis.coalesce(joined.t_extra_hours, 0.0)
    scored = joined.mutate(
        effort_hours=effort,
        entitled_hours=entitled,
        hours_gap=gap,
        alignment=alignment,
        money_at_stake=ibis.ifelse(alignment == "aligned", 0.0, gap.abs() * joined.hourly_rate),
        cadence_missed=missed,
        days_since_touch=days_since.cast("int64"),
        service_notes=ibis.coalesce(joined.service_notes, ""),
        **{f"hours_if_{target}": ibis.greatest(target_monthly, 0.0) * months},
    )
    helpers = ["tier_hours_per_month", "tier_max_days", "t_hours_per_month", "t_extra_hours"]
    return scored.drop("t_max_days", *helpers)


def _ranked(frame: pd.DataFrame, kind: str, limit: int) -> list[dict[str, Any]]:
    cols = ["customer_id", "name", "owner", "tier", "effort_hours", "entitled_hours", "hours_gap"]
    cols += ["money_at_stake", "service_notes"]
    chosen = frame.loc[frame["alignment"] == kind, cols].copy()
    chosen["abs_gap"] = chosen["hours_gap"].abs()
    keys = ["money_at_stake", "abs_gap", "customer_id"]  # ties by id, whatever the engine
    chosen = chosen.sort_values(keys, ascending=[False, False, True]).head(limit)
    return json_records(chosen.drop(columns="abs_gap"))


def alignment_summary(frame: pd.DataFrame, *, limit: int) -> dict[str, Any]:
    """Counts, hours and money over and under, and the ranked lists (capped at ``limit``)."""
    counts = frame["alignment"].value_counts()
    over = frame[frame["alignment"] == "over_served"]
    under = frame[frame["alignment"] == "under_served"]
    missed = frame[frame["cadence_missed"].fillna(False).astype(bool)]
    cadence_cols = ["customer_id", "name", "owner", "tier", "days_since_touch"]
    cadence = missed.sort_values(
        ["days_since_touch", "customer_id"], ascending=[False, True], na_position="first"
    )
    return {
        "customers": len(frame),
        "over_served": int(counts.get("over_served", 0)),
        "under_served": int(counts.get("under_served", 0)),
        "aligned": int(counts.get("aligned", 0)),
        "hours_over": round(float(over["hours_gap"].sum()), 2),
        "hours_under": round(float(-under["hours_gap"].sum()), 2),
        "money_over": round(float(over["money_at_stake"].sum()), 2),
        "money_under": round(float(under["money_at_stake"].sum()), 2),
        "cadence_missed": len(missed),
        "top_over_served": _ranked(frame, "over_served", limit),
        "top_under_served": _ranked(frame, "under_served", limit),
        "cadence_missed_accounts": json_records(cadence[cadence_cols].head(limit)),
    }


def _check_tiers(frame: pd.DataFrame, service: ServiceSettings) -> None:
    unknown = frame.loc[frame["owner_role"].isna(), "tier"].drop_duplicates().head(20)
    values = [None if pd.isna(v) else v for v in unknown]
    if values:
        raise PolicyError(
            f"scorecard column 'tier' holds {values}, which have no service model in "
            f"service.tiers ({sorted(service.tiers)}); add a model for each tier"
        )


def _tailoring_warnings(frame: pd.DataFrame, service: ServiceSettings) -> list[str]:
    absent = sorted(set(service.tailoring) - set(frame["customer_id"]))
    if not absent:
        return []
    shown = ", ".join(absent[:20]) + (" …" if len(absent) > 20 else "")
    return [
        f"service.tailoring names {len(absent)} customer id(s) not in the book: {shown}; "
        "check the ids or remove those entries"
    ]


NO_ACTIVITIES = (
    "the book has no activities table, so effort is unknown: no account is called over- or "
    "under-served and contact cadence is not checked; add activities to see alignment"
)


def align_service(
    scorecard: ir.Table,
    *,
    activities: ir.Table | None,
    customers: ir.Table | None,
    policy: Policy,
    window: Window,
    hourly_rates: Mapping[str, float] | float | None = None,
    effort_known: bool = True,
) -> ServiceOutcome:
    """Judge every account's effort against its entitlement, and the team against the policy.

    ``effort_known=False`` (a book without an effort log) leaves alignment unknown: the
    alignment columns are null and ``portfolio["alignment"]`` is empty, with a warning.

    ``customers`` is accepted for the pipeline's uniform call and is not needed: the
    scorecard already carries name and owner. Stops with ``PolicyError`` when the
    scorecard holds a tier the policy has no service model for. ``hourly_rates`` (per
    role, or one for all) prices the hours at stake; by default the cost model's rates.

    The per-customer verdicts stay in the engine: ``scores`` is a table there (kept for
    the run as ``SERVICE_TABLE``), which the pipeline joins onto the scorecard.
    """
    del customers
    service = policy.service
    rates = hourly_rates if hourly_rates is not None else policy_hourly_rates(policy)
    scored = score_alignment(
        scorecard, service=service, window=window, activities=activities, hourly_rates=rates
    )
    if not effort_known:
        scored = _effort_unknown(scored)
    kept = scored.select(*[c for c in _frame_columns(service) if c in scored.columns])
    table = materialise(ibis.get_backend(kept), SERVICE_TABLE, kept)
    frame = _driver_frame(table, effort_known)
    _check_tiers(frame, service)
    warnings = _tailoring_warnings(frame, service)
    if not effort_known:
        warnings.append(NO_ACTIVITIES)
    basis = team_basis(service, frame)
    capacity, capacity_details, capacity_warnings = capacity_summary(
        frame, service=service, window=window, activities=activities, basis=basis
    )
    if basis.source == "policy":
        optimised, optimised_detail = optimise_strategic_tier(frame, service=service, window=window)
    else:
        optimised, optimised_detail = no_team_optimisation(service, basis), pd.DataFrame()
    chart_cols = ["customer_id", "name", "owner", "tier", "effort_hours", "entitled_hours"]
    chart_cols += ["hours_gap", "alignment", "money_at_stake", "cadence_missed"]
    details = {
        "service_alignment": frame[chart_cols].reset_index(drop=True),
        **capacity_details,
        "capacity_optimised": optimised_detail,
    }
    portfolio = {
        "alignment": (
            alignment_summary(frame, limit=service.alignment.list_limit) if effort_known else {}
        ),
        "capacity": capacity,
        "capacity_optimised": optimised,
        "warnings": warnings + capacity_warnings,
    }
    return ServiceOutcome(
        scores=table.select(*ALIGNMENT_COLUMNS), portfolio=portfolio, details=details
    )


#: Where ``align_service`` keeps its per-customer table for the run; the prefix makes the
#: pipeline drop it with the scorecard's other versions when the run ends.
SERVICE_TABLE = "tw_scorecard_service"


def _effort_unknown(scored: ir.Table) -> ir.Table:
    """Without an effort log nobody can be called over- or under-served: the verdicts are
    null instead of reading zero recorded hours as zero hours spent."""
    return scored.mutate(
        alignment=ibis.null("string"),
        hours_gap=ibis.null("float64"),
        money_at_stake=ibis.null("float64"),
        cadence_missed=ibis.null("boolean"),
    )


def _frame_columns(service: ServiceSettings) -> tuple[str, ...]:
    """What the driver needs per customer: the verdicts, the charts' names, and the
    optimiser's value, revenue and hours in its tier."""
    extra = ("owner_role", "revenue", service.optimiser.value, f"hours_if_{service.optimiser.tier}")
    columns = (*ALIGNMENT_COLUMNS, "name", "owner", "tier", "effort_hours", *extra)
    return tuple(dict.fromkeys(columns))


def _driver_frame(table: ir.Table, effort_known: bool) -> pd.DataFrame:
    """The per-customer service table on the driver, in customer id order.

    It has to come here: the optimiser is a MILP solved by scipy, and the
    ``service_alignment`` and ``capacity_optimised`` details hold a row per customer
    (about 200 MB of pandas per million customers, 16 columns). The id order makes every
    ranked list and tie the same on any engine.
    """
    frame = table.order_by("customer_id").execute()
    frame["days_since_touch"] = frame["days_since_touch"].astype("Int64")
    if effort_known:
        frame["cadence_missed"] = frame["cadence_missed"].astype(bool)
    else:
        frame["alignment"] = frame["alignment"].astype("string")
        frame[["hours_gap", "money_at_stake"]] = frame[["hours_gap", "money_at_stake"]].astype(
            float
        )
        frame["cadence_missed"] = pd.array([pd.NA] * len(frame), dtype="boolean")
    return frame
