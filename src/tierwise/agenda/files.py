"""Every person's day as files, for a scheduled refresh to mail or drop in a shared folder.

File names come from owner names in the book, so they are reduced to a plain slug (letters,
digits, dashes) before they touch a path; two owners whose names reduce to the same slug
get a short digest of the full name. The folder is written by tierwise's own rules
(``tierwise.folders``): a folder holding anything tierwise did not write is refused.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tierwise.agenda.engine import Agenda, build_agenda
from tierwise.agenda.ics import to_ics
from tierwise.agenda.render import to_json, to_markdown, to_text
from tierwise.errors import InputError
from tierwise.folders import check_target, staged_folder

FORMATS = ("md", "ics", "json", "txt")


@dataclass(frozen=True)
class DayFiles:
    folder: Path
    owners: int
    files: int


def slug(name: str) -> str:
    """A file-name stem for a person: ASCII letters, digits and dashes only, never empty."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:60]
    return stem or "owner"


def file_stems(owners: Sequence[str]) -> dict[str, str]:
    """One distinct stem per owner; a clash of slugs is settled by a digest of the name."""
    stems = {owner: slug(owner) for owner in owners}
    counts: dict[str, int] = {}
    for stem in stems.values():
        counts[stem] = counts.get(stem, 0) + 1
    return {
        owner: stem
        if counts[stem] == 1
        else f"{stem}-{hashlib.sha256(owner.encode()).hexdigest()[:8]}"
        for owner, stem in stems.items()
    }


def _content(agenda: Agenda, owner: str, fmt: str) -> bytes:
    if fmt == "ics":
        return to_ics(agenda, owner)
    text = {"md": to_markdown, "json": to_json, "txt": to_text}[fmt](agenda, owner)
    return text.encode("utf-8")


def write_day_files(
    run: Path,
    out: Path,
    *,
    formats: Sequence[str] = ("md", "ics"),
    owners: Sequence[str] | None = None,
) -> DayFiles:
    """Write each owner's day of ``run`` into ``out`` (replacing tierwise's earlier files)."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(
            f"agenda format {', '.join(unknown)} is not known; use {', '.join(FORMATS)}"
        )
    check_target(out, what="The agenda folder", force=True, flag="out")
    agenda = build_agenda(run, owners=list(owners) if owners is not None else None)
    people = sorted(agenda.capacity["owner"].dropna().astype(str).unique())
    stems = file_stems(people)
    with staged_folder(out) as staging:
        for owner in people:
            for fmt in formats:
                (staging / f"{stems[owner]}.{fmt}").write_bytes(_content(agenda, owner, fmt))
    return DayFiles(folder=out, owners=len(people), files=len(people) * len(formats))
