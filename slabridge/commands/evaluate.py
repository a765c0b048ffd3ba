"""``slabridge evaluate``: POLICY.md §4 for one ticket, an array, or a stream of JSON lines."""

from __future__ import annotations

import gc
import io
import json
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import click

try:  # orjson is a dependency; the fallback keeps a broken install working, only slower
    import orjson

    def _loads(text: str) -> Any:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)  # the standard library's message, and its big integers

    def _dumps(value: Any) -> str:
        try:
            return orjson.dumps(value).decode()
        except TypeError:
            return json.dumps(value, separators=(",", ":"))

except ImportError:  # pragma: no cover

    def _loads(text: str) -> Any:
        return json.loads(text)

    def _dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))


from slabridge.commands.options import config_option
from slabridge.config import AppConfig, ConfigError, load_config
from slabridge.sla.evaluate import evaluate, evaluate_json
from slabridge.sla.policy import PolicySet
from slabridge.sla.ticket import TicketError, parse_ticket

EXIT_OK = 0
EXIT_INPUT = 2
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_BATCH = 2000


def parse_now(value: str | None) -> datetime:
    """``--now``: an ISO 8601 instant with an offset (``Z`` allowed); the current time if None."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "expected an ISO 8601 instant, e.g. 2025-03-10T12:00:00Z"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise click.BadParameter("add an offset to the instant (Z or +hh:mm)")
    return moment.astimezone(UTC)


def load_engine_config(path: Path) -> AppConfig:
    """The config as ``evaluate``/``explain`` need it; exit 2 with every issue on stderr."""
    try:
        return load_config(path, engine_only=True)
    except ConfigError as error:
        click.echo(f"slabridge: config error in {path}:", err=True)
        for issue in error.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(EXIT_INPUT) from None


TOO_DEEP = "the JSON is nested too deeply (more levels than any ticket needs)"


def evaluate_line(
    line: str, number: int, policies: PolicySet, now: datetime
) -> tuple[str, str | None]:
    """One JSON line -> (output line, error message or None); a bad line gives an error object."""
    try:
        data = _loads(line)
    except json.JSONDecodeError as error:
        message = f"line {number}: not valid JSON ({error.msg} at column {error.colno})"
        return _dumps({"ticket": None, "error": message}), message
    except RecursionError:
        message = f"line {number}: {TOO_DEEP}"
        return _dumps({"ticket": None, "error": message}), message
    try:
        ticket = parse_ticket(data)
    except TicketError as error:
        message = f"line {number}: {error}"
        return _dumps({"ticket": error.ticket_id, "error": str(error)}), message
    except RecursionError:
        message = f"line {number}: {TOO_DEEP}"
        return _dumps({"ticket": None, "error": message}), message
    try:
        return _dumps(evaluate_json(ticket, policies, now)), None
    except ValueError as error:  # e.g. an instant outside the years a calendar supports
        message = f"line {number}: ticket {ticket.id!r}: cannot be evaluated ({error})"
        return _dumps({"ticket": ticket.id, "error": message}), message
    except RecursionError:
        message = f"line {number}: ticket {ticket.id!r}: {TOO_DEEP}"
        return _dumps({"ticket": ticket.id, "error": message}), message


# One batch's output: blocks of result lines, each with the error of its last line (if any),
# so errors reach stderr right after their own line, as if written one line at a time.
Pieces = list[tuple[str, str | None]]


def _evaluate_batch(first: int, lines: list[str], policies: PolicySet, now: datetime) -> Pieces:
    """Evaluate raw lines numbered from ``first`` (blank ones skipped) into output blocks."""
    pieces: Pieces = []
    block: list[str] = []
    for number, line in enumerate(lines, first):
        if not line or line.isspace():  # i.e. not line.strip(), without copying the line
            continue
        text, error = evaluate_line(line, number, policies, now)
        block.append(text)
        if error is not None:
            block.append("")  # the block ends with a newline
            pieces.append(("\n".join(block), error))
            block = []
    if block:
        block.append("")
        pieces.append(("\n".join(block), None))
    return pieces


_worker_policies: PolicySet | None = None


def _quiet_gc() -> None:
    """Per-ticket objects hold no reference cycles: reference counting frees them. Freezing what
    is loaded and collecting less often stops the cycle collector from rescanning the program's
    long-lived objects thousands of times (it cost a third of the run time)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 50)


def _worker_init(config_path: str) -> None:
    global _worker_policies
    _worker_policies = load_config(Path(config_path), engine_only=True).policy_set
    _quiet_gc()


def _worker_batch(first: int, lines: list[str], now: datetime) -> Pieces:
    assert _worker_policies is not None
    return _evaluate_batch(first, lines, _worker_policies, now)


