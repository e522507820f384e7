"""What-if: what a second policy (or a later run) changes against a baseline run.

Compares two scorecards customer by customer: where accounts move between tiers, the
hours each person gains or loses, profit and CEV per tier, and the accounts whose
service model changes. The join and the aggregations run in Ibis; only the small
results come back as pandas.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.errors import InputError
from tierwise.policy.capacity import json_records

ABSENT = "(absent)"
NO_OWNER = "(no owner)"
#: Hour changes smaller than this are float noise, not a change of service model.
_HOURS_NOISE = 0.01
_OPTIONAL = {
    "name": "string",
    "owner": "string",
    "entitled_hours": "float64",
    "net_profit": "float64",
    "cev": "float64",
    "service_notes": "string",
}


@dataclass(frozen=True)
class RunComparison:
    """Baseline run A against run B.

    ``migration``: customers by tier in A (rows) and in B (columns), ``(absent)`` where a
    customer is only in one run. ``hours_by_person``: entitled hours per owner in each
    run and the change (positive = hours needed, negative = hours freed). ``by_tier``:
    customers, net profit and CEV per tier in each run. ``changed_accounts``: accounts
    whose tier, entitlement or tailoring differs, largest hour change first.
    ``summary``: the JSON-ready headline, lists capped.
    """

    migration: pd.DataFrame
    hours_by_person: pd.DataFrame
    by_tier: pd.DataFrame
    changed_accounts: pd.DataFrame
    summary: dict[str, Any]


def _standard(scorecard: ir.Table, label: str) -> ir.Table:
    missing = [c for c in ("customer_id", "tier") if c not in scorecard.columns]
    if missing:
        raise InputError(
            f"scorecard of run {label} lacks column(s) {missing}; compare runs written by "
            "`tierwise analyze`"
        )
    t = scorecard
    for col, dtype in _OPTIONAL.items():
        if col not in t.columns:
            t = t.mutate(**{col: ibis.null(dtype)})
    return t.select(
        customer_id=t.customer_id.cast("string"),
        name=t.name.cast("string"),
        owner=ibis.coalesce(t.owner.cast("string"), NO_OWNER),
        tier=t.tier.cast("string"),
        entitled_hours=ibis.coalesce(t.entitled_hours.cast("float64"), 0.0),
        net_profit=t.net_profit.cast("float64"),
        cev=t.cev.cast("float64"),
        service_notes=ibis.coalesce(t.service_notes.cast("string"), ""),
    )


def _paired(a: ir.Table, b: ir.Table) -> ir.Table:
    ra = a.rename({f"{c}_a": c for c in a.columns})
    rb = b.rename({f"{c}_b": c for c in b.columns})
    j = ra.outer_join(rb, ra.customer_id_a == rb.customer_id_b)
    return j.select(
        customer_id=ibis.coalesce(j.customer_id_a, j.customer_id_b),
        name=ibis.coalesce(j.name_b, j.name_a),
        owner_a=j.owner_a,
        owner_b=j.owner_b,
        tier_a=ibis.coalesce(j.tier_a, ABSENT),
        tier_b=ibis.coalesce(j.tier_b, ABSENT),
        entitled_a=ibis.coalesce(j.entitled_hours_a, 0.0),
        entitled_b=ibis.coalesce(j.entitled_hours_b, 0.0),
        notes_a=ibis.coalesce(j.service_notes_a, ""),
        notes_b=ibis.coalesce(j.service_notes_b, ""),
    )


def _in_order(names: Any, tiers: Sequence[str]) -> list[Any]:
    """Tier names in the policy's order (most served first); others after, by name."""
    rank = {t: i for i, t in enumerate(tiers)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), str(n)))


def _migration(pairs: ir.Table, tiers: Sequence[str] = ()) -> pd.DataFrame:
    counts = pairs.group_by(["tier_a", "tier_b"]).aggregate(customers=pairs.count()).execute()
    matrix = counts.pivot_table(
        index="tier_a", columns="tier_b", values="customers", fill_value=0, aggfunc="sum"
    )
    matrix = matrix.loc[_in_order(matrix.index, tiers), _in_order(matrix.columns, tiers)]
    return matrix.astype("int64").rename_axis(index="tier_a", columns="tier_b")


def _per_run(table: ir.Table, key: str, label: str) -> pd.DataFrame:
    agg = table.group_by(key).aggregate(
        customers=table.count(),
        entitled_hours=table.entitled_hours.sum(),
        net_profit=table.net_profit.sum(),
        cev=table.cev.sum(),
    )
    frame = agg.execute()
    return frame.rename(columns={c: f"{c}_{label}" for c in frame.columns if c != key})


