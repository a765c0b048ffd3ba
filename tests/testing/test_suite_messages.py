"""Every assertion of the standard connector suite says what is wrong when it fails."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import slabridge.testing.read_items as read_items
import slabridge.testing.semantic as semantic
import slabridge.testing.suite as suite


@pytest.mark.parametrize("module", [suite, semantic, read_items], ids=lambda m: m.__name__)
def test_every_assert_in_the_standard_suite_has_a_message(module: object) -> None:
    path = Path(getattr(module, "__file__", ""))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is None
    ]
    assert bare == [], f"asserts without a message in {path.name}, lines {bare}"
