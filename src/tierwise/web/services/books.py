"""The books the runs page may analyse: a YAML file given by ``tierwise serve --books``,
and the books the workspace registered runs of (run again with their recorded settings).

    acme:                       # the name the page shows; runs go to <runs>/acme/<as-of>
      path: data/acme           # a folder, one file or an Ibis URL, as `tierwise analyze` takes
      preset: maven_crm         # --preset
      policy: acme-policy.yaml  # --policy (default: policy.yaml in the book's folder)
      map: {amount: "Quantity * UnitPrice"}   # --map, as the Python API takes it
      where: "deal_stage = 'Won'"             # --where
      tables: {customers: accounts.csv}       # --table
      date_format: "%d/%m/%Y"                 # --date-format

Relative paths are read from the YAML file's folder. Every option is the pipeline's own
(``tierwise.analyze``'s keywords, read by ``mapping_from_options``, ``load_preset`` and
``load_policy``) and is checked when the server starts, so a bad entry stops ``serve``
with the file, the book and the fix, not a run later. A request names a book by its key;
no request text becomes a path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tierwise.errors import InputError, TierwiseError, validation_problems
from tierwise.yaml_text import load_yaml

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class BookEntry(BaseModel):
    """One configured book: where it is and the options `tierwise analyze` would get."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1)
    preset: str | None = None
    policy: str | None = None
    map: dict[str, str] | list[str] | None = None
    where: str | dict[str, str | list[str]] | list[str] | None = None
    tables: dict[str, str] | None = None
    date_format: str | dict[str, str] | None = None


@dataclass(frozen=True)
class BookChoice:
    """A book the page offers: ``key`` (what the form posts), a label, where its runs go,
    and the keywords for ``Workspace.analyze``."""

    key: str
    label: str
    book: str
    folder_name: str
    options: dict[str, Any] = field(default_factory=dict)
    source: str = "configured"


def load_books(path: Path) -> dict[str, BookChoice]:
    """The books of a ``--books`` file, each checked; ``InputError`` names what is wrong."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(f"--books {path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"--books {path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(
            f"--books {path}: expected book names, each with a path, e.g. "
            "`acme: {path: data/acme, preset: maven_crm}`"
        )
    books = {}
    for name, raw in data.items():
        books[f"cfg:{name}"] = _entry(path, str(name), raw)
    return books


def _entry(path: Path, name: str, raw: Any) -> BookChoice:
    where = f"--books {path}, book {name!r}"
    if not NAME.match(name):
        raise InputError(
            f"{where}: a book name is letters, digits, '-', '_' or '.', up to 64 characters "
            "(it names the runs' folder)"
        )
    try:
        entry = BookEntry.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(list(exc.errors())))  # type: ignore[arg-type]
        raise InputError(f"{where}: {problems}") from exc
    base = path.resolve().parent
    book = entry.path if "://" in entry.path else str(_under(base, entry.path))
    tables = {k: str(_under(base, v)) for k, v in (entry.tables or {}).items()}
    options: dict[str, Any] = {
        "preset": str(_under(base, entry.preset))
        if entry.preset and entry.preset.endswith((".yaml", ".yml"))
        else entry.preset,
        "policy": _under(base, entry.policy) if entry.policy else None,
        "map": entry.map,
        "where": entry.where,
        "tables": tables or None,
        "date_format": entry.date_format,
    }
    try:
        _check(book, options)
    except TierwiseError as exc:
        raise InputError(f"{where}: {exc}") from exc
    return BookChoice(f"cfg:{name}", name, book, name, options)


def _under(base: Path, value: str) -> Path:
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _check(book: str, options: dict[str, Any]) -> None:
    """What can be checked before a run: the book exists, the mapping options parse, the
    preset and the policy load."""
    from tierwise.book.mapping import mapping_from_options
    from tierwise.book.presets import load_preset
    from tierwise.settings.io import load_policy

    if "://" not in book and not Path(book).exists():
        raise InputError(f"the book {book} does not exist; fix its path")
    mapping_from_options(
        options["map"], options["where"], options["tables"], options["date_format"]
    )
    if options["preset"]:
        load_preset(options["preset"])
    if options["policy"] is not None:
        load_policy(options["policy"])


def registered_books(
    runs: list[dict[str, Any]], configured: dict[str, BookChoice]
) -> dict[str, BookChoice]:
    """The books of the workspace's runs (latest run of each), to run again with the
    policy that run recorded and the preset its run.json names; books also in the
    ``--books`` file are left to that entry."""
    known = {c.book for c in configured.values()}
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:  # oldest first: the last one of a book wins
        latest[run["book"]] = run
    found = {}
    for book, run in latest.items():
        if book in known or ("://" not in book and not Path(book).exists()):
            continue
        options: dict[str, Any] = {"preset": _recorded_preset(run.get("run_dir"))}
        policy = _recorded_policy(run.get("policy"))
        if policy is not None:
            options["policy"] = policy
        stem = _stem(book)
        folder = re.sub(r"[^A-Za-z0-9_.-]", "-", stem).strip(".-") or "book"
        found[f"reg:{run['id']}"] = BookChoice(
            f"reg:{run['id']}",
            f"{folder} (as registered: {book})",
            book,
            folder,
            options,
            source="registered",
        )
    return found


def _stem(book: str) -> str:
    """A name for a book's runs: its folder's or file's name (a folder called ``book``,
    as the demo's, is named after the folder holding it)."""
    if "://" in book:
        return "book"
    path = Path(book.rstrip("/"))
    name = path.name.split(".")[0]
    return path.parent.name if name == "book" and path.parent.name else name


def _recorded_policy(recorded: dict[str, Any] | None) -> Any:
    """The policy a run recorded, as a ``Policy``; None when absent or no longer valid
    (then the run reads policy.yaml beside the book, or the default, as `analyze` does)."""
    from tierwise.settings.schema import Policy

    if not recorded:
        return None
    try:
        return Policy.model_validate(recorded)
    except ValidationError:
        return None


def _recorded_preset(run_dir: str | None) -> str | None:
    if not run_dir:
        return None
    try:
        info = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    preset = info.get("preset") if isinstance(info, dict) else None
    return str(preset) if preset else None