def _side_by_side(a: ir.Table, b: ir.Table, key: str, keep: list[str]) -> pd.DataFrame:
    cols = [f"{c}_{s}" for c in keep for s in ("a", "b")]
    merged = _per_run(a, key, "a").merge(_per_run(b, key, "b"), on=key, how="outer")
    merged = merged[[key, *cols]]
    counts = [c for c in cols if c.startswith("customers")]
    merged[counts] = merged[counts].fillna(0).astype("int64")
    return merged.sort_values(key).reset_index(drop=True)


def compare_scorecards(
    a: ir.Table, b: ir.Table, *, limit: int = 50, tiers: Sequence[str] = ()
) -> RunComparison:
    """Compare two scorecards (baseline ``a``, alternative ``b``) customer by customer.

    ``tiers`` is the policy's order of tiers (most served first): the migration matrix
    and the per-tier table follow it rather than the alphabet.
    """
    sa, sb = _standard(a, "A"), _standard(b, "B")
    pairs = _paired(sa, sb)
    by_tier = _side_by_side(sa, sb, "tier", ["customers", "net_profit", "cev"])
    order = {t: i for i, t in enumerate(_in_order(by_tier["tier"], tiers))}
    by_tier = by_tier.sort_values("tier", key=lambda c: c.map(order)).reset_index(drop=True)
    people = _side_by_side(sa, sb, "owner", ["customers", "entitled_hours"])
    people = people.rename(columns={"owner": "person"})
    hours = ["entitled_hours_a", "entitled_hours_b"]
    people[hours] = people[hours].fillna(0.0)
    people["hours_change"] = people["entitled_hours_b"] - people["entitled_hours_a"]
    delta = pairs.entitled_b - pairs.entitled_a
    changed = pairs.filter(
        (pairs.tier_a != pairs.tier_b)
        | (delta.abs() > _HOURS_NOISE)
        | (pairs.notes_a != pairs.notes_b)
    ).mutate(hours_change=delta)
    changed_frame = changed.order_by([ibis.desc(changed.hours_change.abs()), "customer_id"])
    changed_frame = changed_frame.execute()
    migration = _migration(pairs, tiers)
    moved = int(changed.filter(changed.tier_a != changed.tier_b).count().execute())
    summary = {
        "customers_a": int(sa.count().execute()),
        "customers_b": int(sb.count().execute()),
        "tier_changes": moved,
        "service_model_changes": len(changed_frame),
        "hours_required_a": round(float(people["entitled_hours_a"].sum()), 2),
        "hours_required_b": round(float(people["entitled_hours_b"].sum()), 2),
        "hours_change": round(float(people["hours_change"].sum()), 2),
        "migration": {
            str(row): {str(col): int(n) for col, n in counts.items()}
            for row, counts in migration.iterrows()
        },
        "hours_by_person": json_records(people),
        "by_tier": json_records(by_tier),
        "changed_accounts": json_records(changed_frame.head(limit)),
    }
    return RunComparison(
        migration=migration,
        hours_by_person=people,
        by_tier=by_tier,
        changed_accounts=changed_frame,
        summary=summary,
    )


def _scorecard_of(run: Path, label: str) -> Path:
    path = Path(run) / "scorecard.parquet"
    if not path.is_file():
        raise InputError(
            f"run {label} ({run}) has no scorecard.parquet; pass a run folder written by "
            "`tierwise analyze`"
        )
    return path


def compare_runs(run_a: Path | str, run_b: Path | str, *, limit: int = 50) -> RunComparison:
    """Compare two run folders: ``run_a`` is the baseline, ``run_b`` the alternative."""
    path_a, path_b = _scorecard_of(Path(run_a), "A"), _scorecard_of(Path(run_b), "B")
    from tierwise.book.readers import glob_escape

    con = ibis.duckdb.connect()
    tiers = list(dict.fromkeys([*_tier_order(Path(run_a)), *_tier_order(Path(run_b))]))
    return compare_scorecards(
        con.read_parquet(glob_escape(path_a)),
        con.read_parquet(glob_escape(path_b)),
        limit=limit,
        tiers=tiers,
    )


def _tier_order(run: Path) -> list[str]:
    """The run's tiers in its policy's order (portfolio.json keeps them in that order)."""
    try:
        portfolio = json.loads((run / "portfolio.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    tiers = portfolio.get("tiers") if isinstance(portfolio, dict) else None
    return [str(t) for t in tiers] if isinstance(tiers, dict) else []
