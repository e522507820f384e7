"""Login throttling (ASVS V6.3): after a few failures for one account or one client
address, logins for it are refused for a while, the wait doubling with each further
failure up to an hour. A success clears the account's count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tierwise.web.settings import WebSettings
from tierwise.workspace.web_tables import LoginThrottle

MAX_LOCKOUT = timedelta(hours=1)


def keys(name: str, address: str | None) -> list[str]:
    out = [f"user:{name.strip().casefold()[:250]}"]
    if address:
        out.append(f"addr:{address[:250]}")
    return out


def locked_for(db: Session, keys_: list[str], at: datetime) -> int:
    """Seconds until every key may try again (0: may try now)."""
    wait = 0.0
    for key in keys_:
        row = db.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None:
            wait = max(wait, (_aware(row.locked_until) - at).total_seconds())
    return int(wait + 0.999) if wait > 0 else 0


def failed(db: Session, keys_: list[str], settings: WebSettings, at: datetime) -> None:
    """Count a failure for each key and lock those past the limit."""
    for key in keys_:
        row = db.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            db.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_failure_at = at
        # the address limit is looser: several people may share one address
        limit = settings.login_max_failures * (1 if key.startswith("user:") else 4)
        if row.failures >= limit:
            steps = row.failures - limit
            seconds = settings.login_lockout_seconds * (2 ** min(steps, 20))
            row.locked_until = at + min(timedelta(seconds=seconds), MAX_LOCKOUT)


def succeeded(db: Session, keys_: list[str]) -> None:
    for key in keys_:
        row = db.get(LoginThrottle, key)
        if row is not None and key.startswith("user:"):
            db.delete(row)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
