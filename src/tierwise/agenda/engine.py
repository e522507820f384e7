"""Build the day: candidates → matrix → rank → capacity, for one person or everyone at once.

Everything runs in the engine over the run folder's Parquet files; only the finished,
ranked items reach pandas. Ranking puts the accounts of the important tiers first (in the
policy's order), then the quadrant (do_now, schedule, delegate, drop, reduce), then the
due date and the account's value. The day is filled in rank order until the person's
daily minutes are used; what does not fit is ``carried_over``, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.agenda import candidates as cand
from tierwise.agenda.capacity import daily_capacity
from tierwise.agenda.evidence import FIELDS
from tierwise.agenda.inputs import RunInputs, read_run
from tierwise.agenda.matrix import place, planned_minutes, quadrant_order
from tierwise.errors import InputError
from tierwise.settings.schema import Policy

#: The columns of ``Agenda.items`` (CONTRACT §6 names, then the planning columns).
ITEM_COLUMNS = (*FIELDS, "important", "urgent", "value")
OUTCOME_COLUMNS = {"item_id": "string", "action": "string", "on": "date", "until": "date"}


@dataclass
class Agenda:
    """The ranked items of one day for one or more people, and each person's capacity.

    ``items``: one row per item (``ITEM_COLUMNS`` plus evidence columns ``ev_*``), ranked
    per owner; ``plan`` is ``today``, ``carried_over`` or ``not_planned`` (drop, reduce).
    ``capacity``: per owner ``daily_minutes``, ``planned_minutes``, ``demand_minutes``,
    ``carried_over`` (items), ``capacity_source``, ``manager``, ``role``.
    """

    day: date
    as_of: date
    run: Path
    policy: Policy
    items: pd.DataFrame
    capacity: pd.DataFrame
    hidden: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    inputs: RunInputs | None = field(default=None, repr=False)

    def owner_items(self, owner: str) -> pd.DataFrame:
        return self.items[self.items["owner"] == owner].reset_index(drop=True)

    def records(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Items as JSON-ready dicts with their ``evidence`` (the figures behind ``why``)."""
        from tierwise.agenda.evidence import item_records

        frame = self.items if owner is None else self.owner_items(owner)
        return item_records(frame)


def build_agenda(
    run: str | Path | RunInputs,
    *,
    owner: str | None = None,
    owners: list[str] | None = None,
    day: date | str | None = None,
    policy: Policy | None = None,
    overrides: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    plan_actions: pd.DataFrame | None = None,
) -> Agenda:
    """The agenda of ``owner`` (or of ``owners``, or of every owner) for ``day``.

    ``day`` defaults to the run's as-of date. ``overrides`` (``override_id, customer_id,
    tier, status, review_by``) and ``outcomes`` (``item_id, action, on, until``: done,
    snoozed and skipped items) and ``plan_actions`` (the open actions of kept account
    plans, ``workspace.agenda_outcomes.open_plan_actions_frame``) come from a workspace
    database; without them the agenda has no override or plan items and hides nothing.
    """
    inputs = run if isinstance(run, RunInputs) else read_run(run, policy=policy)
    day = _day(day, inputs.as_of)
    chosen = [owner] if owner is not None else owners
    accounts = inputs.accounts
    if chosen is not None:
        accounts = accounts.filter(accounts.owner.isin(chosen))
    notes = _notes(inputs, chosen, _action_owners(plan_actions))
    items = candidate_items(inputs, accounts, day, overrides, chosen, plan_actions)
    items = place(items, inputs.policy.agenda)
    items = items.mutate(
        item_id="ag-"
        + (items.customer_id + "|" + items.kind + "|" + items.reason).hexdigest("md5").substr(0, 16)
    )
    hidden_expr: ir.Table | None = None
    if outcomes is not None and not outcomes.empty:
        gone = _hidden_ids(outcomes, day)
        hidden_expr = items.semi_join(gone, "item_id")
        items = items.anti_join(gone, "item_id")
    capacity = daily_capacity(inputs.policy, _owners(inputs, accounts, chosen, plan_actions))
    planned = _ranked(items, inputs, ibis.memtable(capacity))
    frame = planned.execute().sort_values(["owner", "rank"], ignore_index=True)
    cap = _capacity_summary(frame, capacity)
    hidden = hidden_expr.execute() if hidden_expr is not None else pd.DataFrame()
    return Agenda(
        day=day,
        as_of=inputs.as_of,
        run=inputs.folder,
        policy=inputs.policy,
        items=frame,
        capacity=cap,
        hidden=hidden,
        notes=notes,
        inputs=inputs,
    )


