"""Read-only copies of a ticket and its evaluation, built at the hook boundary for plugins.

The engine's result objects (``Cycle``, ``MetricResult``) are mutable for speed, and the sync
plans the write-back and stores the evaluation from the very objects a hook would see. A plugin
therefore gets copies that refuse assignment, so that a hook cannot change what is written
back or stored; the copies are built only when a plugin implements one of these hooks.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from slabridge.sla.results import Cycle, Evaluation, MetricResult
from slabridge.sla.ticket import Ticket


def _refuse(instance: object, name: str) -> NoReturn:
    raise dataclasses.FrozenInstanceError(
        f"{type(instance).__name__} given to a plugin hook is read-only: cannot set {name!r}"
    )


class FrozenCycle(Cycle):
    """A :class:`Cycle` whose attributes cannot be set (its instants already resolved)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        _refuse(self, name)

    def __delattr__(self, name: str) -> None:
        _refuse(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cycle):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # equal to a mutable Cycle, so not hashable


class FrozenMetricResult(MetricResult):
    """A :class:`MetricResult` whose attributes cannot be set."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        _refuse(self, name)

    def __delattr__(self, name: str) -> None:
        _refuse(self, name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MetricResult):
            return NotImplemented
        return (self.name, self.cycles) == (other.name, other.cycles)

    __hash__ = None  # type: ignore[assignment]


def frozen_cycle(cycle: Cycle) -> FrozenCycle:
    """A read-only copy of ``cycle`` (equal to it)."""
    frozen: FrozenCycle = object.__new__(FrozenCycle)
    # Resolved datetimes, so that the lazy properties never need to write back.
    values = {
        "status": cycle.status,
        "calendar": cycle.calendar,
        "target_seconds": cycle.target_seconds,
        "_started": cycle.started_at,
        "_stopped": cycle.stopped_at,
        "_due": cycle.due_at,
        "_breached": cycle.breached_at,
        "elapsed_seconds": cycle.elapsed_seconds,
        "remaining_seconds": cycle.remaining_seconds,
        "at_risk": cycle.at_risk,
        "_instants": {},
    }
    for name, value in values.items():
        object.__setattr__(frozen, name, value)
    return frozen


def frozen_metric(metric: MetricResult) -> FrozenMetricResult:
    """A read-only copy of ``metric`` with read-only cycles."""
    frozen: FrozenMetricResult = object.__new__(FrozenMetricResult)
    object.__setattr__(frozen, "name", metric.name)
    object.__setattr__(frozen, "cycles", tuple(frozen_cycle(cycle) for cycle in metric.cycles))
    return frozen


def frozen_evaluation(evaluation: Evaluation) -> Evaluation:
    """A read-only copy of ``evaluation``: its metrics a read-only mapping of frozen copies."""
    metrics = MappingProxyType(
        {name: frozen_metric(metric) for name, metric in evaluation.metrics.items()}
    )
    # Evaluation is frozen; its ``metrics`` is typed as the engine builds it (a dict).
    return dataclasses.replace(evaluation, metrics=metrics)  # type: ignore[arg-type]


def _read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    # A deep copy behind a read-only proxy: assignment raises, nested edits touch only the copy.
    return MappingProxyType(copy.deepcopy(dict(mapping)))


def frozen_ticket(ticket: Ticket) -> Ticket:
    """A copy of ``ticket`` whose ``fields``, ``extra`` and customer ``extra`` are read-only."""
    customer = ticket.customer
    if customer is not None:
        customer = dataclasses.replace(customer, extra=_read_only(customer.extra))
    return dataclasses.replace(
        ticket,
        fields=_read_only(ticket.fields),
        extra=_read_only(ticket.extra),
        customer=customer,
    )


class HookArguments:
    """The read-only ticket and evaluation every hook of one ticket shares, built on first use."""

    __slots__ = ("_evaluation", "_frozen_evaluation", "_frozen_ticket", "_ticket")

    def __init__(self, ticket: Ticket, evaluation: Evaluation) -> None:
        self._ticket = ticket
        self._evaluation = evaluation
        self._frozen_ticket: Ticket | None = None
        self._frozen_evaluation: Evaluation | None = None

    @property
    def ticket(self) -> Ticket:
        if self._frozen_ticket is None:
            self._frozen_ticket = frozen_ticket(self._ticket)
        return self._frozen_ticket

    @property
    def evaluation(self) -> Evaluation:
        if self._frozen_evaluation is None:
            self._frozen_evaluation = frozen_evaluation(self._evaluation)
        return self._frozen_evaluation

    def copies(self, evaluation: Evaluation) -> bool:
        """True when these are the copies of ``evaluation`` (not of another of the ticket)."""
        return self._evaluation is evaluation

    def cycle(self, metric: str, index: int) -> Cycle:
        """The read-only cycle ``index`` of ``metric``."""
        return self.evaluation.metrics[metric].cycles[index]


__all__ = [
    "FrozenCycle",
    "FrozenMetricResult",
    "HookArguments",
    "frozen_cycle",
    "frozen_evaluation",
    "frozen_metric",
    "frozen_ticket",
]
