"""The commands about books and policies: ``validate``, ``generate``, ``presets``,
``policy init`` and ``policy check``; and what reading a book from the command line needs
(the mapping options, the accounting table).

Light to import, like cli.py: each command imports what it needs inside its function.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tierwise.cli_common import (
    DateFormatOpt,
    DecimalCommaOpt,
    ForceOpt,
    MapOpt,
    PolicyOpt,
    PresetOpt,
    QuietOpt,
    TableOpt,
    WhereOpt,
    err,
    out,
    run_command,
)
from tierwise.errors import TierwiseError

policy_app = typer.Typer(help="Write and check policy files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the book and policy commands to the ``tierwise`` app."""
    app.command("validate")(validate)
    app.command("generate")(generate)
    app.command("presets")(presets)
    app.add_typer(policy_app, name="policy")


def mapping_options(
    maps: list[str] | None,
    date_formats: list[str] | None,
    decimal_comma: bool,
    wheres: list[str] | None = None,
    tables: list[str] | None = None,
) -> Any:
    from tierwise.book.mapping import BookMapping, mapping_from_flags

    mapping = mapping_from_flags(maps or [], date_formats or [], wheres or [], tables or [])
    if decimal_comma:
        mapping = mapping.merged(BookMapping.model_validate({"read": {"decimal": ","}}))
    return mapping


EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help=(
            "Engine that reads and analyses the book: duckdb (default, this machine), pyspark "
            "(a local Spark session) or a Spark Connect URL (sc://host:15002). On Spark, a "
            "BOOK that is no path names the database holding its tables."
        ),
    ),
]


def require_book(book: str, engine: str | None = None) -> None:
    """A book path that does not exist is reported at once, before the library loads.

    On Spark a book may also name a database in the Spark session (checked there)."""
    if "://" in book or book == "pyspark" or Path(book).exists():
        return
    if engine and engine.strip().lower() != "duckdb":
        return
    raise TierwiseError(
        f"book {book} does not exist; give a folder of files, a file, or a URL (duckdb://…)"
    )


def engine_connection(engine: str | None) -> Any:
    """The connection for ``--engine``, or None for the default (embedded DuckDB)."""
    if engine is None or engine.strip().lower() == "duckdb":
        return None
    from tierwise.engine import connect

    return connect(engine)


def print_accounting(
    accounting: dict[str, Any], missing: list[str], owners: dict[str, Any] | None = None
) -> None:
    filtered = any(acc.get("filtered_out") for acc in accounting.values())
    title = (
        "Input accounting (in files = filtered out by the mapping + read; "
        "read = accepted + quarantined)"
        if filtered
        else "Input accounting (accepted + quarantined = read)"
    )
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    counts = (
        *(("in files", "filtered out") if filtered else ()),
        "read",
        "accepted",
        "quarantined",
    )
    for column in ("table", *counts, "top reasons"):
        table.add_column(column, justify="right" if column in counts else "left")
    for name, acc in accounting.items():
        reasons = ", ".join(f"{r} ({n:,})" for r, n in list(acc["reasons"].items())[:3])
        figures = [f"{acc['read']:,}", f"{acc['accepted']:,}", f"{acc['quarantined']:,}"]
        if filtered:
            figures[:0] = [f"{acc['in_files']:,}", f"{acc['filtered_out']:,}"]
        table.add_row(name, *figures, reasons)
    out.print(table)
    for name, acc in accounting.items():
        for condition in acc.get("filters", []):
            out.print(f"[dim]{name}: kept only the rows where {condition}[/dim]", highlight=False)
        for target, source in acc.get("synonyms", {}).items():
            out.print(
                f"{name}: column [bold]{source}[/bold] taken as {target} "
                f"(if that is wrong: --map {'' if name == 'transactions' else name + '.'}"
                f"{target}=COLUMN)",
                highlight=False,
            )
    if owners:
        out.print(f"Owners: {owners['sentence']}", highlight=False)
    if missing:
        out.print(f"[dim]Not in this book (optional): {', '.join(missing)}[/dim]")


