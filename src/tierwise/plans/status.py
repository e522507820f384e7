"""What the leader's view reads from a run: the strategic accounts and the staleness rule."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from tierwise.errors import InputError
from tierwise.settings.plans import PlanSettings


def strategic_accounts(run: str | Path) -> tuple[list[str], int]:
    """The customers in the run's most strategic tier, and ``plans.stale_after_days``."""
    folder = Path(run)
    info_path = folder / "run.json"
    if not info_path.is_file():
        raise InputError(
            f"{folder} is not a run folder (no run.json); "
            f"`tierwise analyze BOOK --out {folder}` makes one"
        )
    policy = json.loads(info_path.read_text(encoding="utf-8")).get("policy") or {}
    tiers = (policy.get("segmentation") or {}).get("tiers") or [{"name": "strategic"}]
    settings = PlanSettings.model_validate(policy.get("plans") or {})
    top = str(tiers[0]["name"])
    table = pq.read_table(
        folder / "scorecard.parquet", columns=["customer_id"], filters=[("tier", "=", top)]
    )
    return sorted(
        str(c) for c in table.column("customer_id").to_pylist()
    ), settings.stale_after_days


def account_labels(run: str | Path, customers: list[str]) -> dict[str, str]:
    """``customer_id -> "Name (owner)"`` for the leader's view, from the run's scorecard."""
    path = Path(run) / "scorecard.parquet"
    present = set(pq.read_schema(path).names)
    columns = ["customer_id", *[c for c in ("name", "owner") if c in present]]
    table = pq.read_table(path, columns=columns, filters=[("customer_id", "in", customers)])
    labels = {}
    for row in table.to_pylist():
        name, owner = row.get("name"), row.get("owner")
        labels[str(row["customer_id"])] = f"{name or 'no name'} ({owner or 'no owner'})"
    return labels
