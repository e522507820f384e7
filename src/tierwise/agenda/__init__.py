"""The day: a ranked agenda per person on the priority matrix (CONTRACT §6).

``build_agenda(run, owner=…)`` reads a run folder and returns every candidate item of the
day, ranked, placed as ``do_now``/``schedule``/``delegate``/``drop``/``reduce`` and fitted
into the person's capacity; ``team_view`` sums it up for a manager. The rules live in the
policy's ``agenda:`` section (``tierwise.settings.agenda``). Names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierwise.agenda.engine import Agenda, build_agenda
    from tierwise.agenda.team import TeamView, team_view

__all__ = ["Agenda", "TeamView", "build_agenda", "team_view"]

_WHERE = {
    "Agenda": "tierwise.agenda.engine",
    "build_agenda": "tierwise.agenda.engine",
    "TeamView": "tierwise.agenda.team",
    "team_view": "tierwise.agenda.team",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tierwise.agenda' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_WHERE[name]), name)
