"""The ``demo`` command: a demo book, its analysis in a workspace database with the demo's
people, and the next steps to paste.

Light to import, like cli.py: the command imports what it needs inside its function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise.cli_book import generate_into
from tierwise.cli_common import ForceOpt, QuietOpt, StageBar, err, out, run_command
from tierwise.cli_run import print_summary
from tierwise.errors import TierwiseError


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the ``tierwise`` app."""
    app.command("demo")(demo)


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo book and its run.")
    ] = Path("tierwise-demo"),
    customers: Annotated[
        int, typer.Option("--customers", min=50, help="Number of customers in the demo book.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the demo book.")] = 7,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Build a demo book, analyse it, write the run with its report, and print a summary."""

    def body() -> None:
        from tierwise.demo.policy import demo_policy
        from tierwise.folders import check_target
        from tierwise.run_folder import check_run_target
        from tierwise.settings.io import policy_yaml

        book_dir = out_dir / "book"
        policy_file = out_dir / "policy.yaml"
        check_target(book_dir, what="demo book folder", force=force)
        check_run_target(out_dir / "run", book=book_dir, force=force)
        if policy_file.exists() and not force:
            raise TierwiseError(f"{policy_file} exists; pass --force to overwrite it")
        generate_into(book_dir, customers, seed, None, quiet)
        policy_file.write_text(
            policy_yaml(
                demo_policy(book_dir), "The demo's policy: the default, with the demo book's team."
            ),
            encoding="utf-8",
        )
        result, run_dir, people = _demo_in_workspace(book_dir, policy_file, out_dir, quiet, force)
        if not quiet:
            print_summary(result, run_dir)
            _print_demo_people(people)
            _print_demo_next_steps(book_dir, policy_file, run_dir, out_dir / "run2")

    run_command(body)


def _demo_in_workspace(
    book_dir: Path, policy: Path, out_dir: Path, quiet: bool, force: bool
) -> Any:
    """Analyse the demo book into a workspace database (``TIERWISE_DB``, else one in the
    demo folder, which `tierwise serve` finds) and add the demo's people; their passwords
    are printed once."""
    import os

    import pyarrow.parquet as pq

    from tierwise.web.demo import add_demo_users
    from tierwise.workspace import Workspace

    url = os.environ.get("TIERWISE_DB") or f"sqlite:///{(out_dir / 'tierwise.db').resolve()}"
    with Workspace(url) as ws:
        recorded = ws.analyze(
            book_dir,
            out_dir / "run",
            policy=policy,
            force=force,
            progress=None if quiet else StageBar(err),
        )
        owners = [str(o) for o in pq.read_table(book_dir / "_team.parquet").column("owner")]
        people = add_demo_users(ws, owners)
    return recorded.result, recorded.run_dir, people


def _print_demo_people(people: list[tuple[str, str, str]]) -> None:
    if not people:
        out.print("[dim]The workspace has users already; the demo added none.[/dim]")
        return
    from rich.table import Table

    table = Table(title="Demo users (passwords shown only now)", title_justify="left")
    for column in ("name", "role", "password"):
        table.add_column(column)
    for row in people:
        table.add_row(*row)
    out.print(table)
    from tierwise.invocation import how_to_run

    out.print(
        f"Open the app with `{how_to_run()} serve` and log in as one of them.", highlight=False
    )


def _print_demo_next_steps(book: Path, policy: Path, run: Path, run2: Path) -> None:
    """Commands to paste as printed: each on its own line, never wrapped, quoted for the shell."""
    import shlex

    from tierwise.invocation import how_to_run

    tierwise, q = how_to_run(), shlex.quote
    out.print(f"\nTry your own policy: edit {policy}, then run", highlight=False, markup=False)
    for command in (
        f"{tierwise} analyze {q(str(book))} --policy {q(str(policy))} --out {q(str(run2))}",
        f"{tierwise} compare {q(str(run))} {q(str(run2))}",
    ):
        out.print(f"  {command}", soft_wrap=True, highlight=False, markup=False)
