"""``tierwise agenda``: a person's day, a team's view, and done / snooze / skip (CONTRACT §6).

    tierwise agenda RUN --owner NAME [--date D] [--format text|json|md|ics] [--db URL]
    tierwise agenda RUN --team MANAGER        (--team all: everyone)
    tierwise agenda done|snooze|skip ITEM_ID --as USER [--reason TEXT] [--until D] [--run RUN]

The command only parses, calls ``tierwise.agenda`` and the workspace's services, and
renders. Light at import, like ``cli.py``: everything heavy loads inside the command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tierwise.cli_common import ReplaceFileOpt, parse_date
from tierwise.errors import InputError
from tierwise.folders import check_new_file

if TYPE_CHECKING:
    from tierwise.agenda.engine import Agenda

VERBS = ("done", "snooze", "skip")
FORMATS = ("text", "json", "md", "ics")
ALL = "*"


def register(app: typer.Typer) -> None:
    """Add ``agenda`` to the ``tierwise`` app."""
    app.command("agenda", no_args_is_help=True)(agenda_command)


def agenda_command(
    target: Annotated[
        str,
        typer.Argument(
            help="A run folder (from `tierwise analyze`), or done / snooze / skip.",
            show_default=False,
        ),
    ],
    item_id: Annotated[
        str | None,
        typer.Argument(help="With done / snooze / skip: the item's id (shown in brackets)."),
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Whose day: the scorecard's `owner` value.")
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            help="The team view of MANAGER (the policy team's `manager`); `all` for everyone.",
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The day YYYY-MM-DD; default: the run's as-of date."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, json, md (Markdown) or ics (calendar).")
    ] = "text",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")
    ] = None,
    force: ReplaceFileOpt = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=(
                "Workspace database URL (overrides to review, items done/snoozed/skipped); "
                "default: $TIERWISE_DB, else tierwise.db here when it exists."
            ),
        ),
    ] = None,
    acting: Annotated[
        str | None, typer.Option("--as", help="done/snooze/skip: the user who acts.")
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why (required for snooze and skip)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="snooze: hidden until this day (YYYY-MM-DD).")
    ] = None,
    run: Annotated[
        str | None,
        typer.Option("--run", help="done/snooze/skip: the run folder; default: the latest run."),
    ] = None,
) -> None:
    """A ranked day per person on the priority matrix; a team view; done/snooze/skip."""
    from tierwise.cli_common import run_command

    def body() -> None:
        if target in VERBS:
            _outcome(target, item_id, acting, reason, until, run, day, db)
            return
        if item_id is not None:
            raise InputError(f"unexpected argument {item_id!r}; give one run folder")
        if fmt not in FORMATS:
            raise InputError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
        if (owner is None) == (team is None):
            raise InputError(
                "give --owner NAME for one person's day, or --team MANAGER (--team all: everyone)"
            )
        if out_file is not None:
            check_new_file(out_file, force=force)
        if team is not None:
            _team(target, team, day, fmt, out_file, db)
        else:
            assert owner is not None
            _day(target, owner, day, fmt, out_file, db)

    run_command(body)


def _state_url(db: str | None) -> str | None:
    """The database to read state from: --db, $TIERWISE_DB, or tierwise.db when it exists;
    reading a day never creates a database."""
    if db:
        return db
    if os.environ.get("TIERWISE_DB"):
        return os.environ["TIERWISE_DB"]
    return "sqlite:///tierwise.db" if Path("tierwise.db").is_file() else None


def _state(url: str | None, owners: list[str] | None) -> tuple[Any, Any, Any, Any]:
    """Overrides to review, outcomes that hide items, the outcome log and the open
    actions of account plans, from the DB."""
    if url is None:
        return None, None, None, None
    from tierwise.workspace import Workspace
    from tierwise.workspace.agenda_outcomes import (
        open_overrides,
        open_plan_actions_frame,
        outcomes_frame,
    )

    with Workspace(url) as ws, ws.transaction() as session:
        log = outcomes_frame(session, owners)
        return open_overrides(session), log, log, open_plan_actions_frame(session)


def _day(run: str, owner: str, day: str | None, fmt: str, out_file: Path | None, db: str | None):
    from tierwise.agenda import build_agenda

    overrides, outcomes, _, actions = _state(_state_url(db), [owner])
    agenda = build_agenda(
        run, owner=owner, day=day, overrides=overrides, outcomes=outcomes, plan_actions=actions
    )
    _emit(_render(agenda, owner, fmt), out_file)


def _render(agenda: Agenda, owner: str, fmt: str) -> str | bytes:
    from tierwise.agenda import render

    if fmt == "json":
        return render.to_json(agenda, owner)
    if fmt == "md":
        return render.to_markdown(agenda, owner)
    if fmt == "ics":
        from tierwise.agenda.ics import to_ics

        return to_ics(agenda, owner)
    return render.to_text(agenda, owner)


def _team(run: str, team: str, day: str | None, fmt: str, out_file: Path | None, db: str | None):
    import json

    from tierwise.agenda.team import render_team_text, team_view

    if fmt in ("ics", "md"):
        raise InputError("the team view is text or json; use --format text or json")
    manager = None if team in (ALL, "", "all") else team
    overrides, outcomes, log, actions = _state(_state_url(db), None)
    view = team_view(
        run,
        manager=manager,
        day=day,
        overrides=overrides,
        outcomes=outcomes,
        outcome_log=log,
        plan_actions=actions,
    )
    if fmt == "json":
        text = json.dumps(view.as_dict(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_team_text(view)
    _emit(text, out_file)


def _emit(content: str | bytes, out_file: Path | None) -> None:
    if out_file is not None:
        if isinstance(content, bytes):
            out_file.write_bytes(content)
        else:
            out_file.write_text(content, encoding="utf-8")
        return
    if isinstance(content, bytes):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        sys.stdout.write(content)


def _outcome(
    verb: str,
    item_id: str | None,
    acting: str | None,
    reason: str | None,
    until: str | None,
    run: str | None,
    day: str | None,
    db: str | None,
) -> None:
    from tierwise.agenda import build_agenda
    from tierwise.workspace import Workspace
    from tierwise.workspace import users as users_service
    from tierwise.workspace.agenda_outcomes import ItemRef, record

    if not item_id:
        raise InputError(f"`tierwise agenda {verb}` needs the item's id, e.g. ag-0123456789abcdef")
    if not acting:
        raise InputError(f"`tierwise agenda {verb}` needs --as USER: who did it")
    with Workspace(db) as ws:
        folder = run or _latest_run(ws)
        agenda = build_agenda(folder, day=day)
        found = agenda.items[agenda.items["item_id"] == item_id]
        if found.empty:
            raise InputError(
                f"no item {item_id!r} in the agenda of {folder} for {agenda.day.isoformat()}; "
                "it may have closed itself (its condition cleared) or be done already"
            )
        row = found.iloc[0]
        item = ItemRef(
            item_id=item_id,
            owner=str(row["owner"]),
            customer_id=str(row["customer_id"]),
            kind=str(row["kind"]),
            title=str(row["title"]),
        )
        with ws.transaction() as session:
            actor = users_service.acting(session, acting)
            outcome = record(
                session,
                actor,
                item,
                verb=verb,
                day=agenda.day,
                reason=reason,
                until=parse_date(until, "--until"),
            )
            said = f"{item_id} ({item.kind}, {item.customer_id}) {outcome.action}"
            if outcome.until:
                said += f" until {outcome.until.isoformat()}"
    sys.stdout.write(said + (f": {reason}" if reason else "") + "\n")


def _latest_run(ws: Any) -> str:
    runs = [r for r in ws.runs() if r.get("run_dir")]
    if not runs:
        raise InputError("the database has no run with a folder; give --run RUN")
    return str(runs[-1]["run_dir"])
