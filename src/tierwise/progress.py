"""Progress reporting that the library emits and interfaces render (the library never prints)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def start(self, total_stages: int) -> None: ...

    def stage(self, name: str) -> None: ...

    def finish(self) -> None: ...


class Stopwatch:
    """Times named stages; reports each to an optional ``Progress``."""

    def __init__(self, progress: Progress | None = None, total_stages: int = 0) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        if progress is not None:
            progress.start(total_stages)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress.stage(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - started, 3)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.finish()
