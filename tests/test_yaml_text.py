"""YAML on libyaml's parser: the same objects as PyYAML's safe_load, and still safe."""

from __future__ import annotations

import pytest
import yaml

from tierwise.settings.io import default_policy_yaml
from tierwise.yaml_text import load_yaml


def test_a_policy_reads_the_same_as_with_pyyamls_own_parser() -> None:
    text = default_policy_yaml() + "\nnotes: {on: yes, when: 2026-12-03, ratio: 1e3, none: ~}\n"
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['echo unsafe']",
        "x: !!python/name:os.system ''",
    ],
)
def test_python_object_tags_are_refused(text) -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        load_yaml(text)


def test_bad_yaml_says_where(tmp_path) -> None:
    with pytest.raises(yaml.YAMLError, match="line 2"):
        load_yaml("a: [1, 2\nb: 3\n")
