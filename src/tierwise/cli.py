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

import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

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

err = Console(stderr=True, soft_wrap=True)
out = Console()
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
DecimalCommaOpt = Annotated[
    bool,
    typer.Option("--decimal-comma", help="Numbers in text files use a decimal comma (1.234,56)."),
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


def _mapping(maps: list[str] | None, date_formats: list[str] | None, decimal_comma: bool) -> Any:
    from tierwise.book.mapping import BookMapping, mapping_from_flags

    mapping = mapping_from_flags(maps or [], date_formats or [])
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


def _print_accounting(accounting: dict[str, Any], missing: list[str]) -> None:
    from rich.table import Table

    table = Table(title="Input accounting (accepted + quarantined = read)", title_justify="left")
    for column in ("table", "read", "accepted", "quarantined", "top reasons"):
        table.add_column(
            column, justify="right" if column in ("read", "accepted", "quarantined") else "left"
        )
    for name, acc in accounting.items():
        reasons = ", ".join(f"{r} ({n:,})" for r, n in list(acc["reasons"].items())[:3])
        table.add_row(
            name, f"{acc['read']:,}", f"{acc['accepted']:,}", f"{acc['quarantined']:,}", reasons
        )
    out.print(table)
    if missing:
        out.print(f"[dim]Not in this book (optional): {', '.join(missing)}[/dim]")


def _print_summary(result: Any, run_dir: Path) -> None:
    _print_accounting(result.book.accounting_dict(), result.book.missing)
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
    for warning in result.book.warnings:
        out.print(f"[yellow]! {warning}[/yellow]")
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
    answer = (p.get("capacity") or {}).get("answer")
    if answer:
        lines.append("capacity: " + str(answer).split(". ")[0])
    return lines


def _run(fn: Callable[[], None]) -> None:
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
    date_format: DateFormatOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Analyse a book and write a run folder (scorecard, portfolio, quarantine, report)."""

    def body() -> None:
        from tierwise.pipeline import analyze as run_analysis

        bar = None if quiet else StageBar(err)
        result = run_analysis(
            book,
            policy=policy,
            as_of=_parse_date(as_of),
            preset=preset,
            mapping=_mapping(map_, date_format, decimal_comma),
            progress=bar,
        )
        target = (
            out_dir or Path("runs") / f"{Path(book.rstrip('/')).name.split('.')[0]}-{result.as_of}"
        )
        result.write(target)
        if not quiet:
            _print_summary(result, target)

    _run(body)


@app.command()
def validate(
    book: Annotated[
        str, typer.Argument(help="A folder of files, one transactions file, or an Ibis URL.")
    ],
    preset: PresetOpt = None,
    map_: MapOpt = None,
    date_format: DateFormatOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    policy: PolicyOpt = None,
    quarantine_dir: Annotated[
        Path | None, typer.Option("--quarantine", help="Write rejected rows here as <table>.csv.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Read and validate a book only: print the accounting of every table; write the quarantine."""

    def body() -> None:
        from tierwise.pipeline import read_book_under_policy
        from tierwise.policy.io import load_policy

        resolved, _ = load_policy(policy)
        mapping = _mapping(map_, date_format, decimal_comma)
        status = None if quiet else err.status("reading and validating the book")
        if status:
            status.start()
        try:
            result = read_book_under_policy(book, resolved, preset=preset, mapping=mapping)
        finally:
            if status:
                status.stop()
        if quarantine_dir is not None:
            result.write_quarantine(quarantine_dir)
        if not quiet:
            _print_accounting(result.accounting_dict(), result.missing)
            for warning in result.warnings:
                out.print(f"[yellow]! {warning}[/yellow]")

    _run(body)


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
    quiet: QuietOpt = False,
) -> None:
    """Generate a realistic synthetic B2B book (all five tables) for demos, tests and benchmarks."""

    def body() -> None:
        summary = _generate(out_dir, customers, seed, lines_per_customer, quiet)
        if not quiet:
            rows = ", ".join(f"{n:,} {t}" for t, n in summary.rows.items() if t != "truth")
            out.print(
                f"Book written to [bold]{out_dir}[/bold]: {rows}; "
                f"{summary.start} .. {summary.end}. Analyse it with `tierwise analyze {out_dir}`."
            )

    _run(body)


