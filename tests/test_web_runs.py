"""The runs page: the books a ``--books`` file configures (checked at start), analyses in
the background with their progress, the run written and registered, failures said
plainly, the server answering while an analysis runs, and who may start one.

SQLite and PostgreSQL (``db_url``) where the workspace is involved.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web_support import PASSWORD, make_workspace
from tierwise.errors import InputError
from tierwise.web import WebSettings, create_app
from tierwise.web.services.books import load_books
from tierwise.web.services.jobs import JobProgress
from tierwise.workspace import Workspace
from tierwise.workspace.models import AuditEntry, Run

WAIT = 300.0  # seconds: the test machine may be busy


@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tierwise.demo import generate_book

    folder = tmp_path_factory.mktemp("book") / "acme"
    generate_book(folder, customers=300, seed=5, lines_per_customer=20)
    return folder


def books_file(folder: Path, text: str) -> Path:
    path = folder / "books.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def login(client: TestClient, name: str) -> str:
    r = client.post("/login", data={"name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text[:300]
    page = client.get("/runs" if name in ("Ada Admin", "Ana Analyst") else "/accounts").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def wait_for(client: TestClient, job: int, states: tuple[str, ...]) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        live = client.get("/runs/live").text
        found = re.search(rf'id="job-{job}" data-state="(\w+)"', live)
        if found and found.group(1) in states:
            return live
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not reach {states}: {live[:2000]}")


def audit_actions(url: str) -> list[tuple[str, str, str | None]]:
    with Workspace(url) as ws, ws.transaction() as db:
        return [
            (e.actor, e.action, e.comment)
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.action in ("run.start", "run.finish", "run.fail")
        ]


# --- the --books file ------------------------------------------------------------------
def test_a_books_file_reads_each_option_as_the_pipeline_does(tmp_path: Path, small_book) -> None:
    (tmp_path / "p.yaml").write_text("analysis:\n  window_days: 180\n", encoding="utf-8")
    path = books_file(
        tmp_path,
        f"acme:\n  path: {small_book}\n  policy: p.yaml\n"
        "  where: \"amount > 0\"\n  map: {amount: 'amount * 1'}\n",
    )
    books = load_books(path)
    assert list(books) == ["cfg:acme"]
    acme = books["cfg:acme"]
    assert acme.book == str(small_book) and acme.folder_name == "acme"
    assert acme.options["policy"] == tmp_path / "p.yaml"  # relative to the file
    assert acme.options["where"] == "amount > 0"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("acme: [1, 2\n", "not valid YAML"),
        ("- acme\n", "expected book names"),
        ("acme:\n  path: nowhere\n", "does not exist"),
        ("acme:\n  path: BOOK\n  colour: red\n", "colour"),
        ("acme:\n  path: BOOK\n  map: ['amount']\n", "is not of the form"),
        ("acme:\n  path: BOOK\n  preset: no-such-preset\n", "no-such-preset"),
        ("acme:\n  path: BOOK\n  policy: missing.yaml\n", "missing.yaml"),
        ("'../up':\n  path: BOOK\n", "a book name is letters"),
    ],
)
def test_a_bad_books_file_stops_with_the_file_the_book_and_the_fix(
    tmp_path: Path, small_book, text: str, said: str
) -> None:
    path = books_file(tmp_path, text.replace("BOOK", str(small_book)))
    with pytest.raises(InputError) as caught:
        load_books(path)
    message = str(caught.value)
    assert said in message and str(path) in message


def test_progress_counts_the_pipelines_stages_and_the_writing() -> None:
    from tierwise.web.services.books import BookChoice
    from tierwise.web.services.jobs import Job

    job = Job(1, BookChoice("k", "k", "b", "k"), "x", None)  # type: ignore[arg-type]
    progress = JobProgress(job)
    progress.start(3)  # three stages and the writing: quarters
    progress.stage("read")
    assert (job.stage, job.percent) == ("read", 0)
    progress.stage("value")
    progress.stage("tiers")
    assert job.percent == 50
    progress.finish()
    assert job.percent == 75 and job.stage.startswith("writing")


# --- analyses --------------------------------------------------------------------------
@pytest.fixture
def served(tmp_path: Path, db_url: str, small_book: Path) -> Iterator[tuple[Any, str, Path]]:
    root = make_workspace(db_url, tmp_path / "runs")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "transactions.csv").write_text("who,when\nx,2026-01-01\n", encoding="utf-8")
    books = books_file(tmp_path, f"acme:\n  path: {small_book}\nbroken:\n  path: {broken}\n")
    app = create_app(WebSettings(runs_dir=root, db_url=db_url, books_file=books))
    with TestClient(app, follow_redirects=False) as client:
        yield client, db_url, root


def test_an_analyst_runs_a_book_it_is_written_registered_and_audited(served) -> None:
    client, url, root = served
    token = login(client, "Ana Analyst")
    page = client.get("/runs").text
    assert 'value="cfg:acme"' in page and 'value="cfg:broken"' in page
    r = client.post("/runs", data={"book": "cfg:acme", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/runs#job-1"
    assert 'hx-trigger="every 1s"' in client.get("/runs").text  # the page polls while it runs
    live = wait_for(client, 1, ("finished", "failed"))
    assert 'data-state="finished"' in live, live
    assert 'data-polling="no"' in live and "hx-trigger" not in live  # polling stops
    # the book's as-of date is that of a run folder already there: a new folder, beside it
    written = root / "acme" / "2026-07-01-2"
    assert (written / "scorecard.parquet").is_file() and (written / "report.html").is_file()
    assert sorted(p.name for p in (root / "acme").iterdir()) == [
        "2026-06-01",
        "2026-07-01",
        "2026-07-01-2",
    ]
    with Workspace(url) as ws, ws.transaction() as db:
        dirs = [r.run_dir for r in db.scalars(select(Run).order_by(Run.id))]
    assert dirs[-1] == str(written.resolve())  # registered, as the third run
    assert len(dirs) == 3
    assert "open its portfolio" in live
    assert 'href="/portfolio?run=acme/2026-07-01-2"' in live
    assert client.get("/portfolio", params={"run": "acme/2026-07-01-2"}).status_code == 200
    assert [a for _, a, _ in audit_actions(url)] == ["run.start", "run.finish"]
    assert all(actor == "Ana Analyst" for actor, _, _ in audit_actions(url))


def test_a_failed_analysis_says_why_without_a_trace(served) -> None:
    client, url, _ = served
    token = login(client, "Ada Admin")
    client.post("/runs", data={"book": "cfg:broken", "csrf_token": token})
    live = wait_for(client, 1, ("finished", "failed"))
    assert 'data-state="failed"' in live
    message = re.search(r'role="alert">([^<]+)<', live).group(1)  # type: ignore[union-attr]
    assert "transactions" in message and "Traceback" not in live and 'File "' not in live
    actions = audit_actions(url)
    assert [a for _, a, _ in actions] == ["run.start", "run.fail"]
    assert actions[-1][2] and "transactions" in actions[-1][2]


def test_the_server_answers_while_an_analysis_runs(tmp_path: Path, small_book: Path) -> None:
    """The analysis is held inside the worker until the test has had other requests
    answered; a server that ran it on the request's thread would never answer them."""
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    root = make_workspace(url, tmp_path / "runs")
    books = books_file(tmp_path, f"acme:\n  path: {small_book}\n")
    app = create_app(WebSettings(runs_dir=root, db_url=url, books_file=books))
    inside, release = threading.Event(), threading.Event()
    real = app.state.jobs.analyze

    def held(book: str, target: Any, *, progress: Any, **options: Any) -> Any:
        progress.start(4)
        progress.stage("read and validate")
        inside.set()
        assert release.wait(WAIT), "the test never released the analysis"
        return real(book, target, progress=progress, **options)

    app.state.jobs.analyze = held
    with TestClient(app, follow_redirects=False) as client:
        token = login(client, "Ada Admin")
        client.post("/runs", data={"book": "cfg:acme", "csrf_token": token})
        assert inside.wait(WAIT)
        answered = client.get("/api/v1/health")
        live = client.get("/runs/live").text
        assert answered.status_code == 200
        assert 'data-state="running"' in live and "read and validate" in live
        assert '<progress max="100" value="0"' in live
        again = client.post("/runs", data={"book": "cfg:acme", "csrf_token": token})
        assert again.status_code == 409  # one analysis of a book at a time
        release.set()
        assert 'data-state="finished"' in wait_for(client, 1, ("finished", "failed"))


