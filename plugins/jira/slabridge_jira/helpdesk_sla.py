"""Jira Service Management's own SLA verdicts, for ``slabridge shadow``.

``GET /rest/servicedeskapi/request/{issueIdOrKey}/sla?start&limit`` (Agent permission) pages
``{size, start, limit, isLastPage, values}``; each value is one SLA metric of the request:
``{id, name, ongoingCycle?, completedCycles[]}``, a cycle with ``breachTime``, ``breached``,
``paused``, dates as ``{iso8601, jira, friendly, epochMillis}`` (helpdesk-apis.md §3.3 [J6][J7]).
JSM names its SLAs per project ("Time to first response", "Time to resolution" by default); the
``sla_names`` setting maps other names onto slabridge's metrics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from slabridge.connectors.base import Skipped
from slabridge.connectors.helpdesk_sla import HelpdeskSla, HelpdeskTarget
from slabridge.connectors.http import HttpClient, HttpError

SLA_PAGE = 50  # servicedeskapi's default and usual largest `limit`
SlaMetric = Literal["first_response", "next_response", "resolution"]
DEFAULT_SLA_NAMES: dict[str, SlaMetric] = {
    "Time to first response": "first_response",
    "Time to resolution": "resolution",
}


def _moment(value: Any) -> datetime | None:
    """A JSM date object; ``epochMillis`` is exact and needs no parsing of offsets."""
    if not isinstance(value, Mapping):
        return None
    millis = value.get("epochMillis")
    if isinstance(millis, int) and not isinstance(millis, bool):
        return datetime.fromtimestamp(millis / 1000, UTC)
    text = value.get("iso8601")
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text).astimezone(UTC)
        except ValueError:
            return None
    return None


def _target(metric: str, name: str, value: Mapping[str, Any]) -> HelpdeskTarget | None:
    ongoing = value.get("ongoingCycle")
    if isinstance(ongoing, Mapping):
        paused = bool(ongoing.get("paused"))
        return HelpdeskTarget(
            metric=metric,
            name=name,
            due_at=None if paused else _moment(ongoing.get("breachTime")),
            breached=bool(ongoing.get("breached")),
            paused=paused,
        )
    completed = [c for c in value.get("completedCycles") or [] if isinstance(c, Mapping)]
    if completed:
        last = completed[-1]
        return HelpdeskTarget(
            metric=metric,
            name=name,
            due_at=_moment(last.get("breachTime")),
            breached=bool(last.get("breached")),
            stopped=True,
        )
    return None  # the SLA does not apply to this request (no cycle ever started)


def verdict_of(
    ticket_id: str, values: Sequence[Mapping[str, Any]], names: Mapping[str, str]
) -> HelpdeskSla:
    targets: list[HelpdeskTarget] = []
    unmapped: list[str] = []
    for value in values:
        name = str(value.get("name"))
        metric = names.get(name)
        if metric is None:
            unmapped.append(name)
            continue
        target = _target(metric, name, value)
        if target is not None:
            targets.append(target)
    return HelpdeskSla(ticket_id, tuple(targets), tuple(unmapped))


def request_slas(http: HttpClient, issue_ref: str) -> list[Mapping[str, Any]] | None:
    """Every SLA value of a JSM request; None when the issue is no service desk request."""
    values: list[Mapping[str, Any]] = []
    start = 0
    while True:
        try:
            answer = http.get(
                f"/rest/servicedeskapi/request/{issue_ref}/sla",
                params={"start": start, "limit": SLA_PAGE},
            ).json()
        except HttpError as exc:
            if exc.status == 404 and not exc.retryable and start == 0:
                return None
            raise
        page = [v for v in answer.get("values") or [] if isinstance(v, Mapping)]
        values.extend(page)
        start += len(page)
        if not page or answer.get("isLastPage") is not False:
            return values


def read_helpdesk_slas(
    http: HttpClient, ticket_ids: Sequence[str], names: Mapping[str, str]
) -> Iterator[HelpdeskSla | Skipped]:
    for ticket_id in ticket_ids:
        values = request_slas(http, str(ticket_id))
        if values is None:
            yield Skipped(str(ticket_id), "not a Jira Service Management request (no SLAs)")
        else:
            yield verdict_of(str(ticket_id), values, names)


__all__ = ["DEFAULT_SLA_NAMES", "SlaMetric", "read_helpdesk_slas", "request_slas", "verdict_of"]
