"""Replay ticket histories under a proposed policy beside the current one."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slabridge.customers import CustomerDirectory
from slabridge.report.compute import GroupSummary, Report, build_report, data_start
from slabridge.report.credits import CreditResult
from slabridge.report.models import CreditSettings, Goal, format_percent, short_percent
from slabridge.report.outcomes import Outcome
from slabridge.report.periods import Period
from slabridge.report.sources import Evaluator, SourceTicket, replay
from slabridge.report.tabular import report_json
from slabridge.sla.results import METRICS


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a backtest: how to evaluate, and the goals and credits to judge by."""

    name: str
    evaluate: Evaluator
    goals: Sequence[Goal] = ()
    credits: CreditSettings | None = None
    customers: CustomerDirectory | None = None


@dataclass(frozen=True, slots=True)
class TicketChange:
    """A ticket whose outcome in the period differs between the two sides."""

    connector: str
    ticket_id: str
    current_policy: str | None
    proposed_policy: str | None
    current: dict[str, tuple[str, ...]]
    proposed: dict[str, tuple[str, ...]]

    @property
    def summary(self) -> str:
        """`first_response: breached → achieved; resolution: (none) → breached`."""
        parts = []
        for metric in METRICS:
            before = self.current.get(metric, ())
            after = self.proposed.get(metric, ())
            if before != after:
                parts.append(f"{metric}: {_statuses(before)} → {_statuses(after)}")
        return "; ".join(parts)


def _statuses(statuses: tuple[str, ...]) -> str:
    return ",".join(statuses) if statuses else "(not measured)"


@dataclass(slots=True)
class Backtest:
    period: Period
    current: Report
    proposed: Report
    changes: list[TicketChange]
    tickets: int
    problems: list[str] = field(default_factory=list)


def _signature(outcomes: Sequence[Outcome], period: Period) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for outcome in outcomes:
        if period.start <= outcome.started_at < period.end:
            found.setdefault(outcome.metric, []).append(outcome.status)
    return {metric: tuple(statuses) for metric, statuses in found.items()}


def run_backtest(
    tickets: Sequence[SourceTicket],
    period: Period,
    current: Side,
    proposed: Side,
    *,
    by: Sequence[str] = (),
    source: str = "",
    problems: Sequence[str] = (),
) -> Backtest:
    """Evaluate every ticket under both sides as of the period end and compare."""
    start = min(data_start(period, current.goals), data_start(period, proposed.goals))
    as_of = period.end
    sides: dict[str, list[Outcome]] = {"current": [], "proposed": []}
    notes: list[str] = list(problems)
    changes: list[TicketChange] = []
    for item in tickets:
        per_side: dict[str, list[Outcome]] = {}
        for name, side in (("current", current), ("proposed", proposed)):
            side_notes: list[str] = []
            per_side[name] = list(replay([item], side.evaluate, start, as_of, side_notes))
            notes.extend(f"{side.name}: {note}" for note in side_notes)
            sides[name].extend(per_side[name])
        before = _signature(per_side["current"], period)
        after = _signature(per_side["proposed"], period)
        if before != after:
            facts = (per_side["current"] or per_side["proposed"])[0].facts
            other = per_side["proposed"][0].facts if per_side["proposed"] else None
            changes.append(
                TicketChange(
                    connector=facts.connector,
                    ticket_id=facts.ticket_id,
                    current_policy=per_side["current"][0].facts.policy
                    if per_side["current"]
                    else None,
                    proposed_policy=other.policy if other else None,
                    current=before,
                    proposed=after,
                )
            )
    return Backtest(
        period=period,
        current=build_report(
            sides["current"],
            period,
            by=by,
            goals=current.goals,
            credits=current.credits,
            source=source,
            customers=current.customers,
        ),
        proposed=build_report(
            sides["proposed"],
            period,
            by=by,
            goals=proposed.goals,
            credits=proposed.credits,
            source=source,
            customers=proposed.customers,
        ),
        changes=changes,
        tickets=len(tickets),
        problems=notes,
    )


@dataclass(frozen=True, slots=True)
class GroupComparison:
    key: tuple[str, ...]
    label: str
    current: GroupSummary | None
    proposed: GroupSummary | None


def compare_groups(result: Backtest) -> list[GroupComparison]:
    """Groups of both sides, matched by key; the total first."""
    rows = [GroupComparison((), "all", result.current.total, result.proposed.total)]
    if result.current.by:
        current = {g.key: g for g in result.current.groups}
        proposed = {g.key: g for g in result.proposed.groups}
        for key in sorted(set(current) | set(proposed)):
            label = result.current.group_label(key)
            rows.append(GroupComparison(key, label, current.get(key), proposed.get(key)))
    return rows


