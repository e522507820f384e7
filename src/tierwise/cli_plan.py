"""``tierwise plan``: an account's plan drafted from a run, kept and versioned in the
workspace database, its joint version for the customer, and the leader's view (CONTRACT §7).

Light at import (tests/test_cli_startup.py): the body imports what it needs.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from tierwise.cli_common import ReplaceFileOpt, parse_date, run_command
from tierwise.cli_workspace import DbOpt
from tierwise.errors import TierwiseError
from tierwise.folders import check_new_file

FORMATS = ("md", "html", "json")


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the ``tierwise`` app."""
    app.command("plan")(plan_command)


def plan_command(
    run: Annotated[Path, typer.Argument(help="A run folder (from `tierwise analyze`).")],
    customer_id: Annotated[
        str | None, typer.Argument(help="The customer's id; leave out with --status.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, html or json.")] = "md",
    joint: Annotated[
        bool,
        typer.Option(
            "--joint",
            help="The version to share with the customer: no margins, cost-to-serve or "
            "values we put on them, no risks.",
        ),
    ] = False,
    db: DbOpt = None,
    save: Annotated[
        bool, typer.Option("--save", help="Keep the drafted plan as a new version (needs --as).")
    ] = False,
    edit: Annotated[
        Path | None,
        typer.Option(
            "--edit",
            help="Keep this edited plan (JSON, as `--format json` writes it) as a new version.",
        ),
    ] = None,
    actor: Annotated[str | None, typer.Option("--as", help="The user who saves.")] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why this version.")] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="Show this kept version, not the latest.")
    ] = None,
    draft: Annotated[
        bool, typer.Option("--draft", help="Show a fresh draft even when a plan is kept.")
    ] = False,
    status: Annotated[
        bool,
        typer.Option(
            "--status",
            help="Leader's view: strategic accounts with no plan, a stale plan, or overdue "
            "actions.",
        ),
    ] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="The day overdue is judged on (YYYY-MM-DD).")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of printing.")
    ] = None,
    force: ReplaceFileOpt = False,
) -> None:
    """Draft, keep and share an account plan; or, with --status, the leader's view."""

    def body() -> None:
        if fmt not in FORMATS:
            raise TierwiseError(f"--format {fmt!r} is not known; use one of {', '.join(FORMATS)}")
        if out_file is not None:
            check_new_file(out_file, force=force)
        if status:
            if customer_id is not None:
                raise TierwiseError("--status shows every strategic account; leave out CUSTOMER_ID")
            _emit(_status(run, db, today, fmt), out_file)
            return
        if customer_id is None:
            raise TierwiseError(
                "name the customer: `tierwise plan RUN CUSTOMER_ID` (or use --status)"
            )
        _emit(
            _plan(run, customer_id, db, fmt, joint, save, edit, actor, comment, version, draft),
            out_file,
        )

    run_command(body)


def _emit(text: str, out_file: Path | None) -> None:
    if out_file is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    out_file.write_text(text, encoding="utf-8")
    typer.echo(f"Plan written to {out_file}", err=True)


def _wants_db(db: str | None) -> bool:
    return db is not None or bool(os.environ.get("TIERWISE_DB"))


def _plan(
    run: Path,
    customer_id: str,
    db: str | None,
    fmt: str,
    joint: bool,
    save: bool,
    edit: Path | None,
    actor: str | None,
    comment: str | None,
    version: int | None,
    draft: bool,
) -> str:
    from tierwise.plans.draft import draft_plan
    from tierwise.plans.model import plan_from_dict
    from tierwise.plans.render import Format, render_plan

    fresh = draft_plan(run, customer_id)  # checks the run and the customer id first
    plan = fresh
    if save or edit is not None:
        if actor is None:
            raise TierwiseError("name who saves the plan: --as USER")
        if edit is not None:
            plan = plan_from_dict(_read_json(edit), source=str(edit))
            if plan.customer_id != customer_id:
                raise TierwiseError(
                    f"{edit} is the plan of customer {plan.customer_id!r}, not {customer_id!r}; "
                    "save it under its own customer id"
                )
        plan = _workspace_save(db, plan, actor, comment)
    elif _wants_db(db) and not draft:
        kept = _workspace_latest(db, customer_id, version)
        plan = kept or fresh
    elif version is not None:
        raise TierwiseError("--version reads a kept plan: give the workspace database (--db URL)")
    return render_plan(plan, cast("Format", fmt), joint=joint)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TierwiseError(
            f"{path} does not exist; write it with `--format json --out {path}`"
        ) from None
    except json.JSONDecodeError as exc:
        raise TierwiseError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None


def _workspace_save(db: str | None, plan: Any, actor: str, comment: str | None) -> Any:
    from tierwise.workspace import Workspace
    from tierwise.workspace import plans as service
    from tierwise.workspace.users import acting

    with Workspace(db) as ws, ws.transaction() as s:
        saved = service.save_plan(s, acting(s, actor), plan, comment=comment)
    typer.echo(f"Plan of {plan.customer_id} kept as version {saved.version}", err=True)
    plan.version = saved.version
    return plan


def _workspace_latest(db: str | None, customer_id: str, version: int | None) -> Any:
    from tierwise.workspace import Workspace
    from tierwise.workspace import plans as service

    with Workspace(db) as ws, ws.transaction() as s:
        return service.latest_plan(s, customer_id, version)


def _status(run: Path, db: str | None, today: str | None, fmt: str) -> str:
    from tierwise.plans.status import account_labels, strategic_accounts
    from tierwise.workspace import Workspace
    from tierwise.workspace import plans as service

    day = parse_date(today, "--today") or date.today()
    customers, stale_days = strategic_accounts(run)
    with Workspace(db) as ws, ws.transaction() as s:
        view = service.plan_status(s, customers, today=day, stale_after_days=stale_days)
    if fmt == "json":
        return json.dumps(
            {"strategic": len(customers), "stale_after_days": stale_days, **view.as_dict()},
            indent=2,
        )
    labels = account_labels(run, view.no_plan) if view.no_plan else {}
    lines = [
        f"# Account plans of the {len(customers)} strategic accounts (as of {day.isoformat()})",
        "",
        f"## No plan ({len(view.no_plan)})",
        *[f"- {c} {labels.get(c, '')}".rstrip() for c in view.no_plan],
        "",
        f"## Stale: not edited for more than {stale_days} days ({len(view.stale)})",
        *[
            f"- {r['customer_id']} ({r['owner'] or 'no owner'}): last edited "
            f"{r['updated_at']}, {r['days']} days ago"
            for r in view.stale
        ],
        "",
        f"## Overdue actions ({len(view.overdue)})",
        *[
            f"- {a['customer_id']} {a['action_key']} ({a['owner'] or 'no owner'}, "
            f"due {a['due']}): {a['title']}"
            for a in view.overdue
        ],
    ]
    return "\n".join(lines) + "\n"
