"""A team kept in the book (e.g. a CRM's sales teams) becomes the policy's team.

A preset may say where the book keeps its people: ``team: {path, name, manager, role}``.
When the policy names no team of its own (the built-in default, or a file that leaves
``service.team`` out), each row of that file becomes a ``TeamMember`` with its manager,
and every tier's owner role becomes that role, so capacity, alignment and the agenda's
team view all see the real people. A policy that names its team always wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from tierwise.errors import InputError
from tierwise.settings.service import TeamMember, _default_team

if TYPE_CHECKING:
    from tierwise.book.book import Book
    from tierwise.settings.schema import Policy

SUFFIXES = (".csv", ".csv.gz", ".parquet")


def team_file(folder: Path, stem: str) -> Path | None:
    """The team file ``stem`` (csv, csv.gz or parquet) in the book's folder, if there."""
    for suffix in SUFFIXES:
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def read_team(path: Path, spec: dict[str, str]) -> list[TeamMember]:
    """One member per row with a name; the ``role`` of the spec, the row's manager."""
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    name_col, manager_col = spec.get("name", "name"), spec.get("manager")
    if name_col not in frame.columns:
        raise InputError(
            f"{path}: the team's name column {name_col!r} is missing (columns: "
            f"{list(frame.columns)}); fix `team.name` in the preset"
        )
    role = spec.get("role", "account_manager")
    members: dict[str, TeamMember] = {}
    for row in frame.to_dict("records"):
        name = str(row[name_col]).strip() if pd.notna(row[name_col]) else ""
        manager = row.get(manager_col) if manager_col else None
        if name and name not in members:
            members[name] = TeamMember(
                name=name,
                role=role,
                manager=str(manager).strip() if manager is not None and pd.notna(manager) else None,
            )
    return list(members.values())


def with_preset_team(policy: Policy, book: Book) -> Policy:
    """``policy`` with the book's team when its preset names one and the policy has none."""
    if not book.preset or policy.service.team != _default_team():
        return policy
    from tierwise.book.presets import load_preset

    spec = load_preset(book.preset).team
    folder = Path(book.source)
    if not spec or "path" not in spec or not folder.is_dir():
        return policy
    path = team_file(folder, spec["path"])
    if path is None:
        return policy
    members = read_team(path, spec)
    if not members:
        return policy
    role = members[0].role
    tiers = {
        name: model.model_copy(update={"owner_role": role})
        for name, model in policy.service.tiers.items()
    }
    service = policy.service.model_copy(update={"team": members, "tiers": tiers})
    return policy.model_validate(
        policy.model_copy(update={"service": service}).model_dump(mode="python")
    )
