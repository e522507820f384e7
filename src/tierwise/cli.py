"""The ``tierwise`` command: parse arguments, call the library, render, map errors to exit codes.

Exit codes: 0 ok; 2 bad input, policy or usage (the message says what to fix); 1 an
unexpected failure (with a hint to report it). No analysis logic lives here.

Keep this module light to import: ``tierwise --help``, ``--version`` and argument errors
must answer before any heavy library loads (tests/test_cli_startup.py checks what
``--help`` imports; benchmarks/bench_cli_startup.py times it). So, at the top, only the
standard library, typer, rich.console and tierwise.errors; every command imports what it
needs (the pipeline, pandas, rich tables and progress bars, ...) inside its function. A new
command group goes in its own module, light at import in the same way, registered here with
one ``app.add_typer(...)`` line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from tierwise.cli_common import err, out, run_command
from tierwise.cli_workspace import DbOpt
from tierwise.cli_workspace import register as register_workspace_commands
from tierwise.errors import TierwiseError

if TYPE_CHECKING:
    from rich.table import Table

app = typer.Typer(
    name="tierwise",
    help="Treat customers differently, on evidence: profit after cost-to-serve, lifetime value, "
    "strategic tiers, service alignment and capacity, from your own records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Write and check policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

F = TypeVar("F", bound=Callable[..., Any])

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


def _mapping(
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


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise TierwiseError(f"--as-of {value!r} is not a date; write it as YYYY-MM-DD") from exc


def _require_book(book: str) -> None:
    """A book path that does not exist is reported at once, before the library loads."""
    if "://" in book or book == "pyspark" or Path(book).exists():
        return
    raise TierwiseError(
        f"book {book} does not exist; give a folder of files, a file, or a URL (duckdb://…)"
    )


def _print_accounting(
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


def _print_summary(result: Any, run_dir: Path) -> None:
    owners = result.book.owner_source
    _print_accounting(
        result.book.accounting_dict(), result.book.missing, owners.as_dict() if owners else None
    )
    p = result.portfolio
    out.print(
        f"\n[bold]{p['customers']:,}[/bold] customers, revenue [bold]{p['revenue']:,.0f}[/bold] "
        f"over {result.window.start} .. {result.window.end} (as of {result.as_of})"
    )
    for line in _headlines(p):
        out.print(f"  • {line}")
    if result.policy_source.startswith("built-in"):
        out.print(
            "[dim]Policy: the built-in default "
            "(`tierwise policy init FILE` writes it to edit).[/dim]"
        )
    else:
        out.print(f"[dim]Policy: {result.policy_source}[/dim]", highlight=False)
    fit = p.get("cost_fit")
    if fit:
        out.print(f"[bold yellow]! {fit['message']}[/bold yellow]", highlight=False)
    for warning in dict.fromkeys([*result.book.warnings, *p.get("warnings", [])]):
        if not fit or warning != fit["message"]:
            out.print(f"[yellow]! {warning}[/yellow]", highlight=False)
    out.print(f"\nRun written to [bold]{run_dir}[/bold]; open {run_dir / 'report.html'}")


def _headlines(p: dict[str, Any]) -> list[str]:
    """The few sentences a sales leader needs first; figures that a book lacks are skipped."""
    lines = []
    if p.get("net_profit") is not None:
        lines.append(
            f"net profit after cost-to-serve: {p['net_profit']:,.0f}; "
            f"{p.get('loss_makers', 0):,} customers lose money"
        )
    pareto = p.get("pareto") or {}
    if pareto.get("top20_revenue_share") is not None:
        lines.append(
            f"the top 20% of customers bring {pareto['top20_revenue_share']:.0%} of revenue"
        )
    whale = p.get("whale") or {}
    if whale.get("peak_pct_of_total_profit") is not None:
        lines.append(
            f"whale curve: the most profitable {whale['peak_customer_share']:.0%} of customers "
            "earn "
            f"{whale['peak_pct_of_total_profit']:.0f}% of total profit"
        )
    sentence = (p.get("effort_vs_profit") or {}).get("sentence")
    if sentence:
        lines.append(str(sentence))
    from tierwise.report.takeaways import capacity_headline

    capacity = capacity_headline(p.get("capacity"))
    if capacity:
        lines.append("capacity: " + capacity)
    return lines


@app.command()
def analyze(
    book: Annotated[
        str,
        typer.Argument(
            help="A folder of files, one transactions file, or an Ibis URL (duckdb://…)."
        ),
    ],
    policy: PolicyOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Analysis date YYYY-MM-DD; default: the day after the last transaction."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder to write; default: runs/<book>-<as-of>."),
    ] = None,
    preset: PresetOpt = None,
    map_: MapOpt = None,
    where: WhereOpt = None,
    table: TableOpt = None,
    date_format: DateFormatOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    db: DbOpt = None,
) -> None:
    """Analyse a book and write a run folder (scorecard, portfolio, quarantine, report)."""

    def body() -> None:
        _require_book(book)
        from tierwise.pipeline import analyze as run_analysis
        from tierwise.run_folder import check_run_target, save_run

        if out_dir is not None:
            check_run_target(out_dir, book=book, force=force)
        bar = None if quiet else StageBar(err)
        if db or os.environ.get("TIERWISE_DB"):  # apply overrides, record the run (§4, §5)
            from tierwise.cli_workspace import analyze_in_workspace

            options: dict[str, Any] = {
                "policy": policy,
                "as_of": _parse_date(as_of),
                "preset": preset,
                "mapping": _mapping(map_, date_format, decimal_comma, where, table),
                "force": force,
            }
            recorded = analyze_in_workspace(
                db,
                book,
                lambda r: (
                    out_dir
                    or Path("runs") / f"{Path(book.rstrip('/')).name.split('.')[0]}-{r.as_of}"
                ),
                {**options, "progress": bar},
                quiet,
            )
            if not quiet:
                _print_summary(recorded.result, recorded.run_dir)
            return
        result = run_analysis(
            book,
            policy=policy,
            as_of=_parse_date(as_of),
            preset=preset,
            mapping=_mapping(map_, date_format, decimal_comma, where, table),
            progress=bar,
        )
        target = (
            out_dir or Path("runs") / f"{Path(book.rstrip('/')).name.split('.')[0]}-{result.as_of}"
        )
        save_run(result, target, force=force)
        if not quiet:
            _print_summary(result, target)

    run_command(body)


@app.command()
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
) -> None:
    """Read and validate a book only: print the accounting of every table; write the quarantine."""

    def body() -> None:
        _require_book(book)
        from tierwise.pipeline import read_book_under_policy
        from tierwise.settings.io import load_policy

        resolved, _ = load_policy(policy, book=book)
        mapping = _mapping(map_, date_format, decimal_comma, where, table)
        status = None if quiet else err.status("reading and validating the book")
        if status:
            status.start()
        try:
            result = read_book_under_policy(book, resolved, preset=preset, mapping=mapping)
        finally:
            if status:
                status.stop()
        if quarantine_dir is not None:
            result.write_quarantine(quarantine_dir, force=force)
        if not quiet:
            owners = result.owner_source.as_dict() if result.owner_source else None
            _print_accounting(result.accounting_dict(), result.missing, owners)
            for warning in result.warnings:
                out.print(f"[yellow]! {warning}[/yellow]")

    run_command(body)


@app.command()
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
        summary = _generate(out_dir, customers, seed, lines_per_customer, quiet)
        if not quiet:
            rows = ", ".join(f"{n:,} {t}" for t, n in summary.rows.items() if t != "truth")
            out.print(
                f"Book written to [bold]{out_dir}[/bold]: {rows}; "
                f"{summary.start} .. {summary.end}; its team is in {out_dir / 'policy.yaml'}. "
                f"Analyse it with `tierwise analyze {out_dir}`."
            )

    run_command(body)


def _generate(out_dir: Path, customers: int, seed: int, lines: float | None, quiet: bool) -> Any:
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


@app.command()
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
        _generate(book_dir, customers, seed, None, quiet)
        policy_file.write_text(
            policy_yaml(
                demo_policy(book_dir), "The demo's policy: the default, with the demo book's team."
            ),
            encoding="utf-8",
        )
        result, run_dir, people = _demo_in_workspace(book_dir, policy_file, out_dir, quiet, force)
        if not quiet:
            _print_summary(result, run_dir)
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


@app.command()
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


@app.command()
def report(
    run: Annotated[Path, typer.Argument(help="A run folder written by `tierwise analyze`.")],
) -> None:
    """Rebuild report.html of a run folder from its files."""

    def body() -> None:
        from tierwise.report.html import write_report

        _require_run(run)
        out.print(f"Report written to [bold]{write_report(run)}[/bold]")

    run_command(body)


@app.command()
def charts(
    run: Annotated[Path, typer.Argument(help="A run folder written by `tierwise analyze`.")],
    fmt: Annotated[str, typer.Option("--format", help="png or svg.")] = "png",
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the images; default: RUN/charts.")
    ] = None,
) -> None:
    """Export every chart of a run as PNG or SVG images."""

    def body() -> None:
        from tierwise.report.export import export_charts

        _require_run(run)
        paths = export_charts(run, fmt, out_dir)
        out.print(
            f"{len(paths)} charts written to [bold]{paths[0].parent if paths else out_dir}[/bold]"
        )

    run_command(body)


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="The baseline run folder.")],
    run_b: Annotated[
        Path, typer.Argument(help="The run to compare with it (e.g. under a second policy).")
    ],
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the comparison as JSON here.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Save the tier migration matrix as .png or .svg.")
    ] = None,
) -> None:
    """What changes from run A to run B: tier migration, hours per person, profit, CEV by tier."""

    def body() -> None:
        import json

        from rich.table import Table

        from tierwise.policy.compare import compare_runs

        _require_run(run_a)
        _require_run(run_b)
        result = compare_runs(run_a, run_b)
        matrix = result.migration
        table = Table(
            title=f"Tier migration: rows {run_a.name} -> columns {run_b.name}", title_justify="left"
        )
        table.add_column("from \\ to", overflow="fold")
        for column in matrix.columns:
            table.add_column(str(column), justify="right", overflow="fold")
        for index, row in matrix.iterrows():
            table.add_row(str(index), *[f"{int(v):,}" for v in row])
        out.print(table)
        summary = result.summary
        out.print(
            f"  • {summary['tier_changes']:,} customers change tier; "
            f"{summary['service_model_changes']:,} accounts change service model"
        )
        out.print(
            f"  • hours the policy requires: {summary['hours_required_a']:,.0f} -> "
            f"{summary['hours_required_b']:,.0f} (hours change {summary['hours_change']:+,.0f})"
        )
        out.print(_frame_table("By tier", result.by_tier))
        out.print(
            _frame_table(
                "Hours per person (change > 0: more hours needed)", result.hours_by_person.head(15)
            )
        )
        if chart is not None:
            from tierwise.report.charts.service import migration_matrix
            from tierwise.report.export import write_chart

            write_chart(migration_matrix(result.migration).to_dict(), chart)
            out.print(f"Migration matrix written to [bold]{chart}[/bold]")
        if out_file is not None:
            out_file.write_text(json.dumps(result.summary, indent=2, default=str), encoding="utf-8")
            out.print(f"Comparison written to [bold]{out_file}[/bold]")

    run_command(body)


def _frame_table(title: str, frame: Any) -> Table:
    """A comparison table that fits 80 columns without cutting a cell: plain two-line
    headers ('net profit' over 'A'), short amounts ('70.0M'), numbers never wrapped."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", padding=(0, 0, 0, 1), show_edge=False)
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "fi"
        table.add_column(
            _plain_header(str(column)),
            justify="right" if numeric else "left",
            no_wrap=numeric,
            overflow="fold",
        )
    for _, row in frame.iterrows():
        table.add_row(*[_cell(v) for v in row])
    return table


def _cell(value: Any) -> str:
    """A comparison cell: '—' for missing, short amounts for large figures."""
    from tierwise.report.takeaways import money

    if isinstance(value, float):
        if value != value:
            return "—"
        return money(value).replace("−", "-") if abs(value) >= 1e4 else f"{value:,.0f}"
    return str(value)


def _plain_header(name: str) -> str:
    """'net_profit_a' -> 'net profit' over 'A'; 'cev' -> 'CEV'; 'entitled_hours_b' -> 'hours'."""
    run = ""
    if name.endswith(("_a", "_b")):
        name, run = name[:-2], "\n" + name[-1].upper()
    words = {"cev": "CEV", "entitled_hours": "hours", "hours_change": "hours\nchange"}
    return words.get(name, name.replace("_", " ")) + run


def _require_run(run: Path) -> None:
    if not (run / "run.json").is_file():
        raise TierwiseError(
            f"{run} is not a run folder (no run.json); "
            f"`tierwise analyze BOOK --out {run}` makes one"
        )


register_workspace_commands(app)

from tierwise.web.command import serve as _serve  # noqa: E402  (light: Typer only)

app.command("serve")(_serve)


def main() -> None:
    """Entry point of the ``tierwise`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
