"""The run catalog never makes a request wait for another request's database query.

A rescan asks the workspace database for its registered runs. If other requests waited on
the catalog's lock meanwhile, each would hold its own pooled connection, and under load
the rescan could find no connection left: every request stuck for the pool's timeout.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tierwise.web.services.runs import RunCatalog


def test_a_request_is_answered_from_the_last_list_while_another_rescans(tmp_path: Path) -> None:
    entered, release = threading.Event(), threading.Event()
    calls = 0

    def registered() -> list[Path]:
        nonlocal calls
        calls += 1
        if calls == 2:  # the second scan: hold it as a slow database would
            entered.set()
            assert release.wait(10)
        return []

    catalog = RunCatalog(tmp_path, registered)
    assert catalog.runs() == []  # the first scan
    catalog.invalidate()
    rescanning = threading.Thread(target=catalog.runs)
    rescanning.start()
    assert entered.wait(10)
    answered: list[object] = []
    other = threading.Thread(target=lambda: answered.append(catalog.runs()))
    other.start()
    other.join(5)
    try:
        assert not other.is_alive(), "a request waited for another request's rescan"
        assert answered == [[]] and calls == 2
    finally:
        release.set()
        rescanning.join(10)
        other.join(10)


def test_after_invalidate_the_caller_sees_the_new_run_list(tmp_path: Path) -> None:
    seen: list[list[Path]] = [[], [tmp_path / "gone"]]
    catalog = RunCatalog(tmp_path, lambda: seen.pop(0))
    catalog.runs()
    catalog.invalidate()
    catalog.runs()
    assert seen == []  # both scans ran: the second at once after invalidate
