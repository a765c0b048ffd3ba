"""``slabridge test``: run golden tickets against the config; with ``--against``, the backtest diff.

For CI on the repository that holds the policy file: exit 0 when every golden ticket shows what it
expects, 1 when one does not, 2 when a case or the config cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from slabridge.commands.evaluate import load_engine_config
from slabridge.commands.options import config_option
from slabridge.config import AppConfig
from slabridge.errors import InputError
from slabridge.report import running
from slabridge.report.backtest import Backtest, Side, compare_credits, render_backtest_text
from slabridge.report.credits import CreditResult
from slabridge.report.models import ReportSettingsError, short_percent
from slabridge.report.periods import Period, month_period
from slabridge.report.sources import SourceTicket, read_store_tickets, read_ticket_file
from slabridge.sla.golden import GoldenCase, GoldenError, GoldenResult, parse_case, run_case
from slabridge.yaml_loader import SlabridgeLoader, YamlLimitError

EXIT_FAILED = 1
EXIT_INPUT = 2
CASE_SUFFIXES = (".yaml", ".yml", ".json")
DEFAULT_DIRECTORY = Path("tests") / "sla"


class GoldenInputError(InputError):
    """A case file or option that cannot be used: on standard error, exit status 2."""


def case_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, and every .yaml/.yml/.json under the directories named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                item for item in path.rglob("*") if item.suffix in CASE_SUFFIXES and item.is_file()
            )
        elif path.is_file():
            found.append(path)
        else:
            raise GoldenInputError(f"{path}: no such file or directory")
    return found


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GoldenInputError(f"{path}: cannot be read ({error})") from None
    try:
        if path.suffix == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=SlabridgeLoader)  # SlabridgeLoader is a SafeLoader
    except json.JSONDecodeError as error:
        raise GoldenInputError(
            f"{path}: not valid JSON ({error.msg} at line {error.lineno})"
        ) from None
    except YamlLimitError as error:
        raise GoldenInputError(f"{path}: {error}") from None
    except yaml.YAMLError as error:
        raise GoldenInputError(f"{path}: not valid YAML ({error})") from None


def load_cases(path: Path) -> Iterator[GoldenCase]:
    """The cases of one file: a single case, or ``cases:`` holding a list of them."""
    data = _read(path)
    raw_cases: list[tuple[Any, str, str]]
    if isinstance(data, dict) and "cases" in data:
        if set(data) != {"cases"} or not isinstance(data["cases"], list):
            raise GoldenInputError(f"{path}: cases: expected only a list of cases under 'cases'")
        raw_cases = [
            (raw, f"cases[{index}]", f"{path.stem}[{index}]")
            for index, raw in enumerate(data["cases"])
        ]
    else:
        raw_cases = [(data, "", path.stem)]
    for raw, prefix, default_name in raw_cases:
        where = f"{path}: {prefix + '.' if prefix else ''}"
        ticket_data = None
        if isinstance(raw, dict) and "ticket_file" in raw:
            if "ticket" in raw:
                raise GoldenInputError(f"{where}ticket_file: give ticket or ticket_file, not both")
            ticket_path = path.parent / str(raw["ticket_file"])
            if not ticket_path.is_file():
                raise GoldenInputError(f"{where}ticket_file: {ticket_path}: no such file")
            ticket_data = _read(ticket_path)
        try:
            yield parse_case(raw, str(path), default_name, ticket_data, prefix)
        except GoldenError as error:
            raise GoldenInputError(f"{path}: {error}") from None


def _default_paths(config_path: Path) -> list[Path]:
    directory = config_path.parent / DEFAULT_DIRECTORY
    if not directory.is_dir():
        raise GoldenInputError(
            f"no golden tickets: give files or directories, or put them in {directory}/"
        )
    return [directory]


def last_full_month(today: date) -> Period:
    first = today.replace(day=1)
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    return month_period(year, month)


@dataclass(frozen=True, slots=True)
class CreditMove:
    customer: str
    before: CreditResult | None
    after: CreditResult | None

    def __str__(self) -> str:
        def show(credit: CreditResult | None) -> str:
            return short_percent(credit.credit) if credit else "no credit"

        return f"{self.label}'s credit moves from {show(self.before)} to {show(self.after)}"

    @property
    def label(self) -> str:
        """`Acme GmbH (zendesk:361)`, or the key alone when the customer has no name."""
        named = self.after or self.before
        name = named.customer_name if named is not None else None
        return f"{name} ({self.customer})" if name and name != self.customer else self.customer


def credit_moves(result: Backtest) -> list[CreditMove]:
    """Customers whose credit for the period differs between the two configs."""
    moves = []
    for customer, before, after in compare_credits(result):
        if (before.credit if before else 0.0) != (after.credit if after else 0.0):
            moves.append(CreditMove(customer, before, after))
    return moves


def diff_headline(result: Backtest) -> str:
    """`37 tickets change state; Acme GmbH's 2026-10 credit moves from 5 % to 10 %`."""
    parts = [f"{len(result.changes)} ticket{'s' if len(result.changes) != 1 else ''} change state"]
    parts += [
        str(move).replace("'s credit", f"'s {result.period.label} credit", 1)
        for move in credit_moves(result)
    ]
    return "; ".join(parts)


def _store_exists(config: AppConfig) -> bool:
    from slabridge.sync.store import store_exists

    base = config.config_path.parent if config.config_path is not None else None
    return store_exists(config.state, base_dir=base)


def _against(
    config_path: Path,
    old_path: Path,
    cases: Sequence[GoldenCase],
    period: Period,
    tickets_path: Path | None,
) -> Backtest:
    from slabridge.report.backtest import run_backtest

    old = running.load(old_path)
    new = running.load(config_path)
    tickets: list[SourceTicket]
    if tickets_path is not None:
        loaded = read_ticket_file(tickets_path)
        tickets, source, problems = loaded.tickets, tickets_path.name, loaded.problems
    else:
        store_tickets: list[SourceTicket] = []
        problems = []
        # A policy repository's CI has no state store: then the golden tickets alone are
        # replayed (and none is created by looking).
        if _store_exists(old):
            loaded = read_store_tickets(running.open_state(old))
            store_tickets, problems = loaded.tickets, loaded.problems
        if store_tickets:
            tickets, source = store_tickets, "state store ticket snapshots"
        else:
            tickets = [SourceTicket(case.ticket) for case in cases]
            source = "golden tickets"
    try:
        return run_backtest(
            tickets,
            period,
            Side("current", running.engine(old), old.goals, old.credits, old.customers),
            Side(
                "proposed",
                running.engine(new),
                new.goals or old.goals,
                new.credits or old.credits,
                new.customers or old.customers,
            ),
            source=source,
            problems=problems,
        )
    except ReportSettingsError as error:
        raise running.settings_error(f"{old_path} or {config_path}", error) from None


def _text(results: Sequence[GoldenResult]) -> str:
    lines = []
    for result in results:
        verdict = "PASS" if result.passed else "FAIL"
        lines.append(f"{verdict}  {result.case.name}  ({result.case.source})")
        lines += [f"        {mismatch}" for mismatch in result.mismatches]
    failed = sum(not result.passed for result in results)
    lines.append(
        f"{len(results)} golden ticket{'s' if len(results) != 1 else ''}: "
        f"{len(results) - failed} passed, {failed} failed"
    )
    return "\n".join(lines) + "\n"


def _json(results: Sequence[GoldenResult], diff: Backtest | None) -> str:
    data: dict[str, Any] = {
        "passed": sum(result.passed for result in results),
        "failed": sum(not result.passed for result in results),
        "cases": [
            {
                "name": result.case.name,
                "source": result.case.source,
                "passed": result.passed,
                "mismatches": [
                    {"path": m.path, "expected": m.expected, "actual": m.actual}
                    for m in result.mismatches
                ],
            }
            for result in results
        ],
    }
    if diff is not None:
        from slabridge.report.backtest import backtest_json

        data["against"] = {
            "headline": diff_headline(diff),
            "credit_moves": [
                {
                    "customer": move.customer,
                    "name": move.label,
                    "before": float(move.before.credit) if move.before else None,
                    "after": float(move.after.credit) if move.after else None,
                }
                for move in credit_moves(diff)
            ],
            "backtest": backtest_json(diff),
        }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


@click.command("test")
@config_option("The policy file under test.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--against",
    "old_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The config in force: also print how the config under test changes outcomes.",
)
@click.option(
    "--period",
    default=None,
    help="With --against: the period to compare (default: the last full month, UTC).",
)
@click.option(
    "--tickets",
    "tickets_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With --against: JSON lines of tickets to replay (default: --against's state store, "
    "else the golden tickets).",
)
@click.option("--timezone", default="UTC", show_default=True, help="Where period days start.")
@click.option("--format", "chosen_format", type=click.Choice(("text", "json")), default="text")
def command(
    config_path: Path,
    paths: tuple[Path, ...],
    old_path: Path | None,
    period: str | None,
    tickets_path: Path | None,
    timezone: str,
    chosen_format: str,
) -> None:
    """Check golden tickets (files or directories; default tests/sla/ beside the config)."""
    if (period or tickets_path) and old_path is None:
        raise GoldenInputError("--period and --tickets go with --against OLD_CONFIG")
    config = load_engine_config(config_path)
    files = case_files(list(paths) or _default_paths(config_path))
    cases = [case for path in files for case in load_cases(path)]
    if not cases:
        raise GoldenInputError(f"no golden tickets found in {', '.join(map(str, paths or files))}")
    results = [run_case(case, config.policy_set) for case in cases]
    diff = None
    if old_path is not None:
        span = (
            running.period_option(period, timezone)
            if period
            else last_full_month(datetime.now(UTC).date())
        )
        diff = _against(config_path, old_path, cases, span, tickets_path)
    if chosen_format == "json":
        click.echo(_json(results, diff), nl=False)
    else:
        click.echo(_text(results), nl=False)
        if diff is not None:
            click.echo(f"\nAgainst {old_path}: {diff_headline(diff)}\n")
            click.echo(render_backtest_text(diff), nl=False)
    if any(not result.passed for result in results):
        raise SystemExit(EXIT_FAILED)


__all__ = ["command", "credit_moves", "diff_headline", "load_cases"]
