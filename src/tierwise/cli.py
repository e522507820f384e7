"""The ``tierwise`` command: the Typer app, assembled from one module per job.

Exit codes: 0 ok; 2 bad input, policy or usage (the message says what to fix); 1 an
unexpected failure (with a hint to report it). No analysis logic lives here.

The commands live by job: ``cli_run`` (analyze, report, charts, compare), ``cli_book``
(validate, generate, presets, policy), ``cli_demo`` (demo), ``cli_workspace`` (db, users,
override, audit), ``cli_agenda`` (agenda), ``cli_crm`` (export, refresh) and
``web/command.py`` (serve); ``cli_common`` holds what they share (the consoles, the
exit-code mapping, common options). Each module has a ``register(app)``, called here in
one line; a new command module is added the same way.

Keep every command module light to import: ``tierwise --help``, ``--version`` and argument
errors must answer before any heavy library loads (tests/test_cli_startup.py checks what
``--help`` imports; benchmarks/bench_cli_startup.py times it). So, at the top, only the
standard library, typer, rich.console and tierwise.errors; every command imports what it
needs (the pipeline, pandas, rich tables and progress bars, ...) inside its function.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tierwise import cli_agenda, cli_book, cli_crm, cli_demo, cli_plan, cli_run, cli_workspace
from tierwise.web.command import serve

app = typer.Typer(
    name="tierwise",
    help="Treat customers differently, on evidence: profit after cost-to-serve, lifetime value, "
    "strategic tiers, service alignment and capacity, from your own records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        from tierwise import __version__

        typer.echo(f"tierwise {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = None,
) -> None:
    """tierwise: which customers matter, what they cost, and how to serve them."""


# One line per command module; the order here is the order of `tierwise --help`.
cli_run.register(app)
cli_book.register(app)
cli_demo.register(app)
cli_workspace.register(app)
cli_agenda.register(app)
cli_crm.register(app)
cli_plan.register(app)
app.command("serve")(serve)


def main() -> None:
    """Entry point of the ``tierwise`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
