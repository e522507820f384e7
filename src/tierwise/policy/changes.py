"""What changed between two runs, as a list a team lead can paste into a weekly message.

Four kinds of change, account by account: moved tier, moved relationship level, a new
relationship alert (the level slid toward 4), a new loss-maker (net profit below zero
now, not before). The join and the filters run in Ibis; the short list comes back as
pandas and is written as text, Markdown, CSV (formula-safe) or JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from tierwise.errors import InputError

KINDS = ("tier", "level", "new alert", "new loss-maker")
COLUMNS = ["change", "customer_id", "name", "owner", "before", "after"]
FORMATS = ("text", "md", "csv", "json")


def _standard(t: ir.Table) -> ir.Table:
    def col(name: str, dtype: str) -> ir.Value:
        return t[name].cast(dtype) if name in t.columns else ibis.null(dtype)

    return t.select(
        customer_id=t.customer_id.cast("string"),
        name=col("name", "string"),
        owner=col("owner", "string"),
        tier=col("tier", "string"),
        level=col("relationship_level", "int64"),
        alert=col("level_alert", "boolean").fill_null(False),
        net_profit=col("net_profit", "float64"),
    )


def run_changes(a: ir.Table, b: ir.Table) -> pd.DataFrame:
    """The changes from scorecard ``a`` (last week) to ``b`` (this week), one row each."""
    sa, sb = _standard(a), _standard(b)
    pa = sa.rename({f"{c}_a": c for c in sa.columns if c != "customer_id"})
    j = sb.left_join(pa, "customer_id")
    seen = j.tier_a.notnull()

    def rows(kind: str, where: ir.BooleanValue, before: ir.Value, after: ir.Value) -> ir.Table:
        picked = j.filter(where)
        return picked.select(
            change=ibis.literal(kind),
            customer_id=picked.customer_id,
            name=picked.name,
            owner=picked.owner,
            before=before.cast("string"),
            after=after.cast("string"),
        )

    loss = j.net_profit < 0
    was_loss = (j.net_profit_a < 0).fill_null(False)
    parts = [
        rows("tier", seen & (j.tier != j.tier_a), j.tier_a, j.tier),
        rows("level", seen & (j.level != j.level_a).fill_null(False), j.level_a, j.level),
        rows("new alert", j.alert & ~j.alert_a.fill_null(False), j.level_a, j.level),
        rows(
            "new loss-maker",
            loss.fill_null(False) & ~was_loss,
            j.net_profit_a.round(2),
            j.net_profit.round(2),
        ),
    ]
    frame = ibis.union(*parts).execute()
    order = {k: i for i, k in enumerate(KINDS)}
    frame = frame.assign(_k=frame["change"].map(order)).sort_values(
        ["_k", "owner", "customer_id"], na_position="last"
    )
    frame = frame.drop(columns="_k").reset_index(drop=True)[COLUMNS].astype(object)
    return frame.where(frame.notna(), None)


def changes_of_runs(run_a: Path, run_b: Path) -> pd.DataFrame:
    from tierwise.book.readers import glob_escape

    con = ibis.duckdb.connect()
    tables = []
    for run in (run_a, run_b):
        path = Path(run) / "scorecard.parquet"
        if not path.is_file():
            raise InputError(f"{run}: no scorecard.parquet; give run folders tierwise wrote")
        tables.append(con.read_parquet(glob_escape(path)))
    return run_changes(tables[0], tables[1])


def counts(frame: pd.DataFrame) -> dict[str, int]:
    return {kind: int((frame["change"] == kind).sum()) for kind in KINDS}


def as_text(frame: pd.DataFrame, *, markdown: bool = False, limit: int | None = None) -> str:
    """The changes grouped by kind; Markdown for a chat or e-mail, else plain text.
    ``limit``: at most that many accounts per kind, then how many more there are."""
    titles = {
        "tier": "Moved tier",
        "level": "Moved relationship level",
        "new alert": "New relationship alerts",
        "new loss-maker": "New loss-makers",
    }
    lines: list[str] = []
    for kind in KINDS:
        part = frame[frame["change"] == kind]
        lines.append(f"{'## ' if markdown else ''}{titles[kind]} ({len(part)})")
        if markdown and len(part):
            lines += ["", "| account | owner | before | after |", "|---|---|---|---|"]
        shown = part if limit is None else part.head(limit)
        for row in shown.to_dict("records"):
            who = str(row["name"] if isinstance(row["name"], str) else row["customer_id"])
            owner = row["owner"] if isinstance(row["owner"], str) else "-"
            before, after = _shown(row["before"]), _shown(row["after"])
            if markdown:
                cells = [_md(who), _md(owner), _md(before), _md(after)]
                lines.append("| " + " | ".join(cells) + " |")
            else:
                lines.append(f"  {who} ({owner}): {before} -> {after}")
        if len(shown) < len(part):
            lines.append(f"{'' if markdown else '  '}… and {len(part) - len(shown):,} more")
        lines.append("")
    return "\n".join(lines)


def _shown(value: object) -> str:
    return "-" if value is None or value is pd.NA or value != value else str(value)


def _md(text: str) -> str:
    """A Markdown table cell: pipes and line breaks cannot end the cell or the row."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_changes(frame: pd.DataFrame, path: Path) -> Path:
    """Write the changes as .md, .csv, .json or text (any other suffix), by the suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from tierwise.csv_safety import formula_safe

        safe = formula_safe(ibis.memtable(frame.astype("string"))).execute()
        safe.to_csv(path, index=False)
    elif suffix == ".json":
        records = json.loads(frame.to_json(orient="records"))
        path.write_text(
            json.dumps({"counts": counts(frame), "changes": records}, indent=2), encoding="utf-8"
        )
    else:
        path.write_text(as_text(frame, markdown=suffix == ".md"), encoding="utf-8")
    return path
