"""Read what the agenda needs from a run folder into the engine: accounts, tasks, touches.

A run folder is the agenda's only data source (plus the workspace database for overrides
and outcomes), so a day can be written long after the analysis, on any machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from tierwise.agenda.run_inputs import TASK_COLUMNS, TOUCH_COLUMNS, empty_table
from tierwise.errors import InputError
from tierwise.settings.schema import Policy

#: Scorecard columns the agenda reads; optional ones become null when a run lacks them.
ACCOUNT_COLUMNS = {
    "customer_id": "string",
    "name": "string",
    "owner": "string",
    "tier": "string",
    "relationship_level": "int64",
    "relationship_trend": "string",
    "level_alert": "boolean",
    "recommended_play": "string",
    "alignment": "string",
    "effort_hours": "float64",
    "entitled_hours": "float64",
    "hours_gap": "float64",
}
_REQUIRED = ("customer_id", "owner", "tier")


@dataclass(frozen=True)
class RunInputs:
    """One run folder's tables, lazily in the engine, and its policy and dates."""

    folder: Path
    as_of: date
    window_days: int
    policy: Policy
    accounts: ir.Table
    tasks: ir.Table
    touches: ir.Table
    con: Any


def read_run(folder: str | Path, *, policy: Policy | None = None) -> RunInputs:
    """Open a run folder; its own policy (``run.json``) applies unless one is given."""
    folder = Path(folder)
    run_json, scorecard = folder / "run.json", folder / "scorecard.parquet"
    for needed in (run_json, scorecard):
        if not needed.is_file():
            raise InputError(
                f"{folder} is not a run folder: {needed.name} is missing; give the folder "
                "`tierwise analyze BOOK --out DIR` wrote"
            )
    info = json.loads(run_json.read_text(encoding="utf-8"))
    if policy is None:
        policy = Policy.model_validate(info.get("policy") or {})
    con = ibis.duckdb.connect()
    raw = con.read_parquet(str(scorecard))
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(
            f"{scorecard}: column(s) {missing} missing; the agenda needs each account's owner "
            "and tier (re-run `tierwise analyze` with a customers table or an owner column)"
        )
    value_col = policy.agenda.importance.value_column
    if value_col not in raw.columns:
        raise InputError(
            f"agenda.importance.value_column = {value_col!r} is not a column of {scorecard}; "
            "use a numeric scorecard column such as strategic_score, cev or net_profit"
        )
    accounts = raw.select(
        **{
            name: (raw[name] if name in raw.columns else ibis.null()).cast(kind)
            for name, kind in ACCOUNT_COLUMNS.items()
        },
        value=raw[value_col].cast("float64"),
    ).filter(ibis._.owner.notnull())
    return RunInputs(
        folder=folder,
        as_of=date.fromisoformat(info["as_of"]),
        window_days=int(info.get("window", {}).get("days") or policy.analysis.window_days),
        policy=policy,
        accounts=accounts,
        tasks=_detail(con, folder, "agenda_tasks", TASK_COLUMNS),
        touches=_detail(con, folder, "agenda_touches", TOUCH_COLUMNS),
        con=con,
    )


def _detail(con: Any, folder: Path, name: str, schema: dict[str, str]) -> ir.Table:
    """A detail table of the run, or an empty one (runs written before the agenda existed);
    a column an older run lacks reads as null."""
    path = folder / "details" / f"{name}.parquet"
    if not path.is_file():
        return empty_table(schema)
    table = con.read_parquet(str(path))
    return table.select(
        **{
            c: (table[c] if c in table.columns else ibis.null()).cast(kind)
            for c, kind in schema.items()
        }
    )
