"""Every assertion of the standard connector suite says what is wrong when it fails."""

from __future__ import annotations

import ast
from pathlib import Path

import slabridge.testing.suite as suite


def test_every_assert_in_the_standard_suite_has_a_message() -> None:
    tree = ast.parse(Path(suite.__file__).read_text(encoding="utf-8"))
    bare = [
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is None
    ]
    assert bare == [], f"asserts without a message in slabridge/testing/suite.py, lines {bare}"
