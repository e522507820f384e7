"""Data quality on the page: the accounting of every input, the quarantine, what is missing.

``accepted + quarantined = read`` per table (CONTRACT §2), the reasons rows were set
aside with the files that hold them, the tables that were absent and what that means
for the figures above (estimated margins, proxy satisfaction), and the run's warnings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tierwise.report import takeaways as tw
from tierwise.report.sections import Section, Table
from tierwise.report.sections._charts import accounting_bars
from tierwise.report.sections.run_data import RunData

MISSING_TABLE_EFFECTS: dict[str, str] = {
    "customers": "no names, owners, regions, wallets or strategic fit: growth potential and "
    "management's strategic fit are left out of the strategic score, and capacity cannot "
    "be split per owner.",
    "activities": "no record of effort: cost-to-serve counts order costs only, effort hours "
    "are 0, so effort against profit, alignment and capacity cannot be judged.",
    "signals": "no referrals, reviews, feedback or surveys: CEV equals CLV, and value to the "
    "customer is a proxy read from buying behaviour (no NPS, CSAT, usage or complaints).",
    "tasks": "no open follow-ups from the CRM: the daily agenda has none; the figures of this "
    "report are unaffected.",
    "contacts": "no stakeholders: account plans list none and say so; the figures of this "
    "report are unaffected.",
}


def build(run: RunData) -> Section:
    section = Section(
        key="quality",
        title="Data quality",
        lede="What was read, what was set aside and why, and what the missing inputs "
        "mean for the figures.",
    )
    inputs = run.inputs
    if inputs:
        section.add_chart(
            "data_quality",
            "Rows accepted and quarantined",
            lambda: accounting_bars(inputs),
            tw.quality_takeaway(inputs),
        )
        section.tables.append(_accounting_table(inputs))
        reasons = _reasons_table(run, inputs)
        if reasons is not None:
            section.tables.append(reasons)
    else:
        section.missing.append(
            "run.json has no input accounting (inputs); re-run the analysis to record it."
        )
    for name in run.missing_tables:
        effect = MISSING_TABLE_EFFECTS.get(name, "not used by this run.")
        section.notes.append(f"Missing input “{name}”: {effect}")
    for item in run.portfolio.get("missing_inputs") or []:
        if (
            isinstance(item, dict)
            and item.get("input")
            and item.get("input") not in run.missing_tables
        ):
            section.notes.append(f"Missing input “{item['input']}”: {item.get('effect', '')}")
    estimated = _estimated_margins(run)
    if estimated:
        section.notes.append(estimated)
    if run.run.get("policy_is_default"):
        section.notes.append(
            "No policy file was given: the built-in default policy applied (tiers, costs, service "
            "hours and team are defaults; write one with your own numbers)."
        )
    # run.json repeats the portfolio's warnings after the book's: each is listed once.
    warnings = [*(run.run.get("warnings") or []), *(run.portfolio.get("warnings") or [])]
    for warning in dict.fromkeys(str(w) for w in warnings):
        section.notes.append(f"Warning: {warning}")
    return section


def _accounting_table(inputs: dict[str, dict[str, Any]]) -> Table:
    rows = []
    for name, a in inputs.items():
        read, ok, bad = a.get("read"), a.get("accepted"), a.get("quarantined")
        balanced = (
            read is not None
            and ok is not None
            and bad is not None
            and int(ok) + int(bad) == int(read)
        )
        files = a.get("files") or []
        rows.append(
            [
                name,
                ", ".join(_short_path(f) for f in files[:3])
                + (f" +{len(files) - 3}" if len(files) > 3 else ""),
                tw.count(read),
                tw.count(ok),
                tw.count(bad),
                "✓" if balanced else "✗",
            ]
        )
    return Table(
        "Input tables",
        ["Table", "Files", "Read", "Accepted", "Quarantined", "Balanced"],
        rows,
        [False, False, True, True, True, False],
        note="Balanced: accepted + quarantined = read; no row is lost silently.",
    )


def _reasons_table(run: RunData, inputs: dict[str, dict[str, Any]]) -> Table | None:
    rows = []
    for name, a in inputs.items():
        where = (
            f"quarantine/{name}.csv"
            if (run.run_dir / "quarantine" / f"{name}.csv").is_file()
            else "—"
        )
        for reason, n in sorted((a.get("reasons") or {}).items(), key=lambda kv: -int(kv[1])):
            rows.append([name, str(reason), tw.count(n), where])
    if not rows:
        return None
    return Table(
        "Quarantine reasons",
        ["Table", "Reason", "Rows", "Rows are in"],
        rows,
        [False, False, True, False],
        note="Each quarantine file keeps the original row, its file and line, and the reason.",
    )


def _estimated_margins(run: RunData) -> str | None:
    t = run.scorecard
    if t is None or not run.has("margin_estimated"):
        return None
    n = int(t.margin_estimated.fill_null(False).cast("int64").sum().execute() or 0)
    if n == 0:
        return None
    rate = run.policy_value("analysis", "default_margin_rate")
    return (
        f"Estimated margins: {tw.count(n)} customers' gross margin uses the policy's default "
        f"margin rate ({tw.share(rate)}) because their transactions carry no cost; add a cost "
        "column to transactions for true margins."
    )


def _short_path(path: object) -> str:
    """The file's name with its folder, e.g. 'transactions/part-0.parquet'."""
    p = Path(str(path))
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name
