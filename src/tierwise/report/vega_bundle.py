"""The Vega + Vega-Lite + Vega-Embed JavaScript that every report inlines, checked first.

vl-convert builds the bundle in seconds, so it is cached on disk (``TIERWISE_CACHE_DIR``,
default ``~/.cache/tierwise``). A file on disk can be changed by anyone who can write
that folder, and whatever it holds would run in every report opened afterwards, so the
cached text is inlined only when its SHA-256 matches the digest tierwise knows for the
installed vl-convert (``KNOWN_DIGESTS``, shipped with the package). For a vl-convert
version not listed, the digest written beside the file when it was built is used; that
catches a damaged or replaced file, though not one replaced together with its digest.
A file that does not match is rebuilt, never inlined.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import altair as alt
import vl_convert as vlc
from markupsafe import Markup

#: SHA-256 of the UTF-8 bundle, by (vl-convert version, Vega-Lite version). When the lock
#: moves vl-convert, add its line: ``python -m tierwise.report.vega_bundle`` prints it.
KNOWN_DIGESTS = {
    ("1.9.0", "6.4"): "3425bd951a44d478d0505c6b5d1e8d57656b6e9a4da7bfe88a718ce61d76e572",
}


def vega_lite_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, as vl-convert names it (e.g. '6.4')."""
    wanted = ".".join(alt.VEGALITE_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


def cache_dir() -> Path:
    root = os.environ.get("TIERWISE_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tierwise"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key() -> tuple[str, str]:
    return getattr(vlc, "__version__", "unknown"), vega_lite_version() or "latest"


def cache_path() -> Path:
    vlc_version, vl_version = _key()
    return cache_dir() / f"vega-bundle-vlc{vlc_version}-vl{vl_version}.js"


@lru_cache(maxsize=1)
def vega_bundle() -> Markup:
    """The bundle: from the cache when it checks out, else built by vl-convert (and cached)."""
    path = cache_path()
    sidecar = path.with_name(path.name + ".sha256")
    text = _read(path)
    expected = KNOWN_DIGESTS.get(_key()) or (_read(sidecar) or "").strip()
    if text is None or not expected or digest(text) != expected:
        # the stub marks the snippet as required; without one the bundle sets window globals
        text = vlc.javascript_bundle(vl_version=vega_lite_version())  # type: ignore[call-arg]
        _write(path, text)
        _write(sidecar, digest(text) + "\n")
    # The bundle is inlined in a <script>; a literal "</script" inside it would end it.
    return Markup(text.replace("</script", "<\\/script"))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only cache only costs the next run a few seconds


if __name__ == "__main__":  # pragma: no cover - a maintainer's helper
    vlc_version, vl_version = _key()
    text = vlc.javascript_bundle(vl_version=vega_lite_version())  # type: ignore[call-arg]
    print(f'    ("{vlc_version}", "{vl_version}"): "{digest(text)}",')
