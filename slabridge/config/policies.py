"""The ``policies:`` section: match rules, calendar choices and targets per priority."""

from __future__ import annotations

from typing import Any

from slabridge.config.checking import Checker, key_path, key_text, kind_of, show_value
from slabridge.config.conditions import parse_conditions
from slabridge.config.ola import METRIC as OLA_METRIC
from slabridge.config.ola import group_ownership_target
from slabridge.sla.policy import (
    BUILTIN_CALENDAR,
    DEFAULT_PAUSE_ON,
    MATCH_KEYS,
    TARGET_KEYS,
    CalendarChoice,
    MatchRule,
    MetricTarget,
    Policy,
    match_text,
)
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import PRIORITIES, STATUSES, STOPPED_STATUSES

PAUSABLE: tuple[str, ...] = tuple(s for s in STATUSES if s not in STOPPED_STATUSES)


class PolicyChecks(Checker):
    """Checks ``policies:`` (in order: the first policy that matches a ticket applies)."""

    def policies(self, raw: Any, calendars: set[str]) -> list[Policy]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add("policies", f"expected a list of policies, got {kind_of(raw)}")
            return []
        out: list[Policy] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            policy = self.policy(item, f"policies[{index}]", calendars)
            if policy is None:
                continue
            if policy.name in seen:
                self.add(
                    f"policies[{index}].name",
                    f"{show_value(policy.name)} is used by an earlier policy",
                )
            seen.add(policy.name)
            out.append(policy)
        return out

    def policy(self, raw: Any, path: str, calendars: set[str]) -> Policy | None:
        data = self.mapping(raw, path)
        if data is None:
            return None
        self.known_keys(data, path, ("name", "description", "match", "calendar", "targets"))
        before = len(self.issues)
        name = self.text(data.get("name"), key_path(path, "name"), "a policy name")
        rules = self.match(data.get("match"), key_path(path, "match"))
        choice = CalendarChoice(BUILTIN_CALENDAR)
        if data.get("calendar") is not None:
            choice = (
                self.calendar_choice(data["calendar"], key_path(path, "calendar"), calendars)
                or choice
            )
        targets = self.targets(data.get("targets"), key_path(path, "targets"), calendars)
        if len(self.issues) > before or name is None:
            return None
        return Policy(name=name, match=rules, calendar=choice, targets=targets)

    def match(self, raw: Any, path: str) -> tuple[MatchRule, ...]:
        data = self.mapping(raw, path)
        if not data:
            return ()
        flat: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("fields", "customer") and isinstance(value, dict):
                for sub, inner in value.items():
                    flat[f"{key}.{key_text(sub)}"] = (
                        inner  # {fields: {region: emea}} = fields.region
                    )
            else:
                flat[key] = value
        rules: list[MatchRule] = []
        for key, value in flat.items():
            where = key_path(path, key)
            prefix, dot, rest = key.partition(".")
            if key not in MATCH_KEYS and not (dot and rest and prefix in ("fields", "customer")):
                valid = ", ".join([*MATCH_KEYS, "fields.NAME", "customer.NAME"])
                self.add(where, f"unknown match key (valid: {valid})")
                continue
            items = value if isinstance(value, list) else [value]
            texts = [match_text(item) for item in items]
            if not items or any(
                t is None or isinstance(i, dict | list) for t, i in zip(texts, items, strict=True)
            ):
                self.add(
                    where, "expected a value or a non-empty list of values (any of them matches)"
                )
                continue
            values = tuple(t for t in texts if t is not None)
            if key == "priority":
                bad = [item for item in items if item not in PRIORITIES]
                if bad:
                    valid = ", ".join(PRIORITIES)
                    self.add(where, f"{show_value(bad[0])} is not a priority (valid: {valid})")
                    continue
            rules.append(MatchRule(key, values))
        return tuple(rules)

    def calendar_choice(self, raw: Any, path: str, calendars: set[str]) -> CalendarChoice | None:
        valid = ", ".join(sorted(calendars))
        if isinstance(raw, str):
            if raw not in calendars:
                self.add(path, f"unknown calendar {show_value(raw)} (defined: {valid})")
                return None
            return CalendarChoice(raw)
        data = self.mapping(raw, path, "a calendar name or {by: PATH, map: {...}, default: NAME}")
        if data is None:
            return None
        self.known_keys(data, path, ("by", "map", "default"))
        ok = True
        by = data.get("by")
        if not isinstance(by, str) or not by.strip():
            self.add(
                key_path(path, "by"),
                "required: a dotted path into the ticket, e.g. customer.region",
            )
            ok = False
        default = data.get("default")
        if default is None:
            self.add(
                key_path(path, "default"),
                "required: the calendar for tickets the map does not cover",
            )
            ok = False
        elif not isinstance(default, str) or default not in calendars:
            self.add(
                key_path(path, "default"),
                f"unknown calendar {show_value(default)} (defined: {valid})",
            )
            ok = False
        mapping: dict[str, str] = {}
        table = self.mapping(data.get("map"), key_path(path, "map"))
        if table is None:
            ok = False
        for key, value in (table or {}).items():
            if not isinstance(value, str) or value not in calendars:
                self.add(
                    key_path(key_path(path, "map"), key),
                    f"unknown calendar {show_value(value)} (defined: {valid})",
                )
                ok = False
            else:
                mapping[key] = value
        if not ok or not isinstance(by, str) or not isinstance(default, str):
            return None
        return CalendarChoice(default=default, by=by.strip(), mapping=mapping)

    def targets(
        self, raw: Any, path: str, calendars: set[str]
    ) -> dict[str, dict[str, MetricTarget]]:
        data = self.mapping(
            raw, path, "a mapping of priorities (low, normal, high, urgent, default)"
        )
        out: dict[str, dict[str, MetricTarget]] = {}
        for priority, block in (data or {}).items():
            where = key_path(path, priority)
            if priority not in TARGET_KEYS:
                self.add(where, f"not a priority (valid: {', '.join(TARGET_KEYS)})")
                continue
            metrics = self.mapping(block, where, "a mapping of metrics to targets")
            out[priority] = {}
            for metric, spec in (metrics or {}).items():
                target = self.target(metric, spec, key_path(where, metric), calendars)
                if target is not None:
                    out[priority][metric] = target
        return out

    def target(
        self, metric: str, raw: Any, path: str, calendars: set[str], plain: bool = False
    ) -> MetricTarget | None:
        if metric not in METRICS:
            self.add(path, f"{metric!r} is not a metric (valid: {', '.join(METRICS)})")
            return None
        if metric == OLA_METRIC and not plain:  # targets by group (slabridge/config/ola.py)
            return group_ownership_target(self, raw, path, calendars)
        pause_on = DEFAULT_PAUSE_ON[metric]
        if not isinstance(raw, dict):
            seconds = self.duration(raw, path)
            return None if seconds is None else MetricTarget(metric, seconds, None, pause_on)
        data = self.mapping(raw, path) or {}
        self.known_keys(data, path, ("within", "calendar", "pause_on", "pause_when", "stop_when"))
        ok = True
        seconds = None
        if "within" not in data:
            self.add(key_path(path, "within"), "required: the target as a duration, e.g. 4h")
            ok = False
        else:
            seconds = self.duration(data["within"], key_path(path, "within"))
        choice = None
        if data.get("calendar") is not None:
            choice = self.calendar_choice(data["calendar"], key_path(path, "calendar"), calendars)
            ok = ok and choice is not None
        if "pause_on" in data:
            paused = self.pause_statuses(data["pause_on"], key_path(path, "pause_on"))
            ok = ok and paused is not None
            pause_on = paused or frozenset()
        # Tag and field conditions (docs/policy.md, "Pause and stop on conditions").
        pause_when, problems = parse_conditions(
            data.get("pause_when"), key_path(path, "pause_when")
        )
        stop_when, stop_problems = parse_conditions(
            data.get("stop_when"), key_path(path, "stop_when")
        )
        for where, message in [*problems, *stop_problems]:
            self.add(where, message)
            ok = False
        if not ok or seconds is None:
            return None
        return MetricTarget(metric, seconds, choice, pause_on, pause_when, stop_when)

    def pause_statuses(self, statuses: Any, path: str) -> frozenset[str] | None:
        """A target's ``pause_on``: one status or a list, each one that can pause the clock."""
        items = [] if statuses is None else ([statuses] if isinstance(statuses, str) else statuses)
        if not isinstance(items, list):
            self.add(path, "expected a list of statuses")
            return None
        found: set[str] = set()
        ok = True
        for index, status in enumerate(items):
            # A single status written as text is named by its key, not as item [0].
            where = path if isinstance(statuses, str) else key_path(path, index)
            if self.pause_status(status, where):
                found.add(status)
            else:
                ok = False
        return frozenset(found) if ok else None

    def pause_status(self, status: Any, where: str) -> bool:
        """Whether ``status`` is one the clock can pause on (an issue when not)."""
        if not isinstance(status, str):
            self.add(where, f"expected a status (valid: {', '.join(PAUSABLE)})")
            return False
        if status in STOPPED_STATUSES:
            self.add(where, f"{status!r} stops the clock, not a pause (use {'/'.join(PAUSABLE)})")
            return False
        return self.choice(status, where, PAUSABLE, "status to pause on") is not None
