"""The ``tierwise serve`` command (registered by tierwise/cli.py); loads the web stack only
when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tierwise.errors import TierwiseError

DEFAULT_RUN_FOLDERS = (Path("runs"), Path("tierwise-demo"))


def serve(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Workspace database URL; default: $TIERWISE_DB, else sqlite:///tierwise.db here.",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only)."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    runs: Annotated[
        Path | None,
        typer.Option("--runs", help="Folder of run folders; default ./runs, else ./tierwise-demo."),
    ] = None,
    books: Annotated[
        Path | None,
        typer.Option(
            "--books",
            help="YAML file of the books the runs page may analyse: name -> path, preset, "
            "policy, map, where, tables, date_format.",
        ),
    ] = None,
    tls: Annotated[
        bool,
        typer.Option(
            "--tls",
            help="The app is reached over https (e.g. behind a proxy that terminates TLS): "
            "Secure __Host- session cookie and HSTS.",
        ),
    ] = False,
) -> None:
    """Serve the web app and the JSON API (pages for leaders, managers, reps and analysts)."""
    from tierwise.cli_common import err, run_command

    def body() -> None:
        try:
            import uvicorn

            from tierwise.web import WebSettings, create_app
        except ImportError as exc:
            raise TierwiseError(
                f"the web app needs the web extra ({exc.name} is missing); install it with "
                "scripts/bootstrap.sh or scripts/install.sh (both include it), or "
                "`pip install 'tierwise[web]'`"
            ) from exc
        folder = runs or next((p for p in DEFAULT_RUN_FOLDERS if p.is_dir()), Path("runs"))
        db_url = db or _demo_database()
        app = create_app(
            WebSettings(runs_dir=folder, db_url=db_url, secure_cookies=tls, books_file=books)
        )
        err.print(f"Serving runs under [bold]{folder}[/bold] at http://{host}:{port}/")
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)

    run_command(body)


def _demo_database() -> str | None:
    """The demo's database when no other is named and ./tierwise.db does not exist, so that
    `tierwise demo` then `tierwise serve` shows the demo."""
    import os

    demo = Path("tierwise-demo") / "tierwise.db"
    if os.environ.get("TIERWISE_DB") or Path("tierwise.db").exists() or not demo.is_file():
        return None
    return f"sqlite:///{demo.resolve()}"