def test_a_book_the_workspace_registered_can_be_run_again(
    tmp_path: Path, db_url: str, small_book: Path
) -> None:
    from tierwise.workspace import Workspace as Ws

    root = tmp_path / "runs"
    with Ws(db_url) as ws:
        ws.add_user("Ada Admin", role="admin", password=PASSWORD)
        first = ws.analyze(str(small_book), tmp_path / "cli-run")
    app = create_app(WebSettings(runs_dir=root, db_url=db_url))
    with TestClient(app, follow_redirects=False) as client:
        token = login(client, "Ada Admin")
        key = f"reg:{first.run['id']}"
        assert f'value="{key}"' in client.get("/runs").text
        client.post("/runs", data={"book": key, "csrf_token": token})
        assert 'data-state="finished"' in wait_for(client, 1, ("finished", "failed"))
    assert (root / "acme" / str(first.result.as_of) / "scorecard.parquet").is_file()
    with Ws(db_url) as ws:
        assert [r["run_dir"] for r in ws.runs()] == [
            str((tmp_path / "cli-run").resolve()),
            str((root / "acme" / str(first.result.as_of)).resolve()),
        ]


@pytest.mark.parametrize("who", ["Lee Leader", "Mia Manager", "Rita Rep"])
def test_only_admins_and_analysts_see_runs_and_start_analyses(served, who: str) -> None:
    client, url, _ = served
    token = login(client, who)
    assert client.get("/runs").status_code == 403
    assert client.get("/runs/live").status_code == 403
    r = client.post("/runs", data={"book": "cfg:acme", "csrf_token": token})
    assert r.status_code == 403
    assert audit_actions(url) == []


