"""Planning write-back: the tags, priority and fields a ticket should carry, as a ChangeSet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from slabridge.connectors.base import Capabilities, ChangeSet
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import PRIORITIES, Ticket, format_timestamp, parse_timestamp

EscalateOn = Literal["breach", "at_risk"]


@dataclass(frozen=True, slots=True)
class WriteBackSettings:
    """What slabridge owns on a ticket of one connector (``actions:`` in the config file)."""

    breached_tag: str | None = None
    at_risk_tag: str | None = None
    policy_tag: str | None = None  # a template with ``{policy}``
    escalate_on: EscalateOn | None = None
    escalate_to: str | None = None  # ``one_level_up`` or a priority name
    due_at_field: str | None = None  # the helpdesk's own field key
    breached_field: str | None = None
    default_priority: str = "normal"
    # The configured policies' names: the policy tags slabridge owns are their expansions.
    policy_names: frozenset[str] = frozenset()
    # The helpdesk stores tags lowercased (Zendesk): compare and write them lowercased, or a
    # policy named "Enterprise" would be re-sent on every read and its tag orphaned on rename.
    fold_tag_case: bool = False
    _policy_tags: frozenset[str] = field(default=frozenset(), init=False, repr=False)

    def __post_init__(self) -> None:
        owned = {self.policy_tag_for(name) for name in self.policy_names}
        object.__setattr__(self, "_policy_tags", frozenset(tag for tag in owned if tag))

    def for_capabilities(self, capabilities: Capabilities) -> WriteBackSettings:
        """These settings as a connector with ``capabilities`` needs them applied."""
        if capabilities.folds_tag_case and not self.fold_tag_case:
            return replace(self, fold_tag_case=True)
        return self

    def tag(self, tag: str) -> str:
        """``tag`` as the helpdesk stores it (lowercased where it folds case)."""
        return tag.lower() if self.fold_tag_case else tag

    def policy_tag_for(self, policy: str | None) -> str | None:
        if policy is None or not self.policy_tag:
            return None
        return self.tag(self.policy_tag.replace("{policy}", policy))

    def owns_tag(self, tag: str, previous_policy: str | None = None) -> bool:
        """True for the tags slabridge adds and removes (every other tag is left alone).

        The policy tags owned are the template expanded with each configured policy's name,
        plus ``previous_policy``'s (the policy the ticket had at its last evaluation, so the
        tag of a policy since renamed or removed is taken off). A tag that merely fits the
        template's shape, e.g. an agent's ``sla_policy_manual``, is not slabridge's.
        """
        tag = self.tag(tag)
        mine = (self.breached_tag, self.at_risk_tag)
        if tag in {self.tag(t) for t in mine if t} or tag in self._policy_tags:
            return True
        return previous_policy is not None and tag == self.policy_tag_for(previous_policy)


def desired_tags(evaluation: Evaluation, settings: WriteBackSettings) -> set[str]:
    tags: set[str] = set()
    if settings.breached_tag and evaluation.breached:
        tags.add(settings.tag(settings.breached_tag))
    if settings.at_risk_tag and evaluation.at_risk and not evaluation.breached:
        tags.add(settings.tag(settings.at_risk_tag))
    policy_tag = settings.policy_tag_for(evaluation.policy)
    if policy_tag:
        tags.add(policy_tag)
    return tags


def priority_rank(priority: str | None, default: str = "normal") -> int:
    name = priority if priority in PRIORITIES else default
    return PRIORITIES.index(name) if name in PRIORITIES else 1


def escalation_target(current: str | None, settings: WriteBackSettings) -> str | None:
    """The priority an escalation raises ``current`` to; None when it would not raise it."""
    if not settings.escalate_to:
        return None
    rank = priority_rank(current, settings.default_priority)
    if settings.escalate_to == "one_level_up":
        target = PRIORITIES[min(rank + 1, len(PRIORITIES) - 1)]
    else:
        target = settings.escalate_to
    return target if priority_rank(target) > rank else None


def escalation_triggers(
    evaluation: Evaluation, settings: WriteBackSettings
) -> list[tuple[str, int]]:
    """The ``(metric, cycle)`` pairs whose state calls for an escalation under the settings."""
    if settings.escalate_on is None:
        return []
    found = []
    for name, metric in evaluation.metrics.items():
        for index, cycle in enumerate(metric.cycles):
            if cycle.status == "breached" or (settings.escalate_on == "at_risk" and cycle.at_risk):
                found.append((name, index))
    return found


def next_due(evaluation: Evaluation) -> datetime | None:
    """The earliest due time of a cycle that has not stopped (what the due-at field shows)."""
    dues = [
        cycle.due_at
        for metric in evaluation.metrics.values()
        for cycle in metric.cycles
        if cycle.stopped_at is None and cycle.due_at is not None
    ]
    return min(dues) if dues else None


def _same_instant(current: Any, wanted: datetime | None) -> bool:
    if current in (None, ""):
        return wanted is None
    if wanted is None:
        return False
    try:
        return parse_timestamp(str(current), None, "due_at") == wanted
    except ValueError:
        return False


def _truthy(value: Any) -> bool:
    """A flag as helpdesks store it: true/"true"/"yes", 1 or 1.0 (Jira number fields), or a
    checkbox list such as ``["Yes"]``; anything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, list | tuple):
        return any(_truthy(item) for item in value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "on"):
        return True
    try:
        return float(text) != 0
    except ValueError:
        return False


