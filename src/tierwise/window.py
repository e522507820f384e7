"""The analysis window: the period every per-customer figure is measured over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    """A half-open period ``[start, end)``; ``end`` is the run's as-of date.

    Figures "over the window" count events with ``start <= date < end``. Recency and
    tenure are measured up to ``end``.
    """

    start: date
    end: date

    @classmethod
    def ending(cls, as_of: date, days: int) -> Window:
        """The window of ``days`` days that ends (exclusive) on ``as_of``."""
        return cls(start=as_of - timedelta(days=days), end=as_of)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def as_of(self) -> date:
        return self.end
