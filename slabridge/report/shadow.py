"""The parity audit: slabridge's verdict beside the helpdesk's own, ticket by ticket and metric.

Before an admin switches enforcement from the helpdesk's SLA policies to slabridge, both run side
by side and every disagreement is listed with the command that explains slabridge's side. See
docs/shadow.md for the rules; in short, per metric that both measure, the latest cycle is
compared: breached or not, running or stopped, and the due time (within a tolerance).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from slabridge.connectors.helpdesk_sla import HelpdeskSla, HelpdeskTarget
from slabridge.sla.durations import format_duration
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import format_timestamp

Kind = Literal["breach", "state", "due_at", "coverage"]
VERDICT_KINDS: tuple[Kind, ...] = ("breach", "state", "due_at")


@dataclass(frozen=True, slots=True)
class Difference:
    """One way the two verdicts on a ticket's metric differ."""

    connector: str
    ticket_id: str
    metric: str
    kind: Kind
    slabridge: str
    helpdesk: str
    helpdesk_name: str = ""

    @property
    def is_verdict(self) -> bool:
        """A disagreement on the verdict (not only on which metrics are measured)."""
        return self.kind in VERDICT_KINDS


@dataclass(slots=True)
class ShadowReport:
    """What ``slabridge shadow`` found, for one run over one or more connectors."""

    as_of: datetime
    config: str
    compared: Counter[str] = field(default_factory=Counter)  # tickets compared, per connector
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def disagreements(self) -> list[Difference]:
        return [d for d in self.differences if d.is_verdict]

    @property
    def tickets_disagreeing(self) -> int:
        return len({(d.connector, d.ticket_id) for d in self.disagreements})

    def explain_command(self, connector: str, ticket_id: str) -> str:
        return f"slabridge explain --config {self.config} --connector {connector} --id {ticket_id}"


