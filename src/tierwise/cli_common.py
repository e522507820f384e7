"""What every command module of the ``tierwise`` command shares: the consoles, the
error-to-exit-code mapping, the options several commands take, the stage progress bar.

Light to import (typer, rich.console and tierwise.errors only), like cli.py: the web
app's ``serve`` command and every ``cli_<area>.py`` use it without loading an engine.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tierwise.errors import TierwiseError

err = Console(stderr=True, soft_wrap=True)
out = Console()


def run_command(fn: Callable[[], None]) -> None:
    """Run a command body, mapping errors to the exit codes the CLI promises."""
    try:
        fn()
    except TierwiseError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
    except Exception:  # an unexpected failure: show it and ask for a report
        err.print(traceback.format_exc(), highlight=False)
        err.print(
            "[bold red]tierwise failed unexpectedly.[/bold red] Please report this with the "
            "traceback above and the command you ran."
        )
        raise typer.Exit(1) from None


QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bars or summary; for scripts.")
]
PresetOpt = Annotated[
    str | None,
    typer.Option(
        "--preset",
        help="A preset mapping for a known export (see `tierwise presets`), or a preset YAML file.",
    ),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Map a contract column: [table.]column=source, where source is a column or an "
        "expression"
        "like 'Quantity * UnitPrice'. Repeatable.",
    ),
]
DateFormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--date-format",
        help="strftime format of dates, e.g. '%d/%m/%Y'; as [table.]column=FORMAT for one column. "
        "Repeatable.",
    ),
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        help="Keep only the rows where a condition on the file's columns holds, e.g. "
        "\"deal_stage = 'Won'\"; [table:]condition, transactions by default. The rows left out "
        "are counted as filtered out. Repeatable.",
    ),
]
TableOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--table",
        help="Read a table from a file with another name: table=FILE, e.g. "
        "customers=accounts.csv (a name in the book folder, or a path). Repeatable.",
    ),
]
DecimalCommaOpt = Annotated[
    bool,
    typer.Option("--decimal-comma", help="Numbers in text files use a decimal comma (1.234,56)."),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace an earlier output of tierwise in the folder; folders holding other "
        "files are never written.",
    ),
]
ReplaceFileOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace the output file if it exists (else an existing file stops it)."
    ),
]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", help="Policy YAML file; default: the built-in policy.")
]


class StageBar:
    """A rich progress bar over the pipeline's stages (implements tierwise.progress.Progress)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None

    def start(self, total_stages: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("starting", total=total_stages)

    def stage(self, name: str) -> None:
        task = self.progress.tasks[0]
        if task.description != "starting":
            self.progress.advance(self.task)
        self.progress.update(self.task, description=name)

    def finish(self) -> None:
        self.progress.update(self.task, completed=self.progress.tasks[0].total, description="done")
        self.progress.stop()


def parse_date(value: str | None, option: str) -> date | None:
    """A date option given as YYYY-MM-DD (``option`` names it in the error)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TierwiseError(f"{option} {value!r} is not a date; write it as YYYY-MM-DD") from exc
