"""`slabridge evaluate` on hostile input: never a traceback, always exit 2 naming the input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slabridge.cli import cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "docs" / "examples" / "slabridge.yaml")
TICKET = json.loads((ROOT / "docs" / "examples" / "ticket.json").read_text())
NOW = "2025-03-10T12:00:00Z"


def evaluate(
    path: Path | None = None, *, stdin: bytes | None = None, jsonl: bool = False
) -> Result:
    args = ["evaluate", "--config", CONFIG, "--now", NOW, "--ticket", str(path) if path else "-"]
    if jsonl:
        args.append("--jsonl")
    return CliRunner().invoke(cli, args, input=stdin)


def test_a_utf16_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "ticket.json"
    path.write_bytes(json.dumps(TICKET).encode("utf-16"))
    result = evaluate(path)
    assert result.exit_code == 2
    assert f"{path}: not UTF-8 text" in result.stderr
    assert "looks like UTF-16" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_latin1_on_standard_input_is_refused_naming_the_byte() -> None:
    result = evaluate(stdin='{"id": "1", "name": "café"}'.encode("latin-1"))
    assert result.exit_code == 2
    assert "standard input: not UTF-8 text (byte 0xe9" in result.stderr


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ticket.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(TICKET).encode())
    result = evaluate(path)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ticket"] == TICKET["id"]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_a_document_nested_1200_levels_deep_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(deep(1200))
    result = evaluate(path)
    assert result.exit_code == 2
    assert "nested too deeply" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_array_holding_a_deeply_nested_field_is_refused_whole(tmp_path: Path) -> None:
    # A document is parsed whole, so one unreadable part refuses it (JSON lines do not).
    bad = json.dumps(TICKET)[:-1] + ', "fields": {"x": ' + deep(1100) + "}}"
    path = tmp_path / "tickets.json"
    path.write_text(f"[{json.dumps(TICKET)}, {bad}]")
    result = evaluate(path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the ticket input: the JSON is nested too deeply" in result.stderr


def test_a_deeply_nested_json_line_gives_an_error_object_for_that_line(tmp_path: Path) -> None:
    bad = json.dumps(TICKET)[:-1] + ', "fields": {"x": ' + deep(1100) + "}}"
    path = tmp_path / "tickets.jsonl"
    path.write_text(f"{bad}\n{json.dumps(TICKET)}\n")
    result = evaluate(path)
    assert result.exit_code == 2
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert "line 1: the JSON is nested too deeply" in first["error"]
    assert second["ticket"] == TICKET["id"] and "metrics" in second
    assert "line 1:" in result.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_never_give_a_traceback(data: bytes, jsonl: bool) -> None:
    result = evaluate(stdin=data, jsonl=jsonl)
    assert result.exit_code in (0, 2), (data, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), data


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=900, max_value=3000), st.sampled_from(["[", '{"a":']))
def test_any_nesting_depth_is_either_evaluated_or_refused(levels: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    document = json.dumps(TICKET)[:-1] + ', "fields": {"x": ' + opener * levels
    document += "1" if opener == '{"a":' else ""
    document += closer * levels + "}}"
    for jsonl in (False, True):
        result = evaluate(stdin=document.encode(), jsonl=jsonl)
        assert result.exit_code in (0, 2)
        assert result.exception is None or isinstance(result.exception, SystemExit)
