"""Registered runs: what ``analyze`` with a database records, and what the services read
from the latest run (customers, owners, model tiers, the policy's tiers and reason codes)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierwise.settings.overrides import OverrideSettings
from tierwise.workspace import audit
from tierwise.workspace.models import Run

DEFAULT_TIERS = ("strategic", "growth", "core", "transactional")
#: Policy keys shown in a policy-change audit row, at most.
MAX_CHANGED_KEYS = 40


@dataclass(frozen=True)
class RunPolicy:
    """What the services need of a run's policy."""

    tiers: tuple[str, ...]
    reason_codes: tuple[str, ...]
    default_code: str | None


def latest_run(session: Session) -> Run | None:
    """The run registered last (any book)."""
    return session.scalars(select(Run).order_by(Run.id.desc()).limit(1)).first()


def policy_of(run: Run) -> RunPolicy:
    policy = run.policy or {}
    tiers = [t["name"] for t in (policy.get("segmentation") or {}).get("tiers") or []]
    settings = OverrideSettings.model_validate(policy.get("overrides") or {})
    return RunPolicy(
        tuple(tiers) or DEFAULT_TIERS, tuple(settings.reason_codes), settings.default_code
    )


def policy_hash(policy: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(policy, sort_keys=True, default=str).encode()).hexdigest()


def add_run(
    session: Session,
    *,
    book_id: str,
    as_of: Any,
    run_dir: str | None,
    policy: dict[str, Any],
    counts: dict[str, Any],
    version: str,
) -> Run:
    """Register a run; when its policy differs from the book's previous run, audit the
    keys that changed."""
    digest = policy_hash(policy)
    before = session.scalars(
        select(Run)
        .where(Run.book_id == book_id, Run.policy_hash.is_not(None))
        .order_by(Run.id.desc())
        .limit(1)
    ).first()
    run = Run(
        book_id=book_id,
        as_of=as_of,
        recorded_at=audit.now(),
        run_dir=run_dir,
        policy_hash=digest,
        policy=policy,
        counts=counts,
        tierwise_version=version,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="run.register",
        object_type="run",
        object_id=run.id,
        after={
            "book": book_id,
            "as_of": str(as_of),
            "customers": counts.get("customers"),
            "overrides_applied": counts.get("overrides_applied"),
        },
        run_id=run.id,
    )
    if before is not None and before.policy_hash != digest:
        old, new = _flat(before.policy or {}), _flat(policy)
        keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        shown = keys[:MAX_CHANGED_KEYS]
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="policy.change",
            object_type="policy",
            object_id=digest[:12],
            before={k: old.get(k) for k in shown},
            after={k: new.get(k) for k in shown},
            run_id=run.id,
            comment=f"{len(keys)} policy keys differ from run {before.id} of this book"
            + (f" (first {MAX_CHANGED_KEYS} shown)" if len(keys) > MAX_CHANGED_KEYS else ""),
        )
    return run


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): value}


def run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "book": run.book_id,
        "as_of": run.as_of.isoformat(),
        "recorded_at": run.recorded_at.isoformat(timespec="seconds"),
        "run_dir": run.run_dir,
        "policy_hash": run.policy_hash,
        "counts": run.counts,
    }
