"""Parsing of a ``group_ownership`` target (docs/policy.md, "Group ownership"): targets by group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from slabridge.sla.policy import GroupTargets, MetricTarget

METRIC = "group_ownership"
_KEYS = ("within", "calendar", "pause_on", "groups")


class TargetChecker(Protocol):
    """What this needs of the config checker (``slabridge.config._Checker``)."""

    def add(self, path: str, message: str) -> None: ...

    def mapping(self, value: Any, path: str, what: str = ...) -> dict[str, Any] | None: ...

    def known_keys(self, data: Mapping[str, Any], path: str, valid: tuple[str, ...]) -> None: ...

    def target(
        self, metric: str, raw: Any, path: str, calendars: set[str], plain: bool = ...
    ) -> MetricTarget | None: ...


def group_ownership_target(
    checker: TargetChecker, raw: Any, path: str, calendars: set[str]
) -> MetricTarget | None:
    """``group_ownership: 8h`` (every group) or ``{within?, calendar?, pause_on?, groups?}``.

    ``within`` is the target of every group not under ``groups``; without it only the groups
    listed are measured. A group's entry is a duration or ``{within, calendar, pause_on}`` and
    takes the metric's ``calendar`` and ``pause_on`` where it sets none. Problems are added to
    ``checker`` with their key path; None when there was any.
    """
    if not isinstance(raw, dict):
        every = checker.target(METRIC, raw, path, calendars, plain=True)
        return None if every is None else _with_groups(every, GroupTargets({}, every))
    data = checker.mapping(raw, path) or {}
    checker.known_keys(data, path, _KEYS)
    shared = {key: data[key] for key in ("within", "calendar", "pause_on") if key in data}
    if "within" not in data and "groups" not in data:
        checker.add(
            _join(path, "within"),
            "required: a target for every group, or `groups:` with a target per group",
        )
        return None
    # The metric-level keys are checked once, here; without `within` they are only defaults,
    # so a stand-in target lets the usual parser check them.
    base = checker.target(METRIC, shared if "within" in data else {**shared, "within": "1s"},
                          path, calendars, plain=True)  # fmt: skip
    ok = base is not None
    other = base if "within" in data else None
    by_group: dict[str, MetricTarget] = {}
    if "groups" in data:
        where = _join(path, "groups")
        groups = checker.mapping(data["groups"], where, "a mapping of group names to targets")
        if groups is None:
            ok = False
        elif not groups:
            checker.add(where, "expected at least one group (or leave `groups` out)")
            ok = False
        for group, spec in (groups or {}).items():
            found = checker.target(METRIC, spec, _join(where, group), calendars, plain=True)
            if found is None:
                ok = False
                continue
            if base is not None:
                own = spec if isinstance(spec, dict) else {}
                found = MetricTarget(
                    METRIC,
                    found.seconds,
                    found.calendar if "calendar" in own else base.calendar,
                    found.pause_on if "pause_on" in own else base.pause_on,
                )
            by_group[group] = found
    if not ok or base is None:
        return None
    return _with_groups(base if other is None else other, GroupTargets(by_group, other))


def _with_groups(target: MetricTarget, groups: GroupTargets) -> MetricTarget:
    return MetricTarget(
        METRIC,
        target.seconds,
        target.calendar,
        target.pause_on,
        target.pause_when,
        target.stop_when,
        groups=groups,
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


__all__ = ["METRIC", "TargetChecker", "group_ownership_target"]
