"""The CRM commands: ``export`` (write-back files) and ``refresh`` (the scheduled run).

Light at import like ``tierwise.cli``: each command imports what it uses when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tierwise.cli_workspace import DbOpt
from tierwise.errors import TierwiseError


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``refresh`` to the ``tierwise`` app."""
    app.command("export")(export_command)
    app.command("refresh")(refresh_command)


def export_command(
    run: Annotated[Path, typer.Argument(help="A run folder written by `tierwise analyze`.")],
    to: Annotated[
        str, typer.Option("--to", help="salesforce (Data Loader update), hubspot or csv.")
    ] = "csv",
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            help="Comma-separated fields; default all: tier, model_tier, strategic_score, "
            "relationship_level, alignment, next_play, clv, net_profit, override, as_of.",
        ),
    ] = None,
    changed_only: Annotated[
        bool,
        typer.Option(
            "--changed-only", help="Only accounts whose fields changed since the previous run."
        ),
    ] = False,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="The previous run to compare with; default: the book's run before RUN in "
            "the workspace database.",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write; default: exports/<run>-<target>."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an earlier export tierwise wrote there.")
    ] = False,
    db: DbOpt = None,
) -> None:
    """Write the file a CRM imports to update its accounts with the run's tiers and plays."""
    from tierwise.cli_common import out
    from tierwise.cli_common import run_command as _run

    def body() -> None:
        from tierwise.crm.writeback import export_run

        _require_run(run)
        previous = since
        if changed_only and previous is None:
            previous = previous_run(run, db)
        if previous is not None:
            _require_run(previous)
        target = out_dir or Path("exports") / f"{run.resolve().name}-{to}"
        chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
        result = export_run(
            run,
            to,  # type: ignore[arg-type]  # checked by export_run
            target,
            fields=chosen,
            since=previous,
            force=force,
        )
        note = f" ({result.unchanged:,} unchanged left out)" if previous is not None else ""
        out.print(f"{result.rows:,} accounts written to [bold]{result.path}[/bold]{note}")

    _run(body)


def _require_run(run: Path) -> None:
    if not (run / "run.json").is_file():
        raise TierwiseError(
            f"{run} is not a run folder (no run.json); "
            f"`tierwise analyze BOOK --out {run}` makes one"
        )


def previous_run(run: Path, db: str | None) -> Path:
    """The run registered before ``run`` for the same book, from the workspace database."""
    from tierwise.workspace import Workspace

    with Workspace(db) as ws:
        runs = ws.runs()
    here = str(run.resolve())
    current = next((r for r in runs if r.get("run_dir") == here), None)
    if current is None:
        raise TierwiseError(
            f"{run} is not registered in the workspace database; give the previous run "
            "with --since RUN (or analyze with --db)"
        )
    earlier = [
        r
        for r in runs
        if r["book"] == current["book"]
        and r["id"] < current["id"]
        and r.get("run_dir")
        and Path(r["run_dir"]).is_dir()
    ]
    if not earlier:
        raise TierwiseError(
            f"{run} is the first run of its book in the workspace; without a previous run "
            "every account is a change: drop --changed-only, or give --since RUN"
        )
    return Path(earlier[-1]["run_dir"])


def refresh_command(
    config: Annotated[Path, typer.Argument(help="The refresh file (YAML): book, runs, exports.")],
    db: DbOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Analyse even if the book has not changed.")
    ] = False,
    history: Annotated[
        bool, typer.Option("--history", help="Only list the latest refreshes and how they ended.")
    ] = False,
) -> None:
    """Read the book, analyse, write the exports, keep N runs: one command for cron or CI.

    Exit codes: 0 done or already up to date; 2 bad configuration or input; 3 another
    refresh of the same runs folder is under way; 1 unexpected failure.
    """
    from tierwise.cli_common import err, out
    from tierwise.cli_common import run_command as _run

    def body() -> None:
        from tierwise.crm.refresh import RefreshBusy, load_config, refresh, refresh_history

        settings = load_config(config)
        if history:
            for row in refresh_history(db or settings.database):
                ended = row["finished_at"] or "-"
                detail = f" ({row['message']})" if row["message"] else ""
                out.print(
                    f"{row['started_at']}  {ended}  {row['status']:<10}  run {row['run_id'] or '-'}"
                    f"{detail}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            return
        try:
            refresh(
                settings,
                db=db,
                force=force,
                log=lambda line: err.print(line, markup=False, highlight=False, soft_wrap=True),
            )
        except RefreshBusy as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(3) from None

    _run(body)


ChangesOpt = Annotated[
    Path | None,
    typer.Option(
        "--changes",
        help="Also write the changed accounts for a weekly message: .md, .csv, .json or .txt.",
    ),
]


def print_changes(run_a: Path, run_b: Path, path: Path | None) -> None:
    """Print what changed account by account (and write it to ``path`` if given)."""
    from tierwise.cli_common import out
    from tierwise.policy.changes import as_text, changes_of_runs, write_changes

    frame = changes_of_runs(run_a, run_b)
    out.print("What changed, account by account:", style="bold")
    out.print(as_text(frame, limit=20), markup=False, highlight=False)  # all in the file
    if path is not None:
        out.print(f"Changes written to [bold]{write_changes(frame, path)}[/bold]")