def _generate(out_dir: Path, customers: int, seed: int, lines: float | None, quiet: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tierwise.demo import generate_book

    kwargs: dict[str, Any] = {"customers": customers, "seed": seed}
    if lines is not None:
        kwargs["lines_per_customer"] = lines
    if quiet:
        return generate_book(out_dir, **kwargs)
    with Progress(
        TextColumn("[bold]generating book"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("generate", total=customers)
        return generate_book(
            out_dir,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            **kwargs,
        )


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo book and its run.")
    ] = Path("tierwise-demo"),
    customers: Annotated[
        int, typer.Option("--customers", min=50, help="Number of customers in the demo book.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the demo book.")] = 7,
    quiet: QuietOpt = False,
) -> None:
    """Build a demo book, analyse it, write the run with its report, and print a summary."""

    def body() -> None:
        from tierwise.demo.policy import demo_policy
        from tierwise.pipeline import analyze as run_analysis
        from tierwise.policy.io import policy_yaml

        book_dir = out_dir / "book"
        _generate(book_dir, customers, seed, None, quiet)
        policy_file = out_dir / "policy.yaml"
        policy_file.write_text(
            policy_yaml(
                demo_policy(book_dir), "The demo's policy: the default, with the demo book's team."
            ),
            encoding="utf-8",
        )
        result = run_analysis(
            book_dir, policy=policy_file, progress=None if quiet else StageBar(err)
        )
        run_dir = result.write(out_dir / "run")
        if not quiet:
            _print_summary(result, run_dir)
            _print_demo_next_steps(book_dir, policy_file, run_dir, out_dir / "run2")

    _run(body)


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

    _run(body)


@policy_app.command("init")
def policy_init(
    path: Annotated[Path, typer.Argument(help="File to write.")] = Path("policy.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the complete built-in policy, every key commented, to edit as your own."""

    def body() -> None:
        from tierwise.policy.io import default_policy_yaml

        if path.exists() and not force:
            raise TierwiseError(f"{path} exists; pass --force to overwrite it")
        path.write_text(default_policy_yaml(), encoding="utf-8")
        out.print(f"Default policy written to [bold]{path}[/bold]")

    _run(body)


@policy_app.command("check")
def policy_check(path: Annotated[Path, typer.Argument(help="Policy file to check.")]) -> None:
    """Validate a policy file; list every problem with its key, value and fix."""

    def body() -> None:
        from tierwise.policy.io import load_policy

        load_policy(path)
        out.print(f"[green]{path}: valid[/green]")

    _run(body)


@app.command()
def report(
    run: Annotated[Path, typer.Argument(help="A run folder written by `tierwise analyze`.")],
) -> None:
    """Rebuild report.html of a run folder from its files."""

    def body() -> None:
        from tierwise.report.html import write_report

        _require_run(run)
        out.print(f"Report written to [bold]{write_report(run)}[/bold]")

    _run(body)


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

    _run(body)


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
        table.add_column("from \\ to")
        for column in matrix.columns:
            table.add_column(str(column), justify="right")
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

    _run(body)


def _frame_table(title: str, frame: Any) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        table.add_column(
            str(column), justify="right" if frame[column].dtype.kind in "fi" else "left"
        )
    for _, row in frame.iterrows():
        table.add_row(*[f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row])
    return table


def _require_run(run: Path) -> None:
    if not (run / "run.json").is_file():
        raise TierwiseError(
            f"{run} is not a run folder (no run.json); "
            f"`tierwise analyze BOOK --out {run}` makes one"
        )


def main() -> None:
    """Entry point of the ``tierwise`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