def desired_fields(
    ticket: Ticket, evaluation: Evaluation, settings: WriteBackSettings
) -> dict[str, Any]:
    """The owned fields whose value on the ticket differs from what slabridge wants."""
    changes: dict[str, Any] = {}
    if settings.due_at_field:
        due = next_due(evaluation)
        if not _same_instant(ticket.fields.get(settings.due_at_field), due):
            changes[settings.due_at_field] = None if due is None else format_timestamp(due)
    if settings.breached_field:
        current = ticket.fields.get(settings.breached_field)
        if current is None or _truthy(current) != evaluation.breached:
            changes[settings.breached_field] = evaluation.breached
    return changes


def plan_changes(
    ticket: Ticket,
    evaluation: Evaluation,
    settings: WriteBackSettings,
    *,
    raise_priority_to: str | None = None,
    previous_policy: str | None = None,
    also_owned: frozenset[str] = frozenset(),
) -> ChangeSet:
    """The difference between what slabridge wants on ``ticket`` and what it carries.

    ``raise_priority_to`` is an escalation decided by the caller (which remembers, per cycle,
    that it escalated, so that an agent lowering the priority again is not overruled).
    ``previous_policy`` is the policy of the ticket's last evaluation, whose tag is removed
    even when that policy is no longer in the config; ``also_owned`` are tags an earlier plan
    for the ticket removed and whose write is re-planned (they stay slabridge's to remove).
    """
    current = set(ticket.tags)
    wanted = desired_tags(evaluation, settings)
    add = wanted - {settings.tag(tag) for tag in current}
    owned_before = {settings.tag(tag) for tag in also_owned}
    remove = {
        tag
        for tag in current
        if settings.tag(tag) not in wanted
        and (settings.tag(tag) in owned_before or settings.owns_tag(tag, previous_policy))
    }
    priority = None
    if raise_priority_to is not None and priority_rank(raise_priority_to) > priority_rank(
        ticket.priority, settings.default_priority
    ):
        priority = raise_priority_to
    raised_from = None if priority is None else effective_priority(ticket, settings)
    return ChangeSet(
        ticket_id=ticket.id,
        add_tags=frozenset(add),
        remove_tags=frozenset(remove),
        priority=priority,
        fields=desired_fields(ticket, evaluation, settings),
        expected_updated_at=ticket.updated_at,
        raised_from=raised_from,
    )


def effective_priority(ticket: Ticket, settings: WriteBackSettings) -> str:
    """The ticket's priority, or the configured default when it has none."""
    return ticket.priority if ticket.priority is not None else settings.default_priority


def changeset_from_json(data: Mapping[str, Any]) -> ChangeSet:
    expected = data.get("expected_updated_at")
    return ChangeSet(
        ticket_id=str(data["ticket_id"]),
        add_tags=frozenset(data.get("add_tags") or ()),
        remove_tags=frozenset(data.get("remove_tags") or ()),
        priority=data.get("priority"),
        fields=dict(data.get("fields") or {}),
        expected_updated_at=None if expected is None else datetime.fromisoformat(expected),
        raised_from=data.get("raised_from"),
    )


def describe_changes(changes: ChangeSet) -> str:
    parts: list[str] = []
    parts.extend(f"+{tag}" for tag in sorted(changes.add_tags))
    parts.extend(f"-{tag}" for tag in sorted(changes.remove_tags))
    if changes.priority:
        parts.append(f"priority={changes.priority}")
    parts.extend(f"{key}={value}" for key, value in sorted(changes.fields.items()))
    return " ".join(parts)


__all__ = [
    "EscalateOn",
    "WriteBackSettings",
    "changeset_from_json",
    "describe_changes",
    "desired_fields",
    "desired_tags",
    "effective_priority",
    "escalation_target",
    "escalation_triggers",
    "next_due",
    "plan_changes",
    "priority_rank",
]
