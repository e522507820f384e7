"""Built-in and user presets: small declarative files that map known exports onto the book.

A preset is a YAML file holding a ``BookMapping`` plus a name and a description. Built-in
presets ship in ``tierwise/book/presets/``; users add their own by dropping a file in the
folder named by ``TIERWISE_PRESETS`` (or ``~/.config/tierwise/presets``), or by passing
a file path wherever a preset name is accepted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from tierwise.book.mapping import BookMapping
from tierwise.errors import InputError, validation_problems
from tierwise.yaml_text import load_yaml


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    mapping: BookMapping
    source: str
    #: where the book keeps its team (``path``, ``name``, ``manager``, ``role``): the
    #: policy's team when no policy names one (``tierwise.settings.preset_team``)
    team: dict[str, str] | None = None


def user_preset_dir() -> Path:
    configured = os.environ.get("TIERWISE_PRESETS")
    if configured:
        return Path(configured)
    return Path.home() / ".config" / "tierwise" / "presets"


def _parse(text: str, source: str) -> Preset:
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"preset {source}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or "name" not in data:
        raise InputError(f"preset {source}: needs a 'name' key and a 'tables' section")
    name = str(data.pop("name"))
    description = str(data.pop("description", ""))
    team = data.pop("team", None)
    try:
        mapping = BookMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(validation_problems(list(exc.errors())))  # type: ignore[arg-type]
        raise InputError(f"preset {source}: {problems}") from exc
    return Preset(name, description, mapping, source, team)


def list_presets() -> list[Preset]:
    """Every preset available: built-in first, then the user's (which may override by name)."""
    found: dict[str, Preset] = {}
    for entry in sorted(resources.files("tierwise.book").joinpath("presets").iterdir(), key=str):
        if entry.name.endswith((".yaml", ".yml")):
            preset = _parse(entry.read_text(encoding="utf-8"), f"built-in {entry.name}")
            found[preset.name] = preset
    folder = user_preset_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.y*ml")):
            preset = _parse(path.read_text(encoding="utf-8"), str(path))
            found[preset.name] = preset
    return list(found.values())


def load_preset(name_or_path: str) -> Preset:
    """A preset by name, or from a YAML file path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return _parse(path.read_text(encoding="utf-8"), str(path))
    presets = {p.name: p for p in list_presets()}
    if name_or_path not in presets:
        raise InputError(
            f"unknown preset {name_or_path!r}; available: {', '.join(sorted(presets))} "
            "(`tierwise presets` lists them; a path to a preset YAML file also works)"
        )
    return presets[name_or_path]