def validate(
    book: Annotated[
        str, typer.Argument(help="A folder of files, one transactions file, or an Ibis URL.")
    ],
    preset: PresetOpt = None,
    map_: MapOpt = None,
    where: WhereOpt = None,
    table: TableOpt = None,
    date_format: DateFormatOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    policy: PolicyOpt = None,
    quarantine_dir: Annotated[
        Path | None,
        typer.Option(
            "--quarantine", help="Write rejected rows here as <table>.csv (a new folder)."
        ),
    ] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    engine: EngineOpt = None,
) -> None:
    """Read and validate a book only: print the accounting of every table; write the quarantine."""

    def body() -> None:
        require_book(book, engine)
        from tierwise.pipeline import read_book_under_policy
        from tierwise.settings.io import load_policy

        resolved, _ = load_policy(policy, book=book)
        mapping = mapping_options(map_, date_format, decimal_comma, where, table)
        status = None if quiet else err.status("reading and validating the book")
        if status:
            status.start()
        try:
            result = read_book_under_policy(
                book, resolved, preset=preset, mapping=mapping, con=engine_connection(engine)
            )
        finally:
            if status:
                status.stop()
        if quarantine_dir is not None:
            result.write_quarantine(quarantine_dir, force=force)
        if not quiet:
            owners = result.owner_source.as_dict() if result.owner_source else None
            print_accounting(result.accounting_dict(), result.missing, owners)
            for warning in result.warnings:
                out.print(f"[yellow]! {warning}[/yellow]")

    run_command(body)


def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the book into.")],
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="Number of customers.")
    ] = 2000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same book.")
    ] = 0,
    lines_per_customer: Annotated[
        float | None,
        typer.Option("--lines-per-customer", help="Mean transaction lines per customer."),
    ] = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Generate a realistic synthetic B2B book (all five tables) for demos, tests and benchmarks."""

    def body() -> None:
        from tierwise.folders import check_target

        check_target(out_dir, what="book folder", force=force)
        summary = generate_into(out_dir, customers, seed, lines_per_customer, quiet)
        if not quiet:
            rows = ", ".join(f"{n:,} {t}" for t, n in summary.rows.items() if t != "truth")
            out.print(
                f"Book written to [bold]{out_dir}[/bold]: {rows}; "
                f"{summary.start} .. {summary.end}; its team is in {out_dir / 'policy.yaml'}. "
                f"Analyse it with `tierwise analyze {out_dir}`."
            )

    run_command(body)


def generate_into(
    out_dir: Path, customers: int, seed: int, lines: float | None, quiet: bool
) -> Any:
    """Generate a book into ``out_dir``, which the caller checked (``folders.check_target``),
    with its team as ``policy.yaml`` (``analyze`` uses it): written beside the target and
    renamed into place, with a manifest, like a run folder."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tierwise.demo import generate_book
    from tierwise.demo.policy import write_book_policy
    from tierwise.folders import staged_folder

    kwargs: dict[str, Any] = {"customers": customers, "seed": seed}
    if lines is not None:
        kwargs["lines_per_customer"] = lines
    with staged_folder(out_dir) as staging:
        if quiet:
            summary = generate_book(staging, **kwargs)
        else:
            with Progress(
                TextColumn("[bold]generating book"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
            ) as progress:
                task = progress.add_task("generate", total=customers)
                summary = generate_book(
                    staging,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                    **kwargs,
                )
        write_book_policy(staging)
    return summary


def presets() -> None:
    """List the presets: mappings for known exports, built in or in your presets folder."""

    def body() -> None:
        from rich.table import Table

        from tierwise.book.presets import list_presets, user_preset_dir

        table = Table(title="Presets (use with --preset NAME)", title_justify="left")
        table.add_column("name")
        table.add_column("reads")
        table.add_column("source")
        for preset in list_presets():
            table.add_row(preset.name, preset.description, preset.source)
        out.print(table)
        out.print(
            f"[dim]Add your own: a YAML file in {user_preset_dir()} (or $TIERWISE_PRESETS).[/dim]"
        )

    run_command(body)


@policy_app.command("init")
def policy_init(
    path: Annotated[Path, typer.Argument(help="File to write.")] = Path("policy.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the complete built-in policy, every key commented, to edit as your own."""

    def body() -> None:
        from tierwise.settings.io import default_policy_yaml

        if path.exists() and not force:
            raise TierwiseError(f"{path} exists; pass --force to overwrite it")
        path.write_text(default_policy_yaml(), encoding="utf-8")
        out.print(f"Default policy written to [bold]{path}[/bold]")

    run_command(body)


@policy_app.command("check")
def policy_check(path: Annotated[Path, typer.Argument(help="Policy file to check.")]) -> None:
    """Validate a policy file; list every problem with its key, value and fix."""

    def body() -> None:
        from tierwise.settings.io import load_policy

        load_policy(path)
        out.print(f"[green]{path}: valid[/green]")

    run_command(body)
