"""Folders tierwise writes (run folders, quarantines): owned, checked, replaced atomically.

tierwise writes into folders that users name on the command line, so it must never
delete or overwrite a file it did not write. Every folder it writes holds a manifest
(``.tierwise-manifest.json``) listing its files; a folder is *ours* only with a
manifest and nothing beside the files it lists. ``staged_folder`` writes into a hidden
temporary sibling and renames it into place at the end, so an interrupted write never
leaves a half-written folder that looks complete: without the manifest, which is
written last, a folder is not a run.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tierwise.errors import InputError

MANIFEST = ".tierwise-manifest.json"


def manifest_files(folder: Path) -> list[str] | None:
    """The files (relative paths) the manifest of ``folder`` lists, or None without one."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files


def _contents(folder: Path) -> list[str]:
    """Every file below ``folder`` as a relative POSIX path (folders themselves left out)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def foreign_files(folder: Path) -> list[str]:
    """What ``folder`` holds that tierwise did not write: without a manifest, every entry
    (only the first few are looked at, so pointing at a big folder stays quick)."""
    listed = manifest_files(folder)
    if listed is None:
        return sorted(p.name for p in itertools.islice(folder.iterdir(), 6))
    owned = {MANIFEST, *listed}
    return [f for f in _contents(folder) if f not in owned]


def check_new_file(path: Path, *, force: bool, flag: str = "--out") -> None:
    """Stop, naming the file and the fix, unless writing ``path`` replaces nothing of the
    user's: a new file is fine, an existing one only with ``force``. A single file carries
    no manifest, so tierwise cannot tell its own earlier output from the user's file: the
    user says so with --force.
    """
    if path.is_dir():
        raise InputError(f"{flag} {path} is a folder; give the name of a file to write")
    if path.exists() and not force:
        raise InputError(
            f"{path} exists already and tierwise never replaces a file unasked; name a new "
            f"file, or pass --force to replace it"
        )


def check_target(
    folder: Path,
    *,
    what: str,
    force: bool,
    book: str | None = None,
    tables: tuple[str, ...] = (),
    flag: str = "--out",
) -> None:
    """Stop, naming the folder and the fix, unless writing ``folder`` loses nothing of the user's.

    A new or empty folder is fine. A folder tierwise wrote before (manifest, nothing
    else in it) is replaced only with ``force``. A folder holding anything else is never
    written, ``force`` or not, and neither is the book's own folder, one that holds it, or
    a folder inside the book named after one of its ``tables`` (the next read would take
    its files for that table).
    """
    if book is not None:
        _check_outside_book(folder, book, tables, what, flag)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{what} {folder} is a file, not a folder; give {flag} a new folder")
    if not folder.exists() or not any(folder.iterdir()):
        return
    foreign = foreign_files(folder)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" and more" if len(foreign) > 5 else "")
        raise InputError(
            f"{what} {folder} holds files tierwise did not write ({shown}); tierwise never "
            f"deletes or overwrites them. Give {flag} a new or empty folder"
        )
    if not force:
        raise InputError(
            f"{what} {folder} holds an earlier output of tierwise; pass --force to replace it, "
            f"or give {flag} another folder"
        )


def _check_outside_book(
    folder: Path, book: str, tables: tuple[str, ...], what: str, flag: str
) -> None:
    if "://" in book or book == "pyspark":
        return
    target = folder.resolve()
    source = Path(book).resolve()
    book_dir = source if source.is_dir() else source.parent
    if target in (book_dir, source) or target in source.parents:
        raise InputError(
            f"{what} {folder} is the book's own folder (or holds the book {book}); tierwise "
            f"never writes among your files. Give {flag} a folder outside it, e.g. runs/NAME"
        )
    if source.is_dir() and book_dir in target.parents:
        first = target.relative_to(book_dir).parts[0]
        if first.split(".")[0] in tables:
            raise InputError(
                f"{what} {folder} is inside the book's table folder {book_dir / first}, where "
                f"the next read would take its files for the {first.split('.')[0]} table. "
                f"Give {flag} a folder outside the book, e.g. runs/NAME"
            )


@contextlib.contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """Yield a fresh hidden sibling of ``folder`` to write into; on success list its files in
    a manifest and rename it to ``folder`` (replacing the earlier output, which the caller
    checked with ``check_target``). On failure the sibling is removed and ``folder`` is
    left as it was.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tierwise-writing-", dir=folder.parent))
    try:
        staging.chmod(_folder_mode())  # mkdtemp's 0700 would hide the output from the team
        yield staging
        _write_manifest(staging)
        _replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _folder_mode() -> int:
    """The mode ``mkdir`` gives a new folder under the current umask."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o777 & ~umask


def _write_manifest(folder: Path) -> None:
    from tierwise import __version__

    files = [f for f in _contents(folder) if f != MANIFEST]
    data = {"written_by": f"tierwise {__version__}", "files": files}
    (folder / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _replace(staging: Path, folder: Path) -> None:
    """Move ``staging`` to ``folder``; an earlier output there is set aside, then removed."""
    old: Path | None = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=".tierwise-replaced-", dir=folder.parent))
        os.replace(folder, old / folder.name)
    try:
        os.replace(staging, folder)
    except BaseException:
        if old is not None:  # put the earlier output back
            os.replace(old / folder.name, folder)
            old.rmdir()
        raise
    if old is not None:
        _remove_owned(old / folder.name)
        with contextlib.suppress(OSError):
            old.rmdir()


def _remove_owned(folder: Path) -> None:
    """Delete the files the manifest of ``folder`` lists, then its folders if left empty."""
    root = folder.resolve()
    for name in [*(manifest_files(folder) or []), MANIFEST]:
        path = folder / name
        if path.is_file() and root in path.resolve().parents:
            path.unlink()
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def remove_output(folder: Path) -> bool:
    """Delete ``folder`` if tierwise wrote it (a manifest, nothing else in it); True if
    it was removed. A folder holding anything tierwise did not write is left alone."""
    if manifest_files(folder) is None or foreign_files(folder):
        return False
    _remove_owned(folder)
    return not folder.exists()
