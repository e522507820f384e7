"""The commands about runs: ``analyze`` a book into a run folder, rebuild its
``report``, export its ``charts``, ``compare`` two runs; and the summary printed after a run.

Light to import, like cli.py: each command imports what it needs inside its function.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tierwise.cli_book import (
    EngineOpt,
    engine_connection,
    mapping_options,
    print_accounting,
    require_book,
)
from tierwise.cli_common import (
    DateFormatOpt,
    DecimalCommaOpt,
    ForceOpt,
    MapOpt,
    PolicyOpt,
    PresetOpt,
    QuietOpt,
    ReplaceFileOpt,
    StageBar,
    TableOpt,
    WhereOpt,
    err,
    out,
    parse_date,
    run_command,
)
from tierwise.cli_crm import ChangesOpt, print_changes
from tierwise.cli_workspace import DbOpt
from tierwise.errors import TierwiseError
from tierwise.folders import check_new_file

if TYPE_CHECKING:
    from rich.table import Table


def register(app: typer.Typer) -> None:
    """Add the run commands to the ``tierwise`` app."""
    app.command("analyze")(analyze)
    app.command("report")(report)
    app.command("charts")(charts)
    app.command("compare")(compare)


def print_summary(result: Any, run_dir: Path) -> None:
    owners = result.book.owner_source
    print_accounting(
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
    engine: EngineOpt = None,
) -> None:
    """Analyse a book and write a run folder (scorecard, portfolio, quarantine, report)."""

    def body() -> None:
        require_book(book, engine)
        from tierwise.pipeline import analyze as run_analysis
        from tierwise.run_folder import check_run_target, save_run

        if out_dir is not None:
            check_run_target(out_dir, book=book, force=force)
        bar = None if quiet else StageBar(err)
        con = engine_connection(engine)
        if db or os.environ.get("TIERWISE_DB"):  # apply overrides, record the run (§4, §5)
            from tierwise.cli_workspace import analyze_in_workspace

            options: dict[str, Any] = {
                "policy": policy,
                "as_of": parse_date(as_of, "--as-of"),
                "preset": preset,
                "mapping": mapping_options(map_, date_format, decimal_comma, where, table),
                "force": force,
                **({"con": con} if con is not None else {}),
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
                print_summary(recorded.result, recorded.run_dir)
            return
        result = run_analysis(
            book,
            policy=policy,
            as_of=parse_date(as_of, "--as-of"),
            preset=preset,
            mapping=mapping_options(map_, date_format, decimal_comma, where, table),
            progress=bar,
            con=con,
        )
        target = (
            out_dir or Path("runs") / f"{Path(book.rstrip('/')).name.split('.')[0]}-{result.as_of}"
        )
        save_run(result, target, force=force)
        if not quiet:
            print_summary(result, target)

    run_command(body)


def report(
    run: Annotated[Path, typer.Argument(help="A run folder written by `tierwise analyze`.")],
) -> None:
    """Rebuild report.html of a run folder from its files."""

    def body() -> None:
        from tierwise.report.html import write_report

        _require_run(run)
        out.print(f"Report written to [bold]{write_report(run)}[/bold]")

    run_command(body)


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
    changes: ChangesOpt = None,
    force: ReplaceFileOpt = False,
) -> None:
    """What changes from run A to run B: tier migration, hours per person, profit, CEV by
    tier, and the accounts that moved tier or level, got an alert or became loss-makers."""

    def body() -> None:
        import json

        from rich.table import Table

        from tierwise.policy.compare import compare_runs

        _require_run(run_a)
        _require_run(run_b)
        for path, flag in ((out_file, "--out"), (chart, "--chart"), (changes, "--changes")):
            if path is not None:
                check_new_file(path, force=force, flag=flag)
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
        print_changes(run_a, run_b, changes)

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