def compare_credits(result: Backtest) -> list[tuple[str, CreditResult | None, CreditResult | None]]:
    current = {c.customer: c for c in result.current.credits}
    proposed = {c.customer: c for c in result.proposed.credits}
    return [
        (name, current.get(name), proposed.get(name))
        for name in sorted(set(current) | set(proposed))
    ]


def _pct(summary: GroupSummary | None) -> str:
    return format_percent(summary.achieved_share) if summary else "n/a"


def _credit(credit: CreditResult | None) -> str:
    return short_percent(credit.credit) if credit else "none"


def render_backtest_text(result: Backtest) -> str:
    """A plain side-by-side summary for the terminal."""
    lines = [
        f"Backtest {result.period.label}: {result.tickets} tickets replayed as of "
        f"{result.period.end:%Y-%m-%d %H:%M} UTC",
        "",
        f"{'group':40} {'current':>10} {'proposed':>10} {'breaches':>9} {'→':>1} {'proposed':<9}",
    ]
    for row in compare_groups(result):
        lines.append(
            f"{row.label[:40]:40} {_pct(row.current):>10} {_pct(row.proposed):>10} "
            f"{row.current.breached if row.current else 0:>9} → "
            f"{row.proposed.breached if row.proposed else 0:<9}"
        )
    credits = compare_credits(result)
    if credits:
        lines += ["", f"{'customer':40} {'current credit':>15} {'proposed credit':>16}"]
        for customer, before, after in credits:
            lines.append(f"{customer[:40]:40} {_credit(before):>15} {_credit(after):>16}")
    lines += ["", f"{len(result.changes)} tickets would change outcome:"]
    for change in result.changes:
        policies = ""
        if change.current_policy != change.proposed_policy:
            policies = f" [policy {change.current_policy} → {change.proposed_policy}]"
        lines.append(f"  {change.connector}/{change.ticket_id}: {change.summary}{policies}")
    if result.problems:
        lines += ["", "Not included:"] + [f"  {problem}" for problem in result.problems]
    return "\n".join(lines) + "\n"


def backtest_json(result: Backtest) -> dict[str, Any]:
    return {
        "period": result.period.label,
        "tickets": result.tickets,
        "current": report_json(result.current),
        "proposed": report_json(result.proposed),
        "changes": [
            {
                "connector": change.connector,
                "ticket": change.ticket_id,
                "current_policy": change.current_policy,
                "proposed_policy": change.proposed_policy,
                "current": {metric: list(s) for metric, s in change.current.items()},
                "proposed": {metric: list(s) for metric, s in change.proposed.items()},
                "summary": change.summary,
            }
            for change in result.changes
        ],
        "problems": result.problems,
    }


def render_backtest_json(result: Backtest) -> str:
    return json.dumps(backtest_json(result), indent=2, ensure_ascii=False) + "\n"


def render_backtest_csv(result: Backtest) -> str:
    """Rows of `section` group, credit or ticket, each with current and proposed columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["section", "name", "current_achieved_percent", "proposed_achieved_percent",
         "current_breached", "proposed_breached", "current_credit_percent",
         "proposed_credit_percent", "current_policy", "proposed_policy", "change"]
    )  # fmt: skip
    for row in compare_groups(result):
        writer.writerow(
            ["group", row.label, _pct(row.current).rstrip("%"), _pct(row.proposed).rstrip("%"),
             row.current.breached if row.current else 0,
             row.proposed.breached if row.proposed else 0, "", "", "", "", ""]
        )  # fmt: skip
    for customer, before, after in compare_credits(result):
        writer.writerow(
            ["credit", customer, "", "", "", "", _credit(before).rstrip("%"),
             _credit(after).rstrip("%"), "", "", ""]
        )  # fmt: skip
    for change in result.changes:
        writer.writerow(
            ["ticket", f"{change.connector}/{change.ticket_id}", "", "", "", "", "", "",
             change.current_policy or "", change.proposed_policy or "", change.summary]
        )  # fmt: skip
    return buffer.getvalue()


__all__ = [
    "Backtest",
    "GroupComparison",
    "Side",
    "TicketChange",
    "backtest_json",
    "compare_credits",
    "compare_groups",
    "render_backtest_csv",
    "render_backtest_json",
    "render_backtest_text",
    "run_backtest",
]