def _batches(stream: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """Batches of raw lines with the 1-based number of their first line, read lazily."""
    first = 1
    while lines := list(islice(stream, _BATCH)):
        yield first, lines
        first += len(lines)


def run_jsonl(
    stream: IO[str], config: AppConfig, config_path: Path, now: datetime, workers: int
) -> int:
    """Stream JSON lines in, one result per line out, in input order; returns the failures."""
    _quiet_gc()
    failures = 0
    out = sys.stdout

    def emit(pieces: Pieces) -> None:
        nonlocal failures
        for text, error in pieces:
            out.write(text)
            if error is not None:
                failures += 1
                click.echo(f"slabridge: {error}", err=True)

    if workers <= 1:
        for first, lines in _batches(stream):
            emit(_evaluate_batch(first, lines, config.policy_set, now))
        return failures
    # A bounded window of batches in flight keeps memory constant and output in input order.
    # Workers get raw lines and send back joined text: little to pickle, little for this
    # process to do, so the workers get the cores.
    with ProcessPoolExecutor(
        workers, initializer=_worker_init, initargs=(str(config_path),)
    ) as pool:
        pending: deque[Future[Pieces]] = deque()
        for first, lines in _batches(stream):
            pending.append(pool.submit(_worker_batch, first, lines, now))
            if len(pending) >= workers * 3:
                emit(pending.popleft().result())
        while pending:
            emit(pending.popleft().result())
    return failures


def run_document(text: str, config: AppConfig, now: datetime) -> int:
    """One ticket (one object out) or an array (an array out); returns the failures."""
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        click.echo(f"slabridge: the ticket input is not valid JSON ({error})", err=True)
        raise SystemExit(EXIT_INPUT) from None
    except RecursionError:
        click.echo(f"slabridge: the ticket input: {TOO_DEEP}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    if not isinstance(data, list):
        click.echo(_one_document(data, config, now))
        return 0
    results = [_array_item(index, item, config, now) for index, item in enumerate(data)]
    click.echo(json.dumps(results, indent=2))
    return sum(1 for result in results if "error" in result)


def _one_document(data: Any, config: AppConfig, now: datetime) -> str:
    """The evaluation of one ticket object as JSON text; bad input exits 2."""
    try:
        ticket = parse_ticket(data)
        result = evaluate(ticket, config.policy_set, now).to_json()
        return json.dumps(result, indent=2)
    except ValueError as error:  # TicketError, or an instant no calendar supports
        click.echo(f"slabridge: {error}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    except RecursionError:
        click.echo(f"slabridge: the ticket input: {TOO_DEEP}", err=True)
        raise SystemExit(EXIT_INPUT) from None


def _array_item(index: int, item: Any, config: AppConfig, now: datetime) -> dict[str, Any]:
    """Item ``index`` of an array: its evaluation, or ``{"ticket", "error"}`` (reported)."""
    try:
        ticket = parse_ticket(item)
    except TicketError as error:
        click.echo(f"slabridge: [{index}] {error}", err=True)
        return {"ticket": error.ticket_id, "error": str(error)}
    except RecursionError:
        click.echo(f"slabridge: [{index}] {TOO_DEEP}", err=True)
        return {"ticket": None, "error": TOO_DEEP}
    try:
        result = evaluate(ticket, config.policy_set, now).to_json()
        json.dumps(result)  # a too-deep custom field fails here, not in the final dump
        return result
    except RecursionError:
        click.echo(f"slabridge: [{index}] ticket {ticket.id!r}: {TOO_DEEP}", err=True)
        return {"ticket": ticket.id, "error": TOO_DEEP}
    except ValueError as error:
        message = f"ticket {ticket.id!r}: cannot be evaluated ({error})"
        click.echo(f"slabridge: [{index}] {message}", err=True)
        return {"ticket": ticket.id, "error": message}


def _utf8_stdin() -> IO[str]:
    """Standard input as UTF-8 whatever the locale says (a BOM is dropped)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # already text (e.g. replaced by a test runner)
        return sys.stdin
    return io.TextIOWrapper(buffer, encoding="utf-8-sig")


def _not_utf8(error: UnicodeDecodeError) -> str:
    start = bytes(error.object[:2])
    if start in (b"\xff\xfe", b"\xfe\xff"):
        hint = "it looks like UTF-16: save it as UTF-8"
    else:
        hint = "save it as UTF-8 (Latin-1 and other encodings are not read)"
    byte = error.object[error.start : error.start + 1].hex()
    return f"not UTF-8 text (byte 0x{byte} cannot be decoded; {hint})"


@click.command("evaluate")
@config_option("The policy file.")
@click.option(
    "--ticket",
    "ticket_path",
    default="-",
    show_default=True,
    help="A ticket JSON file (one ticket or an array), a .jsonl file, or - for standard input.",
)
@click.option("--now", "now_text", default=None, help="Evaluate at this instant (ISO 8601).")
@click.option(
    "--jsonl",
    is_flag=True,
    help="Read one ticket per line and write one result per line (automatic for .jsonl/.ndjson).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes for JSON lines; output keeps the input order.",
)
def command(
    config_path: Path, ticket_path: str, now_text: str | None, jsonl: bool, workers: int
) -> None:
    """Print the SLA state of tickets as JSON (exit 0 when it ran, 2 on bad config or input)."""
    now = parse_now(now_text)
    config = load_engine_config(config_path)
    jsonl = jsonl or ticket_path.lower().endswith(JSONL_SUFFIXES)
    try:
        stream: IO[str] = (
            _utf8_stdin() if ticket_path == "-" else open(ticket_path, encoding="utf-8-sig")  # noqa: SIM115
        )
    except OSError as error:
        click.echo(f"slabridge: cannot read {ticket_path} ({error.strerror})", err=True)
        raise SystemExit(EXIT_INPUT) from None
    shown = "standard input" if ticket_path == "-" else ticket_path
    try:
        if jsonl:
            failures = run_jsonl(stream, config, config_path, now, workers)
        else:
            failures = run_document(stream.read(), config, now)
    except UnicodeDecodeError as error:
        click.echo(f"slabridge: {shown}: {_not_utf8(error)}", err=True)
        raise SystemExit(EXIT_INPUT) from None
    finally:
        if ticket_path != "-":
            stream.close()
    if failures:
        click.echo(f"slabridge: {failures} ticket(s) could not be evaluated", err=True)
        raise SystemExit(EXIT_INPUT)


__all__ = [
    "command",
    "evaluate_line",
    "load_engine_config",
    "parse_now",
    "run_document",
    "run_jsonl",
]