def test_an_unknown_book_key_is_404_and_no_path_is_taken_from_the_request(served) -> None:
    client, _, root = served
    token = login(client, "Ada Admin")
    for key in ("cfg:nope", str(root), "../acme"):
        assert client.post("/runs", data={"book": key, "csrf_token": token}).status_code == 404


def test_the_runs_list_holds_the_folders_and_the_workspace_runs(served) -> None:
    client, _, _ = served
    login(client, "Ada Admin")
    page = client.get("/runs").text
    assert page.count('href="/portfolio?run=acme/2026-0') == 2
    assert "#1" in page and "#2" in page


def test_runs_are_never_written_into_the_books_own_folder(tmp_path: Path, small_book) -> None:
    """A book kept under the runs folder, named as its runs would be: they go beside it."""
    import shutil
    from types import SimpleNamespace

    from tierwise.web.services.books import registered_books

    url = f"sqlite:///{tmp_path / 'ws.db'}"
    root = make_workspace(url, tmp_path / "runs")
    shutil.copytree(small_book, root / "shop")
    books = books_file(tmp_path, f"shop:\n  path: {root / 'shop'}\n")
    app = create_app(WebSettings(runs_dir=root, db_url=url, books_file=books))
    chosen: list[Path] = []

    def fake(book: str, target: Any, *, progress: Any, **options: Any) -> Any:
        chosen.append(target(SimpleNamespace(as_of="2026-07-01")))
        raise InputError("stopped by the test")

    app.state.jobs.analyze = fake
    with TestClient(app, follow_redirects=False) as client:
        token = login(client, "Ada Admin")
        client.post("/runs", data={"book": "cfg:shop", "csrf_token": token})
        assert "stopped by the test" in wait_for(client, 1, ("failed",))
    assert chosen == [root / "shop-runs" / "2026-07-01"]
    # a registered book in a folder called "book" (as the demo's) is named by its parent
    demo = tmp_path / "tierwise-demo" / "book"
    demo.mkdir(parents=True)
    found = registered_books([{"id": 4, "book": str(demo), "run_dir": None, "policy": None}], {})
    assert found["reg:4"].folder_name == "tierwise-demo"


def test_serve_stops_on_a_bad_books_file_with_exit_code_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tierwise.cli import app

    path = books_file(tmp_path, "acme:\n  path: nowhere\n")
    result = CliRunner().invoke(
        app,
        ["serve", "--books", str(path), "--db", f"sqlite:///{tmp_path / 'ws.db'}",
         "--runs", str(tmp_path)],
    )  # fmt: skip
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "book 'acme'" in said and "does not exist" in said
