"""``slabridge evaluate`` on hostile input: not UTF-8, nested too deeply -> exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slabridge.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "examples" / "slabridge.yaml"
TICKET = json.loads((ROOT / "docs" / "examples" / "ticket.json").read_text())
NOW = "2025-03-10T12:00:00Z"


def _evaluate(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["evaluate", "--config", str(CONFIG), "--ticket", str(path), "--now", NOW, *extra]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({**TICKET, "subject": "Grüße"}, ensure_ascii=False).encode("latin-1"),
        json.dumps(TICKET).encode("utf-16"),
        json.dumps(TICKET).encode() + b"\xff\xfe",
    ],
    ids=["latin-1", "utf-16", "stray-bytes"],
)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_input_that_is_not_utf8_exits_2_naming_the_file(
    tmp_path: Path, raw: bytes, suffix: str
) -> None:
    path = tmp_path / f"tickets{suffix}"
    path.write_bytes(raw)
    code, output = _evaluate(path)
    assert code == 2
    assert f"cannot read {path}: not UTF-8" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "document",
    [
        _deep(1100),
        json.dumps([{**TICKET, "fields": {"x": 0}}]).replace("0}", _deep(1100) + "}", 1),
        json.dumps({**TICKET, "fields": {"x": 0}}).replace("0}", _deep(1100) + "}", 1),
    ],
    ids=["top-level", "array-fields", "object-fields"],
)
def test_json_nested_too_deeply_exits_2(tmp_path: Path, document: str) -> None:
    path = tmp_path / "ticket.json"
    path.write_text(document)
    code, output = _evaluate(path)
    assert code == 2
    assert "nested too deeply" in output


def test_a_json_line_nested_too_deeply_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    fields = json.dumps({**TICKET, "fields": {"x": 0}}).replace("0}", _deep(1100) + "}", 1)
    path.write_text(json.dumps(TICKET) + "\n" + fields + "\n")
    code, output = _evaluate(path)
    assert code == 2
    assert "line 2: not valid JSON (nested too deeply)" in output


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200), depth=st.integers(0, 3000), jsonl=st.booleans())
def test_any_bytes_or_nesting_exit_0_or_2_without_a_traceback(
    tmp_path: Path, raw: bytes, depth: int, jsonl: bool
) -> None:
    path = tmp_path / ("fuzz.jsonl" if jsonl else "fuzz.json")
    path.write_bytes(b"[" * depth + raw + b"]" * depth)
    result = CliRunner().invoke(
        cli, ["evaluate", "--config", str(CONFIG), "--ticket", str(path), "--now", NOW]
    )
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
