"""``Workspace``: the database session and the services, for the CLI, the web app and notebooks.

Each method is one transaction: it commits whole or leaves nothing behind. Interfaces
parse, call one method (or, like the web app, a service function with their own session
and the authenticated user) and render; permissions are checked in the services.

    ws = Workspace("sqlite:///tierwise.db")
    ws.add_user("lee", role="leader", password="…")
    ws.request_override("rosa", "C042", tier="strategic", reason="…")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tierwise.workspace import audit, db, history, overrides, runs, users
from tierwise.workspace.models import Position, Run, User

if TYPE_CHECKING:
    from tierwise.pipeline import AnalysisResult


@dataclass
class RecordedRun:
    """What ``Workspace.analyze`` did: the run, where it was written, and what it decided."""

    run: dict[str, Any]
    result: AnalysisResult
    run_dir: Path
    moves: pd.DataFrame
    expired: list[overrides.OverrideView]
    unmatched_owners: list[str]
    imported_history: int | None


class Workspace:
    """One workspace database (``url``: ``--db``, ``TIERWISE_DB`` or ``sqlite:///tierwise.db``).

    Opening checks the schema: a new SQLite file is migrated, a database behind the code
    asks for ``tierwise db upgrade``, one ahead of it stops. ``migrate=False`` skips that
    (for ``tierwise db`` itself)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = db.resolve_url(url)
        self.engine = db.make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            db.ready(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        except OperationalError as exc:
            raise db.unreachable(self.engine, exc) from exc
        finally:
            session.close()

    # --- schema -----------------------------------------------------------------------
    def upgrade(self) -> tuple[str | None, str]:
        return db.upgrade(self.engine)

    def revision(self) -> tuple[str | None, str]:
        """(the database's schema revision, the newest this code knows)."""
        return db.current_revision(self.engine), db.head_revision()

    # --- users ------------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        *,
        role: str,
        password: str,
        manager: str | None = None,
        email: str | None = None,
        actor: str | None = None,
    ) -> users.UserView:
        with self.transaction() as s:
            who = users.acting(s, actor) if actor else None
            return users.add(
                s, who, name=name, role=role, password=password, manager=manager, email=email
            )

    def list_users(self) -> list[users.UserView]:
        with self.transaction() as s:
            return users.list_all(s)

    def disable_user(self, name: str, *, actor: str) -> users.UserView:
        with self.transaction() as s:
            return users.disable(s, users.acting(s, actor), name)

    def reset_password(self, name: str, password: str, *, actor: str) -> users.UserView:
        with self.transaction() as s:
            return users.reset_password(s, users.acting(s, actor), name, password)

    def set_role(self, name: str, role: str, *, actor: str) -> users.UserView:
        with self.transaction() as s:
            return users.set_role(s, users.acting(s, actor), name, role)

    def set_manager(self, name: str, manager: str | None, *, actor: str) -> users.UserView:
        with self.transaction() as s:
            return users.set_manager(s, users.acting(s, actor), name, manager)

    def create_token(self, name: str, *, actor: str) -> tuple[int, str]:
        with self.transaction() as s:
            return users.create_token(s, users.acting(s, actor), name)

    def revoke_token(self, name: str, token_id: int, *, actor: str) -> None:
        with self.transaction() as s:
            users.revoke_token(s, users.acting(s, actor), name, token_id)

    def owners(self) -> tuple[dict[str, str], list[str]]:
        """The latest run's owners: matched to users {owner: user}, and unmatched."""
        with self.transaction() as s:
            return users.match_owners(s, _latest_owners(s))

    # --- overrides --------------------------------------------------------------------
    def request_override(
        self,
        actor: str,
        customer_id: str,
        *,
        tier: str,
        reason: str,
        reason_code: str | None = None,
        review_by: date | None = None,
        today: date | None = None,
    ) -> overrides.OverrideView:
        with self.transaction() as s:
            return overrides.request(
                s,
                users.acting(s, actor),
                customer_id=customer_id,
                tier=tier,
                reason=reason,
                reason_code=reason_code,
                review_by=review_by,
                today=today,
            )

    def approve_override(
        self, actor: str, override_id: int, comment: str | None = None
    ) -> overrides.OverrideView:
        with self.transaction() as s:
            return overrides.approve(s, users.acting(s, actor), override_id, comment)

    def reject_override(self, actor: str, override_id: int, comment: str) -> overrides.OverrideView:
        with self.transaction() as s:
            return overrides.reject(s, users.acting(s, actor), override_id, comment)

    def recall_override(
        self, actor: str, override_id: int, comment: str | None = None
    ) -> overrides.OverrideView:
        with self.transaction() as s:
            return overrides.recall(s, users.acting(s, actor), override_id, comment)

    def expire_overrides(self, today: date | None = None) -> list[overrides.OverrideView]:
        with self.transaction() as s:
            return overrides.expire_due(s, today or datetime.now(UTC).date())

    def list_overrides(
        self, status: str | None = None, customer_id: str | None = None
    ) -> list[overrides.OverrideView]:
        with self.transaction() as s:
            return overrides.list_overrides(s, status, customer_id)

    # --- audit ------------------------------------------------------------------------
    def audit(
        self, customer_id: str | None = None, since: date | None = None
    ) -> list[dict[str, Any]]:
        with self.transaction() as s:
            return audit.entries(s, audit.AuditFilter(customer_id=customer_id, since=since))

    # --- runs -------------------------------------------------------------------------
    def runs(self) -> list[dict[str, Any]]:
        from sqlalchemy import select

        with self.transaction() as s:
            return [runs.run_dict(r) for r in s.scalars(select(Run).order_by(Run.id))]

    def analyze(
        self,
        book: Any,
        out_dir: str | Path | Callable[[AnalysisResult], Path],
        *,
        today: date | None = None,
        force: bool = False,
        **options: Any,
    ) -> RecordedRun:
        """Analyse a book with the approved overrides applied, register the run and its
        tier history, and write the run folder — the run is registered only if the folder
        was written. ``out_dir`` may be a function of the result (a name with the as-of
        date); ``force`` replaces a run folder tierwise wrote before. ``options`` go to
        ``tierwise.analyze`` (policy, as_of, preset, …)."""
        from tierwise import __version__
        from tierwise.pipeline import analyze as run_pipeline
        from tierwise.run_folder import check_run_target, save_run

        today = today or datetime.now(UTC).date()
        with self.transaction() as s:
            expired = overrides.expire_due(s, today)
            approved = overrides.approved_frame(s)
        result = run_pipeline(book, overrides=approved, **options)
        out = Path(out_dir(result) if callable(out_dir) else out_dir)
        check_run_target(out, book=result.book.source, force=force)
        imported = self._import_legacy_history(out)
        wanted = (*history.POSITION_COLUMNS, "override_id", "override_stale")
        present = result.scorecard_file.columns
        scores = result.scorecard_file.to_arrow([c for c in wanted if c in present]).to_pandas()
        with self.transaction() as s:
            run = runs.add_run(
                s,
                book_id=_book_id(result.book.source),
                as_of=result.as_of,
                run_dir=str(out.resolve()),
                policy=result.policy.model_dump(mode="json"),
                counts=_counts(result, scores),
                version=__version__,
            )
            history.record_positions(s, run, scores)
            moves = history.moves(s, run, result.policy.segmentation.tier_names)
            matched, unmatched = users.match_owners(s, _owners(scores))
            result.moves = moves
            result.portfolio["overrides"] = override_figures(s, scores, matched)
            result.portfolio["workspace_run_id"] = run.id
            written = save_run(result, out, force=force)
            record = runs.run_dict(run)
        return RecordedRun(record, result, written, moves, expired, unmatched, imported)

    def _import_legacy_history(self, out: Path) -> int | None:
        path = out.resolve().parent / history.LEGACY_FILE
        if not path.is_file():
            return None
        with self.transaction() as s:
            count = history.import_legacy_file(s, path)
        history.mark_imported(path)
        return count


def _book_id(source: str) -> str:
    return source if "://" in source else str(Path(source).resolve())


def _owners(scores: pd.DataFrame) -> list[str]:
    if "owner" not in scores.columns:
        return []
    return [str(o) for o in scores["owner"].dropna().unique()]


def _latest_owners(session: Session) -> list[str]:
    from sqlalchemy import select

    run = runs.latest_run(session)
    if run is None:
        return []
    return [
        o
        for o in session.scalars(select(Position.owner).where(Position.run_id == run.id).distinct())
        if o
    ]


def _counts(result: AnalysisResult, scores: pd.DataFrame) -> dict[str, Any]:
    tiers = scores["tier"].astype(str).value_counts().to_dict() if "tier" in scores else {}
    return {
        "customers": len(scores),
        "tiers": {str(k): int(v) for k, v in tiers.items()},
        "overrides_applied": int(scores.get("override_id", pd.Series(dtype=float)).notna().sum())
        if "override_id" in scores
        else 0,
        "inputs": {
            name: {k: acc[k] for k in ("read", "accepted", "quarantined")}
            for name, acc in result.book.accounting_dict().items()
        },
    }


def override_figures(
    session: Session, scores: pd.DataFrame, matched: dict[str, str]
) -> dict[str, Any]:
    """For portfolio.json: overrides applied, stale ones, and the override rate per manager
    (share of the customers owned by a manager's team that carry an override)."""
    frame = scores.copy()
    if "override_id" not in frame:
        frame["override_id"] = None
    has = frame["override_id"].notna()
    stale = (
        frame.loc[
            has
            & frame.get("override_stale", pd.Series(False, index=frame.index))
            .fillna(False)
            .astype(bool),
            "customer_id",
        ]
        .astype(str)
        .tolist()
    )
    managers = _manager_of_users(session)
    owner_user = (
        frame["owner"].map(matched) if "owner" in frame else pd.Series(None, index=frame.index)
    )
    frame["manager"] = owner_user.map(managers).astype(object).fillna("(owner not a user)")
    per = frame.assign(_o=has).groupby("manager")["_o"].agg(["size", "sum"])
    by_manager = {
        str(m): {
            "customers": int(r["size"]),
            "overrides": int(r["sum"]),
            "rate": float(r["sum"] / r["size"]) if r["size"] else 0.0,
        }
        for m, r in per.iterrows()
    }
    counts = overrides.list_overrides(session)
    status = pd.Series([o.status for o in counts], dtype=object).value_counts().to_dict()
    return {
        "applied": int(has.sum()),
        "rate": float(has.mean()) if len(frame) else 0.0,
        "stale": len(stale),
        "stale_customers": stale[:50],
        "by_status": {str(k): int(v) for k, v in status.items()},
        "by_manager": by_manager,
    }


def _manager_of_users(session: Session) -> dict[str, str]:
    from sqlalchemy import select

    all_users = {u.id: u for u in session.scalars(select(User))}
    out = {}
    for u in all_users.values():
        boss = all_users.get(u.manager_id) if u.manager_id else None
        out[u.name] = boss.name if boss else u.name
    return out