def candidate_items(
    inputs: RunInputs,
    accounts: ir.Table,
    day: date,
    overrides: pd.DataFrame | None,
    chosen: list[str] | None = None,
    plan_actions: pd.DataFrame | None = None,
) -> ir.Table:
    """Every candidate item of ``accounts``' owners (and the tasks and plan actions
    ``chosen`` people own on other accounts), joined with the account's figures; ``owner``
    is whose day it is."""
    settings, service = inputs.policy.agenda, inputs.policy.service
    ids = accounts.select("customer_id")
    tasks = inputs.tasks
    if chosen is not None:
        on_accounts = tasks.semi_join(ids, "customer_id")
        tasks = ibis.union(
            on_accounts.filter(on_accounts.owner.isnull() | on_accounts.owner.isin(chosen)),
            tasks.filter(tasks.owner.isin(chosen)),
            distinct=True,
        )
    touches = inputs.touches.semi_join(ids, "customer_id")
    parts = [
        cand.purchases(touches, accounts, day, settings),
        cand.tasks(tasks, day, settings),
        cand.cadence(accounts, touches, service, day, settings),
        cand.reviews(accounts, touches, service, day, settings),
        cand.alerts(accounts, day, settings),
        cand.reduce(accounts, inputs.window_days),
    ]
    pending = cand.overrides(overrides, day, settings)
    if pending is not None:
        parts.append(pending.semi_join(ids, "customer_id"))
    actions = cand.plan_actions(_chosen_actions(plan_actions, chosen), day, settings)
    if actions is not None:  # an action without an owner is on its account owner's day
        owned = actions.filter(actions.item_owner.notnull())
        parts += [owned, actions.filter(actions.item_owner.isnull()).semi_join(ids, "customer_id")]
    union = ibis.union(*parts, distinct=False)
    everyone = inputs.accounts
    info = everyone.select(
        "customer_id",
        "owner",
        "name",
        "tier",
        "value",
        "effort_hours",
        "entitled_hours",
        "hours_gap",
    )
    joined = union.join(info, "customer_id")
    return joined.mutate(owner=ibis.coalesce(joined.item_owner, joined.owner)).drop("item_owner")


def _chosen_actions(actions: pd.DataFrame | None, chosen: list[str] | None) -> pd.DataFrame | None:
    """The plan actions ``chosen`` people carry, and those without an owner (kept only on
    the chosen people's accounts by the caller); all of them when no one is chosen."""
    if actions is None or actions.empty or chosen is None:
        return actions
    return actions[actions["owner"].isin(chosen) | actions["owner"].isna()]


def _owners(
    inputs: RunInputs,
    accounts: ir.Table,
    chosen: list[str] | None,
    plan_actions: pd.DataFrame | None = None,
) -> list[str]:
    """Whose days these are: the accounts' owners and the owners of open tasks and of
    open plan actions."""
    tasks = inputs.tasks.filter(inputs.tasks.owner.notnull())
    if chosen is not None:
        tasks = tasks.filter(tasks.owner.isin(chosen))
    both = ibis.union(accounts.select("owner"), tasks.select("owner"), distinct=True)
    owners = set(both.execute()["owner"].dropna())
    named = _action_owners(plan_actions)
    owners |= named if chosen is None else named & set(chosen)
    return sorted(owners)