def _instant(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def _ours(cycle: Mapping[str, Any]) -> str:
    status = str(cycle.get("status"))
    due = cycle.get("due_at")
    return f"{status}, due {due}" if due else status


def helpdesk_breached(target: HelpdeskTarget, now: datetime) -> bool | None:
    """The helpdesk's breach verdict; for a running target that gives only its due time, whether
    that time has passed at ``now`` (the moment slabridge's side is judged too)."""
    if target.breached is not None:
        return target.breached
    if not (target.stopped or target.paused) and target.due_at is not None:
        return target.due_at <= now
    return None


def _theirs(target: HelpdeskTarget, now: datetime) -> str:
    if target.stopped:
        state = "stopped"
    elif target.paused:
        state = "paused"
    else:
        state = "running"
    breached = helpdesk_breached(target, now)
    if breached is not None:
        state += ", breached" if breached else ", not breached"
    if target.due_at is not None:
        state += f", due {format_timestamp(target.due_at)}"
    return state


def compare_metric(
    connector: str,
    ticket_id: str,
    cycle: Mapping[str, Any],
    target: HelpdeskTarget,
    tolerance_seconds: int,
    now: datetime,
) -> list[Difference]:
    """How slabridge's latest cycle of a metric (§4 JSON) and the helpdesk's target differ."""

    def differ(kind: Kind) -> Difference:
        return Difference(
            connector,
            ticket_id,
            target.metric,
            kind,
            _ours(cycle),
            _theirs(target, now),
            target.name,
        )

    found: list[Difference] = []
    status = cycle.get("status")
    ours_breached = status == "breached" or cycle.get("breached_at") is not None
    theirs_breached = helpdesk_breached(target, now)
    if theirs_breached is not None and theirs_breached != ours_breached:
        found.append(differ("breach"))
    ours_stopped = cycle.get("stopped_at") is not None
    if ours_stopped != target.stopped:
        found.append(differ("state"))
    ours_due = _instant(cycle.get("due_at"))
    if ours_due is not None and target.due_at is not None and not (ours_stopped or target.stopped):
        gap = abs((ours_due - target.due_at).total_seconds())
        if gap > tolerance_seconds:
            found.append(differ("due_at"))
    return found


def compare_ticket(
    connector: str,
    evaluation: Mapping[str, Any],
    helpdesk: HelpdeskSla,
    tolerance_seconds: int,
    now: datetime,
) -> list[Difference]:
    """Every difference between slabridge's §4 output for a ticket and the helpdesk's verdict."""
    ticket_id = helpdesk.ticket_id
    ours: Mapping[str, Any] = evaluation.get("metrics") or {}
    theirs = {target.metric: target for target in helpdesk.targets}
    found: list[Difference] = []
    for metric in METRICS:
        cycle, target = ours.get(metric), theirs.get(metric)
        if cycle is not None and target is not None:
            found += compare_metric(connector, ticket_id, cycle, target, tolerance_seconds, now)
        elif cycle is not None:
            found.append(
                Difference(connector, ticket_id, metric, "coverage", _ours(cycle), "not measured")
            )
        elif target is not None:
            found.append(
                Difference(
                    connector,
                    ticket_id,
                    metric,
                    "coverage",
                    "not measured",
                    _theirs(target, now),
                    target.name,
                )
            )
    return found


_KIND_WORDS: dict[str, str] = {
    "breach": "breach verdict differs",
    "state": "one has stopped, the other runs",
    "due_at": "due time differs",
    "coverage": "measured by one side only",
}


def render_shadow_text(report: ShadowReport, tolerance_seconds: int) -> str:
    total = sum(report.compared.values())
    lines = [
        f"Parity audit as of {format_timestamp(report.as_of)}: {total} tickets compared "
        f"({', '.join(f'{name} {n}' for name, n in sorted(report.compared.items())) or 'none'}), "
        f"due times within {format_duration(tolerance_seconds)} count as equal.",
        f"{report.tickets_disagreeing} ticket(s) disagree on the verdict "
        f"({len(report.disagreements)} difference(s)).",
    ]
    by_ticket: dict[tuple[str, str], list[Difference]] = {}
    for difference in report.disagreements:
        by_ticket.setdefault((difference.connector, difference.ticket_id), []).append(difference)
    for (connector, ticket_id), differences in by_ticket.items():
        lines += ["", f"{connector}/{ticket_id}:"]
        for d in differences:
            name = f" ({d.helpdesk_name})" if d.helpdesk_name else ""
            lines.append(
                f"  {d.metric}{name}: {_KIND_WORDS[d.kind]}: slabridge {d.slabridge}; "
                f"helpdesk {d.helpdesk}"
            )
        lines.append(f"  why: {report.explain_command(connector, ticket_id)}")
    coverage = Counter(
        (d.connector, d.metric, "slabridge" if d.helpdesk == "not measured" else "helpdesk")
        for d in report.differences
        if d.kind == "coverage"
    )
    if coverage:
        lines += ["", "Measured by one side only (not a disagreement on the verdict):"]
        for (connector, metric, side), count in sorted(coverage.items()):
            lines.append(f"  {connector} {metric}: {count} ticket(s), by {side} only")
    if report.notes:
        lines += ["", "Notes:"] + [f"  {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def shadow_json(report: ShadowReport, tolerance_seconds: int) -> dict[str, Any]:
    return {
        "as_of": format_timestamp(report.as_of),
        "tolerance_seconds": tolerance_seconds,
        "compared": dict(sorted(report.compared.items())),
        "tickets_disagreeing": report.tickets_disagreeing,
        "differences": [
            {
                "connector": d.connector,
                "ticket": d.ticket_id,
                "metric": d.metric,
                "kind": d.kind,
                "slabridge": d.slabridge,
                "helpdesk": d.helpdesk,
                "helpdesk_name": d.helpdesk_name,
                "explain": report.explain_command(d.connector, d.ticket_id),
            }
            for d in report.differences
        ],
        "notes": report.notes,
    }


def render_shadow_json(report: ShadowReport, tolerance_seconds: int) -> str:
    return json.dumps(shadow_json(report, tolerance_seconds), indent=2, ensure_ascii=False) + "\n"


def render_shadow_csv(report: ShadowReport, tolerance_seconds: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["connector", "ticket", "metric", "kind", "slabridge", "helpdesk", "helpdesk_name",
         "explain"]
    )  # fmt: skip
    for d in report.differences:
        writer.writerow(
            [d.connector, d.ticket_id, d.metric, d.kind, d.slabridge, d.helpdesk,
             d.helpdesk_name, report.explain_command(d.connector, d.ticket_id)]
        )  # fmt: skip
    return buffer.getvalue()


RENDERERS = {"text": render_shadow_text, "json": render_shadow_json, "csv": render_shadow_csv}

__all__ = [
    "RENDERERS",
    "Difference",
    "ShadowReport",
    "compare_metric",
    "compare_ticket",
    "helpdesk_breached",
    "render_shadow_csv",
    "render_shadow_json",
    "render_shadow_text",
]
