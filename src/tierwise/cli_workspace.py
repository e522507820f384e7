"""The workspace's commands: ``db``, ``users``, ``override``, ``audit`` (CONTRACT §4, §5).

Each command parses, calls one ``tierwise.workspace.Workspace`` method (one transaction)
and renders; the rules live in the services. ``--as USER`` names who acts: the command
line trusts the person at the keyboard, as git trusts its author setting; the web app
authenticates.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise.cli_common import ReplaceFileOpt, out, parse_date, run_command
from tierwise.errors import TierwiseError

db_app = typer.Typer(help="Create and upgrade the workspace database.", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles of the workspace.", no_args_is_help=True)
override_app = typer.Typer(
    help="Ask to serve a customer at another tier, and decide on it.", no_args_is_help=True
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Workspace database URL; default: $TIERWISE_DB, else sqlite:///tierwise.db here.",
    ),
]
AsOpt = Annotated[str, typer.Option("--as", help="The user who acts (name or email).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add the workspace's command groups to the ``tierwise`` app."""
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
    app.add_typer(override_app, name="override")
    app.command("audit")(audit_command)


def _workspace(db: str | None, *, migrate: bool = True) -> Any:
    from tierwise.workspace import Workspace

    return Workspace(db, migrate=migrate)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
    return table


# --- db ---------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Migrate the workspace database to this version's schema (creates a new one)."""

    def body() -> None:
        from tierwise.workspace.db import shown

        ws = _workspace(db, migrate=False)
        before, after = ws.upgrade()
        state = "already at" if before == after else f"upgraded from {before or 'empty'} to"
        out.print(f"{shown(ws.url)}: {state} schema revision {after}")

    run_command(body)


@db_app.command("current")
def db_current(db: DbOpt = None) -> None:
    """Show the database's schema revision and the newest this tierwise knows."""

    def body() -> None:
        from tierwise.workspace.db import shown

        ws = _workspace(db, migrate=False)
        current, head = ws.revision()
        note = "up to date" if current == head else "run `tierwise db upgrade`"
        out.print(f"{shown(ws.url)}: schema revision {current or 'none'} (newest: {head}; {note})")

    run_command(body)


# --- users ------------------------------------------------------------------------------
def _read_password(name: str) -> str:
    """The password from stdin when it is not a terminal, else a hidden prompt (twice)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise TierwiseError(
                f"no password for {name!r} on stdin; pipe it in (printf '%s\\n' \"$PW\" | "
                "tierwise users add …) or run in a terminal to be asked"
            )
        return line.rstrip("\r\n")
    return str(typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    name: Annotated[
        str, typer.Argument(help="The user's name, as the book's owner column has it.")
    ],
    role: Annotated[str, typer.Option("--role", help="admin, leader, manager, rep or analyst.")],
    manager: Annotated[str | None, typer.Option("--manager", help="Their manager's name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their email.")] = None,
    actor: Annotated[
        str | None,
        typer.Option("--as", help="The admin or leader who adds them; not needed for the first."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Add a user; the password is read from stdin or asked for, never from the command line."""

    def body() -> None:
        ws = _workspace(db)
        password = _read_password(name)
        user = ws.add_user(
            name, role=role, password=password, manager=manager, email=email, actor=actor
        )
        out.print(f"User [bold]{user.name}[/bold] added ({user.role})")

    run_command(body)


@users_app.command("list")
def users_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List users, and the latest run's owners that match no user (never guessed)."""

    def body() -> None:
        ws = _workspace(db)
        rows = [u.as_dict() for u in ws.list_users()]
        matched, unmatched = ws.owners()
        if as_json:
            payload = {"users": rows, "owners": {"matched": matched, "unmatched": unmatched}}
            out.print_json(json.dumps(payload))
            return
        console = out
        console.print(_table("Users", rows, ["name", "role", "manager", "email", "active"]))
        if unmatched:
            console.print(
                f"[yellow]Owners in the latest run that match no user ({len(unmatched)}):"
                f"[/yellow] {', '.join(unmatched)}"
            )
            console.print(
                "[dim]Add them with `tierwise users add NAME --role rep`, named exactly as the "
                "book's owner column (or with that --email).[/dim]"
            )

    run_command(body)


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="The user to disable.")],
    actor: AsOpt,
    db: DbOpt = None,
) -> None:
    """Disable a user: they can no longer act; their requests and history stay."""

    def body() -> None:
        _workspace(db).disable_user(name, actor=actor)
        out.print(f"User [bold]{name}[/bold] disabled")

    run_command(body)