def _ranked(items: ir.Table, inputs: RunInputs, capacity: ir.Table) -> ir.Table:
    """Rank each owner's items and plan them in rank order while the running total of
    minutes fits the day; one window (same partition and order) does both."""
    tiers = inputs.policy.agenda.importance.tiers
    group = ibis.cases(*[(items.tier == t, i) for i, t in enumerate(tiers)], else_=len(tiers))
    items = items.mutate(
        tier_group=group,
        q_order=quadrant_order(items.quadrant),
        no_due=items.due.isnull(),
        minutes=planned_minutes(items, inputs.policy.agenda),
    )
    t = items.left_join(capacity.select("owner", "daily_minutes"), "owner").select(
        items, capacity.daily_minutes
    )
    order = [
        t.tier_group,
        t.q_order,
        t.no_due,
        t.due,
        t.value.desc(nulls_first=False),
        t.customer_id,
        t.kind,
        t.reason,
    ]
    window = ibis.window(group_by=t.owner, order_by=order, rows=(None, 0))
    running = t.minutes.sum().over(window)
    plan = ibis.cases(
        (t.quadrant.isin(("drop", "reduce")), "not_planned"),
        (running <= t.daily_minutes, "today"),
        else_="carried_over",
    )
    rank = (ibis.row_number().over(window) + 1).cast("int64")
    return t.mutate(rank=rank, plan=plan).drop("tier_group", "q_order", "no_due")


def _capacity_summary(items: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    minutes = items.assign(
        today=items["minutes"].where(items["plan"] == "today", 0),
        carried=(items["plan"] == "carried_over").astype("int64"),
    )
    per = minutes.groupby("owner", as_index=False).agg(
        planned_minutes=("today", "sum"),
        demand_minutes=("minutes", "sum"),
        carried_over=("carried", "sum"),
        items=("item_id", "count"),
    )
    out = capacity.merge(per, on="owner", how="left")
    for col in ("planned_minutes", "demand_minutes", "carried_over", "items"):
        out[col] = out[col].fillna(0).astype("int64")
    return out.sort_values("owner").reset_index(drop=True)


def _hidden_ids(outcomes: pd.DataFrame, day: date) -> ir.Table:
    """Ids done (any day), snoozed until after ``day``, or skipped on ``day``."""
    o = ibis.memtable(outcomes[list(OUTCOME_COLUMNS)]).cast(OUTCOME_COLUMNS)
    keep = (
        (o.action == "done")
        | ((o.action == "snoozed") & (o["until"] > day)).fill_null(False)
        | ((o.action == "skipped") & (o["on"] == day)).fill_null(False)
    )
    return o.filter(keep).select("item_id").distinct()


def _day(value: date | str | None, as_of: date) -> date:
    if value is None:
        return as_of
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"date {value!r} is not a date; write it as YYYY-MM-DD") from exc


def _action_owners(plan_actions: pd.DataFrame | None) -> set[str]:
    if plan_actions is None or plan_actions.empty:
        return set()
    return set(plan_actions["owner"].dropna())


def _notes(inputs: RunInputs, chosen: list[str] | None, action_owners: set[str]) -> list[str]:
    notes = []
    if not (inputs.folder / "details" / "agenda_tasks.parquet").is_file():
        notes.append(
            "this run keeps no tasks or touches (it was written before the agenda existed): "
            "re-run `tierwise analyze` to see open tasks and purchases since the last touch"
        )
    elif inputs.touches.filter(inputs.touches.last_touch.notnull()).count().execute() == 0:
        notes.append(
            "no touch is on record (the book has no activities of a touch type): every "
            "account's cadence touch counts as due today"
        )
    if chosen:
        owners = ibis.union(
            inputs.accounts.select("owner"), inputs.tasks.select("owner"), distinct=True
        )
        known = set(owners.filter(owners.owner.isin(chosen)).execute()["owner"])
        known |= action_owners
        unknown = [o for o in chosen if o not in known]
        if unknown:
            raise InputError(
                f"owner(s) {unknown} own no account, task or plan action in {inputs.folder}; "
                "check the spelling (the scorecard's `owner` column)"
            )
    return notes
