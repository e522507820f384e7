"""Write-back: a run's answers as the file a CRM imports to update its accounts.

Salesforce updates records by their ``Id`` (Data Loader "Update", ``sf data update bulk``:
the Id column identifies the record, dates as yyyy-MM-dd); HubSpot's import updates
companies matched on ``Record ID``. Each answer goes to a custom field the admin creates
once (docs/crm.md lists them): ``Tierwise_Tier__c`` in Salesforce, ``tierwise_tier`` in
HubSpot. The selection, the change-only comparison and the CSV all run in the engine;
text cells that start like a formula are made inert (``csv_safety``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir

from tierwise.book.readers import glob_escape
from tierwise.csv_safety import formula_safe
from tierwise.errors import InputError

Target = Literal["salesforce", "hubspot", "csv"]
TARGETS: tuple[Target, ...] = ("salesforce", "hubspot", "csv")

#: field -> (CRM label part, scorecard column, decimals for numbers)
FIELDS: dict[str, tuple[str, str, int | None]] = {
    "tier": ("Tier", "tier", None),
    "model_tier": ("Model_Tier", "model_tier", None),
    "strategic_score": ("Strategic_Score", "strategic_score", 3),
    "relationship_level": ("Relationship_Level", "relationship_level", 0),
    "alignment": ("Alignment", "alignment", None),
    "next_play": ("Next_Play", "recommended_play", None),
    "clv": ("CLV", "clv", 2),
    "net_profit": ("Net_Profit", "net_profit", 2),
    "override": ("Override", "override_state", None),
    "as_of": ("As_Of", "as_of", None),
}
DEFAULT_FIELDS = tuple(FIELDS)
_ID_COLUMN = {"salesforce": "Id", "hubspot": "Record ID", "csv": "customer_id"}


def column_name(target: Target, field: str) -> str:
    """The column a field is written to: ``Tierwise_Tier__c``, ``tierwise_tier``, ``tier``."""
    label = FIELDS[field][0]
    if target == "salesforce":
        return f"Tierwise_{label}__c"
    if target == "hubspot":
        return f"tierwise_{label.lower()}"
    return field


def id_column(target: Target) -> str:
    return _ID_COLUMN[target]


@dataclass(frozen=True)
class WriteBack:
    """What an export wrote: the file, its row count, and the accounts left out unchanged."""

    path: Path
    rows: int
    unchanged: int
    columns: list[str]


def check_fields(fields: list[str] | None) -> list[str]:
    """The fields asked for, in order, or stop naming the ones that do not exist."""
    if not fields:
        return list(DEFAULT_FIELDS)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise InputError(f"--fields: unknown field(s) {unknown}; choose from {list(FIELDS)}")
    return list(dict.fromkeys(fields))


def answers(con: ibis.BaseBackend, run: Path, as_of: str) -> ir.Table:
    """One row per account of ``run``: its id and every write-back field, typed for a CRM."""
    scorecard = run / "scorecard.parquet"
    if not scorecard.is_file():
        raise InputError(f"{run}: no scorecard.parquet; is it a run folder tierwise wrote?")
    t = con.read_parquet(glob_escape(scorecard))  # type: ignore[attr-defined]
    override = ibis.literal("none")
    if "override_id" in t.columns:
        stale = t.override_stale.fill_null(False) if "override_stale" in t.columns else False
        override = ibis.cases((t.override_id.isnull(), "none"), (stale, "stale"), else_="approved")
    values: dict[str, ir.Value] = {"customer_id": t.customer_id.cast("string")}
    for field, (_, source, decimals) in FIELDS.items():
        if field == "override":
            value: ir.Value = override
        elif field == "as_of":
            value = ibis.literal(as_of)
        elif source in t.columns:
            value = t[source]
        elif field == "model_tier":  # no override applied: the model's tier is the tier
            value = t.tier
        else:
            value = ibis.null("string")
        if decimals is not None:  # NaN or infinity is no number a CRM takes: left empty
            number = value.cast("float64")
            value = ibis.ifelse(
                number.isnan().fill_null(False) | number.isinf().fill_null(False),
                ibis.null("float64"),
                number,
            )
            value = value.cast("int64") if decimals == 0 else value.round(decimals)
        values[field] = value
    return t.select(**values)


def changed_only(current: ir.Table, previous: ir.Table, fields: list[str]) -> ir.Table:
    """The accounts of ``current`` that are new, or whose value of any field differs."""
    fields = [f for f in fields if f != "as_of"]  # the date moves every run
    prev = previous.select(
        _prev_id=previous.customer_id, **{f"_prev_{f}": previous[f] for f in fields}
    )
    joined = current.left_join(prev, current.customer_id == prev._prev_id)
    differs: ir.BooleanValue = joined._prev_id.isnull()
    for f in fields:
        a, b = joined[f], joined[f"_prev_{f}"]
        differs = differs | ((a != b).fill_null(False) | (a.isnull() != b.isnull()))
    return joined.filter(differs).select(*current.columns)


def write_back(
    con: ibis.BaseBackend,
    rows: ir.Table,
    target: Target,
    fields: list[str],
    path: Path,
) -> list[str]:
    """Write ``rows`` as the CRM's update file at ``path`` (a new file the caller owns)."""
    named = rows.select(
        rows.customer_id.name(id_column(target)),
        *[rows[f].name(column_name(target, f)) for f in fields],
    )
    safe = formula_safe(named.order_by(id_column(target)))
    query = con.compile(safe)  # type: ignore[attr-defined]
    con.con.sql(query).write_csv(str(path), header=True)  # type: ignore[attr-defined]
    return list(safe.columns)


def export_run(
    run: Path,
    target: Target,
    out: Path,
    *,
    fields: list[str] | None = None,
    since: Path | None = None,
    force: bool = False,
) -> WriteBack:
    """Write ``out/<target>-accounts.csv`` for ``run``: every account, or with ``since``
    (the previous run of the same book) only those whose fields changed.

    ``out`` is a folder tierwise owns (``folders``): new or empty, or an earlier export
    replaced only with ``force``; it is written beside and renamed into place.
    """
    import json

    from tierwise.engine import connect_embedded
    from tierwise.folders import check_target, staged_folder

    if target not in TARGETS:
        raise InputError(f"--to {target!r}: choose one of {', '.join(TARGETS)}")
    chosen = check_fields(fields)
    check_target(out, what="export folder", force=force, flag="--out")
    con = connect_embedded()
    as_of = str(json.loads((run / "run.json").read_text(encoding="utf-8")).get("as_of", ""))
    current = answers(con, run, as_of)
    total = int(current.count().execute())
    rows = current
    if since is not None:
        rows = changed_only(current, answers(con, since, ""), chosen)
    with staged_folder(out) as staging:
        path = staging / f"{target}-accounts.csv"
        columns = write_back(con, rows, target, chosen, path)
        written = int(rows.count().execute())
    return WriteBack(out / path.name, written, total - written, columns)