@users_app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument(help="The user whose password is set.")],
    actor: AsOpt,
    db: DbOpt = None,
) -> None:
    """Set a new password (read from stdin or asked for, never from the command line);
    the user's browser sessions end."""

    def body() -> None:
        ws = _workspace(db)
        ws.reset_password(name, _read_password(name), actor=actor)
        out.print(f"Password of [bold]{name}[/bold] reset; their sessions ended")

    run_command(body)


@users_app.command("set-role")
def users_set_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="admin, leader, manager, rep or analyst.")],
    actor: AsOpt,
    db: DbOpt = None,
) -> None:
    """Give a user another role; their browser sessions end (they log in again)."""

    def body() -> None:
        user = _workspace(db).set_role(name, role, actor=actor)
        out.print(f"User [bold]{user.name}[/bold] now has the role {user.role}")

    run_command(body)


@users_app.command("set-manager")
def users_set_manager(
    name: Annotated[str, typer.Argument(help="The user.")],
    actor: AsOpt,
    manager: Annotated[
        str | None, typer.Argument(help="Their new manager; leave out with --none.")
    ] = None,
    none: Annotated[bool, typer.Option("--none", help="They report to no one.")] = False,
    db: DbOpt = None,
) -> None:
    """Put a user in a manager's team (the manager then approves their requests)."""

    def body() -> None:
        if (manager is None) == (not none):
            raise TierwiseError(
                "name the new manager, or give --none for no manager (not both); e.g. "
                "`tierwise users set-manager rita mia --as ada`"
            )
        user = _workspace(db).set_manager(name, manager, actor=actor)
        out.print(f"User [bold]{user.name}[/bold] reports to {user.manager or 'no one'} now")

    run_command(body)


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    actor: AsOpt,
    revoke: Annotated[
        int | None, typer.Option("--revoke", help="Revoke the token with this id instead.")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Create an API token for scripts (shown once), or revoke one with --revoke ID."""

    def body() -> None:
        ws = _workspace(db)
        if revoke is not None:
            ws.revoke_token(name, revoke, actor=actor)
            out.print(f"Token {revoke} of {name} revoked")
            return
        token_id, token = ws.create_token(name, actor=actor)
        out.print(f"Token {token_id} for {name} (shown once; keep it secret):")
        typer.echo(token)

    run_command(body)


# --- overrides --------------------------------------------------------------------------
OVERRIDE_COLUMNS = [
    "id",
    "customer_id",
    "model_tier",
    "tier",
    "status",
    "reason_code",
    "reason",
    "requested_by",
    "decided_by",
    "review_by",
]


def _said(view: Any) -> None:
    out.print(
        f"Override [bold]#{view.id}[/bold] for customer {view.customer_id}: "
        f"{view.model_tier} -> {view.tier}, [bold]{view.status}[/bold]"
    )


@override_app.command("request")
def override_request(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    tier: Annotated[str, typer.Option("--tier", help="The tier to serve it at.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, in your words.")],
    actor: AsOpt,
    code: Annotated[
        str | None,
        typer.Option("--code", help="Reason code from the policy's overrides.reason_codes."),
    ] = None,
    review_by: Annotated[
        str | None,
        typer.Option("--review-by", help="YYYY-MM-DD: the override expires on this day."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Ask to serve a customer at another tier than the model's; someone else approves."""

    def body() -> None:
        view = _workspace(db).request_override(
            actor,
            customer_id,
            tier=tier,
            reason=reason,
            reason_code=code,
            review_by=parse_date(review_by, "--review-by"),
        )
        _said(view)

    run_command(body)


@override_app.command("approve")
def override_approve(
    override_id: Annotated[int, typer.Argument(help="The override's id.")],
    actor: AsOpt,
    comment: Annotated[str | None, typer.Option("--comment", help="A note for the record.")] = None,
    db: DbOpt = None,
) -> None:
    """Approve a pending request; the next `analyze --db` applies it."""

    def body() -> None:
        _said(_workspace(db).approve_override(actor, override_id, comment))

    run_command(body)


@override_app.command("reject")
def override_reject(
    override_id: Annotated[int, typer.Argument(help="The override's id.")],
    actor: AsOpt,
    comment: Annotated[str, typer.Option("--comment", help="Why it is rejected.")],
    db: DbOpt = None,
) -> None:
    """Reject a pending request, saying why."""

    def body() -> None:
        _said(_workspace(db).reject_override(actor, override_id, comment))

    run_command(body)


@override_app.command("recall")
def override_recall(
    override_id: Annotated[int, typer.Argument(help="The override's id.")],
    actor: AsOpt,
    comment: Annotated[str | None, typer.Option("--comment", help="A note for the record.")] = None,
    db: DbOpt = None,
) -> None:
    """Withdraw a pending or approved override (its requester, or someone who may decide it)."""

    def body() -> None:
        _said(_workspace(db).recall_override(actor, override_id, comment))

    run_command(body)


@override_app.command("expire")
def override_expire(db: DbOpt = None) -> None:
    """Expire the overrides whose review-by date has come (`analyze --db` does it too)."""

    def body() -> None:
        done = _workspace(db).expire_overrides()
        out.print(f"{len(done)} overrides expired")
        for view in done:
            _said(view)

    run_command(body)


@override_app.command("list")
def override_list(
    status: Annotated[
        str | None,
        typer.Option("--status", help="pending, approved, rejected, recalled or expired."),
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="One customer's id.")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """List overrides, oldest first."""

    def body() -> None:
        rows = [v.as_dict() for v in _workspace(db).list_overrides(status, customer)]
        if as_json:
            out.print_json(json.dumps(rows))
        else:
            out.print(_table("Overrides", rows, OVERRIDE_COLUMNS))

    run_command(body)


# --- audit ------------------------------------------------------------------------------
AUDIT_COLUMNS = ["at", "actor", "action", "object", "customer_id", "change", "comment"]


def audit_command(
    customer: Annotated[str | None, typer.Option("--customer", help="One customer's id.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (UTC).")] = None,
    as_json: JsonOpt = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the entries to this CSV file.")
    ] = None,
    force: ReplaceFileOpt = False,
    db: DbOpt = None,
) -> None:
    """The audit trail: who changed what, when, before -> after (append-only)."""

    def body() -> None:
        from tierwise.folders import check_new_file
        from tierwise.workspace.audit import COLUMNS

        if csv_file is not None:
            check_new_file(csv_file, force=force, flag="--csv")
        rows = _workspace(db).audit(customer, parse_date(since, "--since"))
        if csv_file is not None:
            _write_csv(csv_file, rows, list(COLUMNS))
        if as_json:
            out.print_json(json.dumps(rows, default=str))
            return
        shown = [
            {
                **r,
                "at": r["at"][:16].replace("T", " "),
                "object": f"{r['object_type']} {r['object_id'] or ''}".strip(),
                "change": _change(r["before"], r["after"]),
            }
            for r in rows
        ]
        out.print(_table(f"Audit trail ({len(rows)} entries, UTC)", shown, AUDIT_COLUMNS))
        if csv_file is not None:
            out.print(f"Written to [bold]{csv_file}[/bold]")

    run_command(body)


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``key: old -> new`` for what changed; for a new object, its values."""
    before, after = before or {}, after or {}
    keys = [k for k in after if before.get(k) != after.get(k)] or list(before)
    return "; ".join(
        f"{k}: {before[k]} -> {after.get(k)}" if k in before else f"{k}: {after.get(k)}"
        for k in keys
        if not (k not in before and after.get(k) is None)
    )


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    c: json.dumps(row[c], default=str) if isinstance(row[c], dict) else row[c]
                    for c in columns
                }
            )


# --- analyze with a database ------------------------------------------------------------
def analyze_in_workspace(
    db: str | None,
    book: str,
    target: Callable[[Any], Path],
    options: dict[str, Any],
    quiet: bool,
) -> Any:
    """``analyze`` with a database: apply approved overrides, register the run and its
    history, write the folder; print what the workspace decided."""
    recorded = _workspace(db).analyze(book, target, **options)
    if quiet:
        return recorded
    console = out
    figures = recorded.result.portfolio.get("overrides") or {}
    console.print(
        f"Run registered as #{recorded.run['id']} in the workspace; "
        f"{figures.get('applied', 0)} overrides applied, {figures.get('stale', 0)} stale"
    )
    card = recorded.result.scorecard
    if "override_id" in card and card["override_id"].notna().any():
        rows = card.loc[
            card["override_id"].notna(),
            ["customer_id", "model_tier", "tier", "override_id", "override_stale"],
        ].head(20)
        rows["override_id"] = rows["override_id"].astype("int64")
        console.print(
            _table(
                "Overridden tiers (model_tier: the evidence; tier: what applies)",
                [{k: v for k, v in r.items()} for r in rows.to_dict("records")],
                list(rows.columns),
            )
        )
    for view in recorded.expired:
        console.print(
            f"[yellow]! override #{view.id} expired (review-by {view.review_by})[/yellow]"
        )
    if recorded.imported_history:
        console.print(
            f"[dim]{recorded.imported_history} runs of tier history imported from "
            ".tierwise-history.sqlite (kept as .tierwise-history.sqlite.imported)[/dim]"
        )
    if recorded.unmatched_owners:
        names = recorded.unmatched_owners
        console.print(
            f"[dim]{len(names)} owners match no workspace user (not guessed): "
            f"{', '.join(names[:10])}{' …' if len(names) > 10 else ''}[/dim]"
        )
    return recorded
