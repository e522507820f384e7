"""The web app in a real headless Chromium (Debian's), served by uvicorn on loopback.

The flows of the issue: a leader logs in and reads the portfolio (charts drawn under the
CSP, no console errors); a rep finds an account and asks for another tier; the manager
approves; the rep sees it approved; a rep opening another rep's account gets 403; logout
ends the session; an analyst starts an analysis and watches it finish; an admin disables
a user, whose session ends. Each flow saves a screenshot to test-artifacts/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")

import uvicorn  # noqa: E402

from tests.web_support import PASSWORD, make_workspace  # noqa: E402
from tierwise.web import WebSettings, create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT = 120_000  # ms: the test machine may be busy

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (scripts/install-browser.sh installs it)")
    from tierwise.demo import generate_book

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'ws.db'}"
    root = make_workspace(url, tmp / "runs")
    generate_book(tmp / "acme", customers=300, seed=5, lines_per_customer=20)
    books = tmp / "books.yaml"
    books.write_text(f"acme:\n  path: {tmp / 'acme'}\n", encoding="utf-8")
    app = create_app(WebSettings(runs_dir=root, db_url=url, books_file=books))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=60)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page_for(browser, server):
    contexts = []

    def open_as(name: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on(
            "console",
            lambda m: page.errors.append(m.text) if m.type == "error" else None,
        )
        page.goto(f"{server}/login")
        page.get_by_label("Name or e-mail").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        assert "/login" not in page.url, page.content()[:2000]
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)


def test_a_leader_logs_in_and_reads_the_portfolio(page_for) -> None:
    page = page_for("Lee Leader")
    assert page.url.endswith("/portfolio")
    page.wait_for_selector("body[data-charts]", state="attached")
    assert page.get_attribute("body", "data-charts") == "drawn"
    assert page.locator("[data-drawn=true]").count() >= 2
    assert page.locator("[data-drawn=error]").count() == 0
    assert "changed tier" in page.locator("#moved").inner_text()
    shot(page, "leader-portfolio")
    assert page.errors == []  # no CSP refusal (script or style), no missing file


def test_rep_requests_manager_approves_rep_sees_it(page_for, server) -> None:
    rep = page_for("Rita Rep")
    rep.get_by_label("Search").fill("Beta")
    rep.get_by_label("Search").press("Enter")
    rep.wait_for_selector("text=Beta BV")
    rep.get_by_role("link", name="B", exact=True).click()
    rep.wait_for_selector("#g-overrides")
    rep.get_by_label("Tier", exact=True).select_option("core")
    rep.get_by_label("Why").fill("They buy through our distributor from July on.")
    rep.get_by_role("button", name="Send the request").click()
    rep.wait_for_selector("td.status-pending")
    shot(rep, "rep-requests-override")

    manager = page_for("Mia Manager")
    manager.goto(f"{server}/approvals")
    manager.wait_for_selector("text=They buy through our distributor")
    manager.get_by_label("Comment (needed to reject)").fill("Agreed for the distributor year.")
    manager.get_by_role("button", name="Approve").click()
    manager.wait_for_selector("text=Nothing is waiting for your decision.")
    shot(manager, "manager-approves")

    rep.reload()
    rep.wait_for_selector("td.status-approved")
    assert "Mia Manager" in rep.locator("#overrides").inner_text()
    shot(rep, "rep-sees-approved")


def test_a_rep_opening_another_reps_account_gets_403(page_for, server) -> None:
    page = page_for("Rita Rep")
    response = page.goto(f"{server}/accounts/C")
    assert response is not None and response.status == 403
    assert "Not allowed" in page.content()
    shot(page, "rep-forbidden")


def test_logout_ends_the_session(page_for, server) -> None:
    page = page_for("Rob Rep")
    cookies = page.context.cookies()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.context.add_cookies(cookies)  # the old cookie, replayed
    response = page.goto(f"{server}/accounts")
    assert page.url.startswith(f"{server}/login")
    assert response is not None and response.status == 200
    shot(page, "after-logout")


def test_an_analyst_starts_an_analysis_and_sees_it_finish(page_for) -> None:
    page = page_for("Ana Analyst")
    page.get_by_role("link", name="Runs").click()
    page.get_by_label("Book", exact=True).select_option("cfg:acme")
    page.get_by_role("button", name="Start the analysis").click()
    # the page after the start shows the job queued or running, with its progress bar
    page.wait_for_selector("#job-1 progress")
    assert page.get_attribute("#runs-live", "data-polling") == "yes"
    shot(page, "analyst-run-progress")
    page.wait_for_selector("#job-1[data-state=finished]", timeout=600_000)  # htmx polling
    assert page.get_attribute("#runs-live", "data-polling") == "no"
    shot(page, "analyst-run-finished")
    page.get_by_role("link", name="open its portfolio").click()
    page.wait_for_selector("body[data-charts]", state="attached")
    assert "acme" in page.url and page.get_attribute("body", "data-charts") == "drawn"
    assert page.errors == []


def test_an_admin_disables_a_user_whose_session_ends(page_for, server) -> None:
    sam = page_for("Sam Seller")
    assert sam.url.endswith("/accounts")
    admin = page_for("Ada Admin")
    admin.get_by_role("link", name="Users").click()
    admin.get_by_role("button", name="Disable Sam Seller").click()
    admin.wait_for_selector("text=Sam Seller disabled; their sessions ended")
    shot(admin, "admin-disables-user")
    sam.reload()
    assert sam.url.startswith(f"{server}/login")
    shot(sam, "disabled-user-logged-out")
