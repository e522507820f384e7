"""What every command module of the ``tierwise`` command shares: the consoles and the
error-to-exit-code mapping.

Light to import (typer, rich.console and tierwise.errors only), like cli.py: the web
app's ``serve`` command and every ``cli_<area>.py`` use it without loading an engine.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

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
