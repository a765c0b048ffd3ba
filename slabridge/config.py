"""``slabridge.yaml`` -> an engine-ready ``AppConfig``: every error at once, with its key path.

Error messages echo a value only where it cannot be a secret (durations, hours, time zones,
priorities, metric and calendar names) and never one that came from ``${ENV}`` substitution or
that sits under ``connectors:`` or ``state:``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from slabridge.alerts.settings import AlertsSettings, validate_alerts
from slabridge.connectors.base import Connector, ConnectorConfig
from slabridge.customers import CustomerDirectory, credit_key_problems, validate_customers
from slabridge.ola_config import METRIC as OLA_METRIC
from slabridge.ola_config import group_ownership_target
from slabridge.redaction import redact_text, register_secrets
from slabridge.report.models import CreditSettings, Goal, validate_credits, validate_goals
from slabridge.sla.calendar import CalendarSpec, holiday_support, validate_timezone
from slabridge.sla.durations import DurationError, parse_duration
from slabridge.sla.policy import (
    BUILTIN_CALENDAR,
    DEFAULT_PAUSE_ON,
    MATCH_KEYS,
    TARGET_KEYS,
    CalendarChoice,
    MatchRule,
    MetricTarget,
    Policy,
    PolicySet,
    Settings,
    match_text,
)
from slabridge.sla.results import METRICS
from slabridge.sla.ticket import PRIORITIES, STATUSES, STOPPED_STATUSES
from slabridge.yaml_loader import SlabridgeLoader, YamlLimitError

DEFAULT_STATE = "sqlite:///slabridge.db"
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "version",
    "calendars",
    "settings",
    "policies",
    "state",
    "connectors",
    "actions",
    "goals",
    "credits",
    "customers",
    "alerts",
)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PAUSABLE: tuple[str, ...] = tuple(s for s in STATUSES if s not in STOPPED_STATUSES)
_ENV = re.compile(r"\$(\$(?=\{)|\{([A-Za-z_][A-Za-z0-9_]*)\})")  # `$${` writes `${`
_SHOWN_LENGTH = 60  # the longest value an error message quotes
_SECRET_SECTIONS = ("connectors", "state")  # where a ${ENV} value may be a credential
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_FRACTION = re.compile(r"^\s*\d*\.?\d+\s*$")


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the file: where (a key path) and what is wrong or would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(ValueError):
    """The config cannot be used; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass(frozen=True, slots=True)
class EscalateAction:
    """``actions.escalate_priority``."""

    on: str = "breach"
    to: str = "one_level_up"


@dataclass(frozen=True, slots=True)
class TagActions:
    """``actions.tags``: the tag names slabridge owns (``policy`` may hold ``{policy}``)."""

    breached: str | None = None
    at_risk: str | None = None
    policy: str | None = None

    def policy_tag(self, policy: str) -> str | None:
        return None if self.policy is None else self.policy.replace("{policy}", policy)


@dataclass(frozen=True, slots=True)
class Actions:
    """``actions:``: the tags, priority and fields slabridge owns on a ticket."""

    tags: TagActions = field(default_factory=TagActions)
    escalate_priority: EscalateAction | None = None
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AppConfig:
    """The whole file, validated; ``policy_set`` is what ``evaluate`` needs."""

    policy_set: PolicySet
    calendars: Mapping[str, CalendarSpec]
    settings: Settings
    state: str = DEFAULT_STATE
    connectors: Mapping[str, ConnectorConfig | dict[str, Any]] = field(default_factory=dict)
    actions: Actions = field(default_factory=Actions)
    goals: list[Goal] = field(default_factory=list)
    credits: CreditSettings = field(default_factory=CreditSettings)
    customers: CustomerDirectory = field(default_factory=CustomerDirectory)
    alerts: AlertsSettings = field(default_factory=lambda: AlertsSettings(channels={}))
    config_path: Path | None = None
    version: int = 1

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self.policy_set.policies


class _FromEnv(str):
    """A string that ``${ENV}`` substitution produced: never echoed in an error."""

    __slots__ = ()


def load_config(
    path: str | Path,
    *,
    connector_types: Mapping[str, type[Connector]] | None = None,
    environ: Mapping[str, str] | None = None,
    engine_only: bool = False,
    skip_connectors: bool = False,
) -> AppConfig:
    """Read and validate a policy file; raise ConfigError listing every problem.

    ``connector_types`` (type name -> class) validates each ``connectors:`` entry with its
    connector's ``config_model``; without it entries stay raw dicts. ``engine_only`` checks only
    what ``evaluate`` needs (version, calendars, settings, policies) and leaves ``state``,
    ``connectors`` and ``actions`` unread, so no connector secret has to be in the environment.
    """
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue("", f"config file {str(path)!r} not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        problem = type(error).__name__
        raise ConfigError([ConfigIssue("", f"cannot read {str(path)!r} ({problem})")]) from None
    return load_config_text(
        text,
        connector_types=connector_types,
        environ=environ,
        config_path=config_path,
        engine_only=engine_only,
        skip_connectors=skip_connectors,
    )


_Loader = SlabridgeLoader


def load_config_text(
    text: str,
    *,
    connector_types: Mapping[str, type[Connector]] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    engine_only: bool = False,
    skip_connectors: bool = False,
) -> AppConfig:
    """Validate YAML text (see :func:`load_config`)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
    except YamlLimitError as error:
        raise ConfigError([ConfigIssue(error.path, error.problem)]) from None
    except yaml.YAMLError as error:
        # Never str(error): PyYAML quotes the offending line, which may hold a secret.
        mark = getattr(error, "problem_mark", None)
        where = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError([ConfigIssue("", f"not valid YAML{where}: {problem}")]) from None
    if data is None:
        data = {}
    return load_config_data(
        data,
        connector_types=connector_types,
        environ=environ,
        config_path=config_path,
        engine_only=engine_only,
        skip_connectors=skip_connectors,
    )


def load_config_data(
    data: Any,
    *,
    connector_types: Mapping[str, type[Connector]] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    engine_only: bool = False,
    skip_connectors: bool = False,
) -> AppConfig:
    """Validate already-parsed data (a dict as :func:`load_config_text`'s YAML 1.2 reading gives:
    only ``true``/``false`` are booleans, so a key ``on`` must be the text ``"on"``)."""
    checker = _Checker(os.environ if environ is None else environ)
    config = checker.app(data, connector_types, config_path, engine_only, skip_connectors)
    # Registered even when the file is invalid: an error or a log line may still quote one.
    register_secrets(checker.secrets)
    if checker.issues or config is None:
        secrets = checker.secrets
        raise ConfigError(
            [ConfigIssue(i.path, _shorten(redact_text(i.message, secrets))) for i in checker.issues]
        )
    return config


def substitute_environment(
    value: Any, path: str, *, environ: Mapping[str, str] | None = None
) -> Any:
    """``${ENV}`` substitution of one raw section, as :func:`load_config` does it.

    Raises ConfigError naming ``path`` (e.g. ``alerts.channels.hook.secret``) for every unset
    variable; substituted strings are never echoed in later errors.
    """
    checker = _Checker(os.environ if environ is None else environ)
    result = checker.substitute(value, path)
    if checker.issues:
        raise ConfigError(checker.issues)
    return result


def load_policy_text(text: str, *, environ: Mapping[str, str] | None = None) -> PolicySet:
    """Just the engine part of a policy file (handy in tests and notebooks)."""
    return load_config_text(text, environ=environ).policy_set


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _key(raw: Any) -> str:
    # Booleans read as they compare in matching (the loader keeps on/off/yes/no as text).
    if raw is True:
        return "true"
    if raw is False:
        return "false"
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw)


_LONG_QUOTE = re.compile(rf"(['\"])([^'\"]{{{_SHOWN_LENGTH}}})[^'\"]{{20,}}\1")


def _shorten(message: str) -> str:
    """Cut every long quoted value in a message (a validator may quote a 20,000-character one)."""
    return _LONG_QUOTE.sub(lambda m: f"{m.group(1)}{m.group(2)}...{m.group(1)}", message)


def _text_keys(value: Any) -> Any:
    """``value`` with every mapping key as text (see :func:`_key`), at every depth."""
    if isinstance(value, dict):
        return {_key(key): _text_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_keys(item) for item in value]
    return value


def _show(value: Any) -> str:
    """Quote a value that cannot be a secret; one from ${ENV} is never shown."""
    if isinstance(value, _FromEnv):
        return "the value from the environment"
    shown = repr(value) if isinstance(value, str) else str(value)
    # A 20,000-character value would bury the message (and the other issues) under itself.
    return (
        shown if len(shown) <= _SHOWN_LENGTH else f"{shown[:_SHOWN_LENGTH]}... ({len(shown)} chars)"
    )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Checker:
    """Walks the raw data, collecting issues instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.issues: list[ConfigIssue] = []
        # Values that may be credentials: ${ENV} under connectors:/state:, SecretStr fields.
        self.secrets: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(path, message))

    # -- generic helpers ---------------------------------------------------------------------

    def substitute(self, value: Any, path: str) -> Any:
        """Replace ``${NAME}`` in every string; ``$${`` is a literal ``${`` (other ``$`` stay)."""
        if isinstance(value, str):
            if "$" not in value:
                return value
            missing: list[str] = []
            used = False

            def replace(found: re.Match[str]) -> str:
                nonlocal used
                if found.group(1) == "$":
                    return "$"
                name = found.group(2)
                used = True
                if name not in self.environ:
                    missing.append(name)
                    return ""
                if path.startswith(_SECRET_SECTIONS):
                    self.secrets.append(self.environ[name])
                return self.environ[name]

            result = _ENV.sub(replace, value)
            for name in missing:
                self.add(path, f"environment variable {name} is not set")
            return _FromEnv(result) if used else result
        if isinstance(value, dict):
            return {k: self.substitute(v, _join(path, _key(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(item, _join(path, i)) for i, item in enumerate(value)]
        return value

    def mapping(self, value: Any, path: str, what: str = "a mapping") -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"expected {what}, got {_kind(value)}")
            return None
        return {_key(k): v for k, v in value.items()}

    def known_keys(self, data: Mapping[str, Any], path: str, valid: tuple[str, ...]) -> None:
        for key in data:
            if key not in valid:
                self.add(_join(path, key), f"unknown key (valid: {', '.join(valid)})")

    def text(self, value: Any, path: str, what: str = "a string") -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.add(path, f"expected {what}, got {_kind(value)}")
        return None

    def choice(self, value: Any, path: str, allowed: tuple[str, ...], what: str) -> str | None:
        if isinstance(value, str) and value in allowed:
            return value
        shown = (
            f"{_show(value)} is not a {what}" if isinstance(value, str) else f"expected a {what}"
        )
        self.add(path, f"{shown} (valid: {', '.join(allowed)})")
        return None

    def duration(self, value: Any, path: str) -> int | None:
        try:
            return parse_duration(value)
        except DurationError as error:
            if isinstance(value, _FromEnv):
                self.add(path, "the value from the environment is not a duration (e.g. 4h)")
            else:
                self.add(path, str(error))
            return None

    # -- the file ------------------------------------------------------------------------------

    def app(
        self,
        raw: Any,
        connector_types: Mapping[str, type[Connector]] | None,
        config_path: Path | None,
        engine_only: bool = False,
        skip_connectors: bool = False,
    ) -> AppConfig | None:
        if not isinstance(raw, dict):
            self.add("", f"the config must be a mapping of sections, got {_kind(raw)}")
            return None
        data = self.mapping(raw, "") or {}
        self.known_keys(data, "", TOP_LEVEL_KEYS)
        engine_keys = ("version", "calendars", "settings", "policies")
        raw_connectors = data.get("connectors")
        data = {
            key: self.substitute(value, key)
            for key, value in data.items()
            if key in TOP_LEVEL_KEYS
            and (key in engine_keys or not engine_only)
            # Reports need no helpdesk token and no alert channel secret in the environment.
            and not (skip_connectors and key in ("connectors", "alerts"))
        }
        version = data.get("version", 1)
        if version not in (1, "1") or isinstance(version, bool):
            self.add("version", "must be 1 (the only version of the policy file so far)")
        calendars = self.calendars(data.get("calendars"))
        settings = self.settings(data.get("settings"))
        # Calendars with errors of their own still count as defined (their errors are reported).
        raw_calendars = data.get("calendars")
        defined = set(raw_calendars) if isinstance(raw_calendars, dict) else set(calendars)
        names = {_key(name) for name in defined} | {BUILTIN_CALENDAR}
        policies = self.policies(data.get("policies"), names)
        state = self.state(data.get("state", DEFAULT_STATE), config_path)
        if skip_connectors:
            # Reports never call a helpdesk: keep the instance names (actions.fields refers to
            # them) without reading the entries, so no helpdesk token has to be in the environment.
            instances = raw_connectors if isinstance(raw_connectors, dict) else {}
            connectors: dict[str, Any] = {_key(name): {} for name in instances}
            connector_types = None
        else:
            connectors = self.connectors(data.get("connectors"), connector_types)
        # Instances with errors of their own still count as defined (their errors are reported).
        raw_instances = data.get("connectors")
        instance_names = (
            {_key(name) for name in raw_instances}
            if isinstance(raw_instances, dict)
            else set(connectors)
        )
        actions = self.actions(
            data.get("actions"),
            connectors,
            connector_types,
            instance_names,
            [policy.name for policy in policies],
        )
        # goals: and credits: are validated by the reports' models (slabridge/report/models.py).
        # Keys as the file reads them (`7:` or `2026-01-01:` are not text to pydantic), so that a
        # problem under one is named by its key path, not by a list index or a repr.
        goals, goal_problems = validate_goals(_text_keys(data.get("goals")))
        credits, credit_problems = validate_credits(_text_keys(data.get("credits")))
        # customers: (one company across helpdesks) is validated in slabridge/customers.py.
        customers, customer_problems = validate_customers(
            data.get("customers"), instance_names if isinstance(raw_connectors, dict) else None
        )
        customer_problems += credit_key_problems(credits.customers, customers)
        # alerts: rules are validated by slabridge/alerts/settings.py.
        alerts, alert_problems = validate_alerts(data.get("alerts"), calendars=names)
        for problem_path, problem in (
            goal_problems + credit_problems + customer_problems + alert_problems
        ):
            self.add(problem_path, problem)
        if self.issues:
            return None
        return AppConfig(
            policy_set=PolicySet(policies, calendars, settings),
            calendars=calendars,
            settings=settings,
            state=state,
            connectors=connectors,
            actions=actions,
            goals=goals,
            credits=credits,
            customers=customers,
            alerts=alerts,
            config_path=config_path,
        )

    # -- calendars -----------------------------------------------------------------------------

    def calendars(self, raw: Any) -> dict[str, CalendarSpec]:
        data = self.mapping(raw, "calendars", "a mapping of calendar names")
        out: dict[str, CalendarSpec] = {}
        for name, body in (data or {}).items():
            spec = self.calendar(name, body, f"calendars.{name}")
            if spec is not None:
                out[name] = spec
        return out

    def calendar(self, name: str, raw: Any, path: str) -> CalendarSpec | None:
        data = self.mapping(raw, path)
        if data is None:
            return None
        self.known_keys(data, path, ("timezone", "hours", "holidays"))
        ok = True
        hours = data.get("hours")
        always = isinstance(hours, str) and hours.strip().lower() in ("24x7", "24/7")
        timezone = data.get("timezone")
        if timezone is None and always and "holidays" not in data:
            timezone = "UTC"  # a 24x7 calendar without holidays is the same in every zone
        if timezone is None:
            self.add(_join(path, "timezone"), "required (an IANA name such as Europe/Berlin)")
            ok = False
        elif not isinstance(timezone, str) or not validate_timezone(timezone):
            self.add(
                _join(path, "timezone"),
                f"{_show(timezone)} is not an IANA time zone (e.g. Europe/Berlin, UTC)",
            )
            ok = False
        weekly: dict[int, tuple[tuple[int, int], ...]] = {}
        if hours is None:
            self.add(_join(path, "hours"), "required (e.g. {mon-fri: '09:00-17:00'} or 24x7)")
            ok = False
        elif not always:
            parsed = self.weekly(hours, _join(path, "hours"))
            if parsed is None:
                ok = False
            else:
                weekly = parsed
                if not any(weekly.values()):
                    self.add(_join(path, "hours"), "the calendar is never open")
                    ok = False
        country: str | None = None
        subdivision: str | None = None
        closed: frozenset[date] = frozenset()
        special: dict[date, tuple[tuple[int, int], ...]] = {}
        if "holidays" in data:
            found = self.holidays(data["holidays"], _join(path, "holidays"))
            if found is None:
                ok = False
            else:
                country, subdivision, closed, special = found
        if not ok or not isinstance(timezone, str):
            return None
        return CalendarSpec(
            name=name,
            timezone=timezone,
            weekly=weekly,
            always=always,
            holiday_country=country,
            holiday_subdivision=subdivision,
            closed_dates=closed,
            special_hours=special,
        )

    def weekly(self, raw: Any, path: str) -> dict[int, tuple[tuple[int, int], ...]] | None:
        if isinstance(raw, str):
            self.add(path, f"{_show(raw)} is not a week of hours (use 24x7 or a mapping of days)")
            return None
        data = self.mapping(raw, path, "24x7 or a mapping like {mon-fri: '09:00-17:00'}")
        if data is None:
            return None
        out: dict[int, tuple[tuple[int, int], ...]] = {}
        ok = True
        for key, value in data.items():
            where = _join(path, key)
            days = self.days(key, where)
            ranges = self.ranges(value, where)
            if days is None or ranges is None:
                ok = False
                continue
            for day in days:
                if day in out:
                    self.add(where, f"{WEEKDAYS[day]} is given more than once")
                    ok = False
                out[day] = ranges
        return out if ok else None

    def days(self, key: str, path: str) -> list[int] | None:
        days: list[int] = []
        for part in key.lower().replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
                self.add(
                    path,
                    f"{key!r} is not a day or day range (use mon..sun, e.g. mon-fri, sat, sat,sun)",
                )
                return None
            a = WEEKDAYS.index(first)
            b = WEEKDAYS.index(last) if dash else a
            day = a
            days.append(day)
            while day != b:  # a range may wrap around the week: fri-mon
                day = (day + 1) % 7
                days.append(day)
        return days

    def ranges(self, raw: Any, path: str) -> tuple[tuple[int, int], ...] | None:
        if isinstance(raw, str) and raw.strip().lower() == "closed":
            return ()
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            self.add(path, "expected 'HH:MM-HH:MM', a list of them, or closed")
            return None
        parsed: list[tuple[int, int, str]] = []
        ok = True
        for item in items:
            found = _RANGE.match(item)
            if found is None:
                self.add(
                    path, f"{_show(item)} is not a time range (use HH:MM-HH:MM, e.g. 09:00-17:00)"
                )
                ok = False
                continue
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
                self.add(path, f"{_show(item)} has a time that does not exist (00:00 to 24:00)")
                ok = False
                continue
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if end <= start:
                self.add(
                    path,
                    f"{_show(item)} runs backwards (end must be after start; split a night "
                    "shift over two days, e.g. 22:00-24:00 and 00:00-06:00)",
                )
                ok = False
                continue
            parsed.append((start, end, item.strip()))
        parsed.sort()
        merged: list[tuple[int, int]] = []
        for index, (start, end, label) in enumerate(parsed):
            if index and start < parsed[index - 1][1]:
                self.add(path, f"{label!r} overlaps {parsed[index - 1][2]!r}")
                ok = False
                continue
            if merged and merged[-1][1] == start:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return tuple(merged) if ok else None

    def a_date(self, raw: Any, path: str) -> date | None:
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                pass
        self.add(path, f"{_show(raw)} is not a date (use YYYY-MM-DD)")
        return None

    def holidays(
        self, raw: Any, path: str
    ) -> (
        tuple[str | None, str | None, frozenset[date], dict[date, tuple[tuple[int, int], ...]]]
        | None
    ):
        data = self.mapping(raw, path)
        if data is None:
            return None
        self.known_keys(data, path, ("country", "subdivision", "dates", "hours"))
        ok = True
        country = data.get("country")
        if isinstance(country, str):
            country = country.strip().upper()  # ISO 3166 codes; `de` means DE
        subdivision = data.get("subdivision")
        if country is not None and not isinstance(country, str):
            self.add(_join(path, "country"), "expected a country code such as DE")
            ok, country = False, None
        if isinstance(subdivision, bool) or not isinstance(subdivision, str | int | None):
            self.add(_join(path, "subdivision"), "expected a subdivision code such as BE or NY")
            ok, subdivision = False, None
        elif subdivision is not None and not isinstance(subdivision, str):
            subdivision = str(subdivision)  # numeric codes, e.g. 75 for Paris
        if subdivision is not None and country is None and ok:
            self.add(_join(path, "subdivision"), "needs holidays.country as well")
            ok = False
        if isinstance(country, str):
            problem = holiday_support(country, subdivision)
            if problem is not None:
                where = "subdivision" if "subdivision" in problem else "country"
                if isinstance(data.get(where), _FromEnv):
                    problem = f"the value from the environment is not a supported {where}"
                self.add(_join(path, where), problem)
                ok = False
        closed: set[date] = set()
        raw_dates = data.get("dates") or []
        if not isinstance(raw_dates, list):
            self.add(_join(path, "dates"), "expected a list of dates (YYYY-MM-DD)")
            ok = False
            raw_dates = []
        for index, item in enumerate(raw_dates):
            day = self.a_date(item, _join(_join(path, "dates"), index))
            if day is None:
                ok = False
            else:
                closed.add(day)
        special: dict[date, tuple[tuple[int, int], ...]] = {}
        hours = self.mapping(data.get("hours"), _join(path, "hours"), "a mapping of dates to hours")
        if hours is None:
            ok = False
        for key, value in (hours or {}).items():
            where = _join(_join(path, "hours"), key)
            day = self.a_date(key, where)
            ranges = self.ranges(value, where)
            if day is None or ranges is None:
                ok = False
                continue
            if day in closed:
                self.add(
                    where,
                    "also under holidays.dates; a day is either closed or has special hours",
                )
                ok = False
            special[day] = ranges
        if not ok:
            return None
        return country, subdivision, frozenset(closed), special

    # -- settings ------------------------------------------------------------------------------

    def settings(self, raw: Any) -> Settings:
        data = self.mapping(raw, "settings") or {}
        self.known_keys(data, "settings", ("warn_at", "warn_before", "default_priority", "reopen"))
        warn_at: float | None = 0.75 if "warn_before" not in data else None
        if "warn_at" in data:
            warn_at = self.share(data["warn_at"], "settings.warn_at")
        warn_before = None
        if data.get("warn_before") is not None:
            warn_before = self.duration(data["warn_before"], "settings.warn_before")
        default_priority = "normal"
        if "default_priority" in data:
            default_priority = (
                self.choice(
                    data["default_priority"], "settings.default_priority", PRIORITIES, "priority"
                )
                or "normal"
            )
        reopen = "resume"
        if "reopen" in data:
            reopen = (
                self.choice(
                    data["reopen"], "settings.reopen", ("resume", "new_cycle"), "reopen mode"
                )
                or "resume"
            )
        return Settings(warn_at, warn_before, default_priority, reopen)

    def share(self, raw: Any, path: str) -> float | None:
        if raw is None:
            return None
        value: float | None = None
        if isinstance(raw, str):
            found = _PERCENT.match(raw)
            if found:
                value = float(found.group(1)) / 100
            elif _FRACTION.match(raw):  # e.g. "0.8" from ${ENV}
                value = float(raw)
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw) if raw <= 1 else None
        if value is None or not 0 < value <= 1:
            self.add(path, f"{_show(raw)} is not a share of the target (try 75% or 0.75)")
            return None
        return value

    # -- policies ------------------------------------------------------------------------------

    def policies(self, raw: Any, calendars: set[str]) -> list[Policy]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add("policies", f"expected a list of policies, got {_kind(raw)}")
            return []
        out: list[Policy] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            policy = self.policy(item, f"policies[{index}]", calendars)
            if policy is None:
                continue
            if policy.name in seen:
                self.add(
                    f"policies[{index}].name", f"{_show(policy.name)} is used by an earlier policy"
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
        name = self.text(data.get("name"), _join(path, "name"), "a policy name")
        rules = self.match(data.get("match"), _join(path, "match"))
        choice = CalendarChoice(BUILTIN_CALENDAR)
        if data.get("calendar") is not None:
            choice = (
                self.calendar_choice(data["calendar"], _join(path, "calendar"), calendars) or choice
            )
        targets = self.targets(data.get("targets"), _join(path, "targets"), calendars)
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
                    flat[f"{key}.{_key(sub)}"] = inner  # {fields: {region: emea}} = fields.region
            else:
                flat[key] = value
        rules: list[MatchRule] = []
        for key, value in flat.items():
            where = _join(path, key)
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
                    self.add(where, f"{_show(bad[0])} is not a priority (valid: {valid})")
                    continue
            rules.append(MatchRule(key, values))
        return tuple(rules)

    def calendar_choice(self, raw: Any, path: str, calendars: set[str]) -> CalendarChoice | None:
        valid = ", ".join(sorted(calendars))
        if isinstance(raw, str):
            if raw not in calendars:
                self.add(path, f"unknown calendar {_show(raw)} (defined: {valid})")
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
                _join(path, "by"), "required: a dotted path into the ticket, e.g. customer.region"
            )
            ok = False
        default = data.get("default")
        if default is None:
            self.add(
                _join(path, "default"), "required: the calendar for tickets the map does not cover"
            )
            ok = False
        elif not isinstance(default, str) or default not in calendars:
            self.add(
                _join(path, "default"), f"unknown calendar {_show(default)} (defined: {valid})"
            )
            ok = False
        mapping: dict[str, str] = {}
        table = self.mapping(data.get("map"), _join(path, "map"))
        if table is None:
            ok = False
        for key, value in (table or {}).items():
            if not isinstance(value, str) or value not in calendars:
                self.add(
                    _join(_join(path, "map"), key),
                    f"unknown calendar {_show(value)} (defined: {valid})",
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
            where = _join(path, priority)
            if priority not in TARGET_KEYS:
                self.add(where, f"not a priority (valid: {', '.join(TARGET_KEYS)})")
                continue
            metrics = self.mapping(block, where, "a mapping of metrics to targets")
            out[priority] = {}
            for metric, spec in (metrics or {}).items():
                target = self.target(metric, spec, _join(where, metric), calendars)
                if target is not None:
                    out[priority][metric] = target
        return out

    def target(
        self, metric: str, raw: Any, path: str, calendars: set[str], plain: bool = False
    ) -> MetricTarget | None:
        if metric not in METRICS:
            self.add(path, f"{metric!r} is not a metric (valid: {', '.join(METRICS)})")
            return None
        if metric == OLA_METRIC and not plain:  # targets by group (slabridge/ola_config.py)
            return group_ownership_target(self, raw, path, calendars)
        pause_on = DEFAULT_PAUSE_ON[metric]
        if not isinstance(raw, dict):
            seconds = self.duration(raw, path)
            return None if seconds is None else MetricTarget(metric, seconds, None, pause_on)
        data = self.mapping(raw, path) or {}
        self.known_keys(data, path, ("within", "calendar", "pause_on"))
        ok = True
        seconds = None
        if "within" not in data:
            self.add(_join(path, "within"), "required: the target as a duration, e.g. 4h")
            ok = False
        else:
            seconds = self.duration(data["within"], _join(path, "within"))
        choice = None
        if data.get("calendar") is not None:
            choice = self.calendar_choice(data["calendar"], _join(path, "calendar"), calendars)
            ok = ok and choice is not None
        if "pause_on" in data:
            statuses = data["pause_on"]
            items = (
                [] if statuses is None else ([statuses] if isinstance(statuses, str) else statuses)
            )
            if not isinstance(items, list):
                self.add(_join(path, "pause_on"), "expected a list of statuses")
                ok = False
                items = []
            found: set[str] = set()
            for index, status in enumerate(items):
                # A single status written as text is named by its key, not as item [0].
                where = _join(path, "pause_on")
                if not isinstance(statuses, str):
                    where = _join(where, index)
                if not isinstance(status, str):
                    self.add(where, f"expected a status (valid: {', '.join(PAUSABLE)})")
                    ok = False
                elif status in STOPPED_STATUSES:
                    self.add(
                        where,
                        f"{status!r} stops the clock, not a pause (use {'/'.join(PAUSABLE)})",
                    )
                    ok = False
                elif self.choice(status, where, PAUSABLE, "status to pause on") is None:
                    ok = False
                else:
                    found.add(status)
            pause_on = frozenset(found)
        if not ok or seconds is None:
            return None
        return MetricTarget(metric, seconds, choice, pause_on)

    # -- state, connectors, actions (the sync part, POLICY.md §5) ------------------------------

    def state(self, raw: Any, config_path: Path | None) -> str:
        if not isinstance(raw, str) or not raw.strip():
            self.add("state", "expected a database URL such as sqlite:///slabridge.db")
            return DEFAULT_STATE
        url = raw.strip()
        scheme = url.split("://", 1)[0] if "://" in url else ""
        base = scheme.split("+", 1)[0]
        if base not in ("sqlite", "postgresql", "postgres"):
            self.add("state", "expected sqlite:///PATH or postgresql://USER@HOST/DB")
            return DEFAULT_STATE
        problem = _url_problem(url)
        if problem is not None:
            # The URL itself is never echoed: it may hold the database password.
            self.add("state", f"not a valid database URL: {problem}")
            return DEFAULT_STATE
        self.secrets.extend(_url_password(url))
        if (
            base == "sqlite"
            and url.startswith(f"{scheme}:///")
            and not url.startswith(f"{scheme}:////")
        ):
            relative = url[len(scheme) + 4 :]
            if relative and relative != ":memory:" and config_path is not None:
                folder = config_path.resolve().parent
                url = f"{scheme}:///{folder / relative}"
        return url

    def connectors(
        self, raw: Any, connector_types: Mapping[str, type[Connector]] | None
    ) -> dict[str, ConnectorConfig | dict[str, Any]]:
        data = self.mapping(raw, "connectors", "a mapping of connector instances")
        out: dict[str, ConnectorConfig | dict[str, Any]] = {}
        for instance, body in (data or {}).items():
            path = _join("connectors", instance)
            entry = self.mapping(body, path)
            if entry is None:
                continue
            kind = entry.get("type")
            if not isinstance(kind, str) or not kind:
                self.add(_join(path, "type"), "required: the connector type, e.g. zendesk")
                continue
            if connector_types is None:
                out[instance] = entry
                continue
            connector = connector_types.get(kind)
            if connector is None:
                installed = ", ".join(sorted(connector_types)) or "none installed"
                self.add(_join(path, "type"), f"unknown connector type (installed: {installed})")
                continue
            model = connector.config_model
            try:
                validated = model.model_validate(entry)
                self.secrets.extend(validated.secrets())
                out[instance] = validated
            except ValidationError as error:
                for issue in _pydantic_issues(error, model, path):
                    self.issues.append(issue)
        return out

    def policy_tags_without_spaces(
        self, where: str, template: str, policy_names: Sequence[str]
    ) -> None:
        """Each policy name must expand ``template`` into a tag without a space."""
        for policy in policy_names:
            if not any(c.isspace() for c in policy):
                continue
            # Values from ${ENV} are never shown (they could be secrets).
            shown = "a policy name from the environment"
            if not isinstance(policy, _FromEnv):
                shown = f"policy {policy!r}"
                if not isinstance(template, _FromEnv):
                    shown += f" (tag {template.replace('{policy}', policy)!r})"
            self.add(
                where,
                f"{shown} would give a tag with a space (helpdesks split or refuse such tags; "
                "rename the policy)",
            )

    def tags_the_helpdesk_accepts(
        self,
        connector: type[Connector],
        who: str,
        names: Mapping[str, str | None],
        policy_names: Sequence[str],
    ) -> None:
        """Every tag slabridge would write must be one the connector's helpdesk accepts
        (``Connector.tag_problem``), the tags ``actions.tags.policy`` makes from policy names too.
        """
        for key, template in names.items():
            if template is None:
                continue
            where = _join("actions.tags", key)
            hidden = isinstance(template, _FromEnv)
            tags: list[tuple[str, str | None]] = [(str(template), None)]
            if key == "policy" and "{policy}" in template:
                tags = [(template.replace("{policy}", name), name) for name in policy_names]
            for tag, policy in tags:
                problem = connector.tag_problem(tag)
                if problem is None:
                    continue
                # Values from ${ENV} are never shown (they could be secrets).
                if policy is not None and isinstance(policy, _FromEnv):
                    shown = "the tag of a policy name from the environment"
                elif policy is not None:
                    shown = f"the tag of policy {policy!r}" + ("" if hidden else f" ({tag!r})")
                else:
                    shown = "the tag" if hidden else f"tag {tag!r}"
                self.add(where, f"{shown} cannot be written by {who}: {problem}")

    def actions(
        self,
        raw: Any,
        connectors: Mapping[str, ConnectorConfig | dict[str, Any]],
        connector_types: Mapping[str, type[Connector]] | None,
        instance_names: set[str] | None = None,
        policy_names: Sequence[str] = (),
    ) -> Actions:
        data = self.mapping(raw, "actions") or {}
        defined_instances = set(connectors) if instance_names is None else instance_names
        self.known_keys(data, "actions", ("tags", "escalate_priority", "fields"))
        tags = self.mapping(data.get("tags"), "actions.tags") or {}
        self.known_keys(tags, "actions.tags", ("breached", "at_risk", "policy"))
        names: dict[str, str | None] = {}
        for key in ("breached", "at_risk", "policy"):
            value = tags.get(key)
            if value is None:
                names[key] = None
                continue
            where = _join("actions.tags", key)
            if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value):
                self.add(where, "expected a tag: text without spaces")
                names[key] = None
                continue
            leftover = value.replace("{policy}", "")
            if "{" in leftover or "}" in leftover:
                self.add(where, "the only placeholder a tag may hold is {policy}")
            elif key == "policy" and "{policy}" in value:
                self.policy_tags_without_spaces(where, value, policy_names)
            names[key] = value
        escalate = None
        if data.get("escalate_priority") is not None:
            esc = self.mapping(data["escalate_priority"], "actions.escalate_priority") or {}
            self.known_keys(esc, "actions.escalate_priority", ("on", "to"))
            on = self.choice(
                esc.get("on", "breach"),
                "actions.escalate_priority.on",
                ("breach", "at_risk"),
                "trigger",
            )
            to = self.choice(
                esc.get("to", "one_level_up"),
                "actions.escalate_priority.to",
                ("one_level_up", *PRIORITIES),
                "priority",
            )
            escalate = EscalateAction(on or "breach", to or "one_level_up")
        fields: dict[str, dict[str, str]] = {}
        table = (
            self.mapping(data.get("fields"), "actions.fields", "a mapping of connector instances")
            or {}
        )
        for instance, body in table.items():
            where = _join("actions.fields", instance)
            if instance not in defined_instances:
                defined = ", ".join(sorted(defined_instances)) or "none"
                self.add(where, f"unknown connector instance (defined under connectors: {defined})")
                continue
            entry = self.mapping(body, where) or {}
            self.known_keys(entry, where, ("due_at", "breached"))
            fields[instance] = {}
            for key, value in entry.items():
                if value is None or isinstance(value, dict | list | bool):
                    self.add(
                        _join(where, key), "expected the helpdesk's field key (an id or a name)"
                    )
                else:
                    fields[instance][key] = str(value)
            own = fields[instance]
            if "due_at" in own and own.get("breached") == own["due_at"]:
                self.add(
                    _join(where, "breached"),
                    "the same field as due_at: each needs a field of its own "
                    "(they would overwrite each other on every sync)",
                )
        if connector_types is not None:
            for instance, config in connectors.items():
                kind = (
                    config.type if isinstance(config, ConnectorConfig) else str(config.get("type"))
                )
                connector = connector_types.get(kind)
                if connector is None:
                    continue
                can = connector.capabilities
                who = f"connector {instance!r} ({kind}) cannot write"
                if any(names.values()) and not can.tags:
                    self.add("actions.tags", f"{who} tags")
                elif any(names.values()):
                    self.tags_the_helpdesk_accepts(
                        connector, f"connector {instance!r} ({kind})", names, policy_names
                    )
                if escalate is not None and not can.priority:
                    self.add("actions.escalate_priority", f"{who} priorities")
                if instance in fields and not can.fields:
                    self.add(_join("actions.fields", instance), f"{who} fields")
                for key, field_key in fields.get(instance, {}).items():
                    problem = connector.field_key_problem(field_key)
                    if problem is not None:
                        where = _join(_join("actions.fields", instance), key)
                        self.add(where, f"not a field {kind} can write: {problem}")
        tag_actions = TagActions(names["breached"], names["at_risk"], names["policy"])
        return Actions(tag_actions, escalate, fields)


_PYDANTIC_MESSAGES: Mapping[str, str] = {
    "missing": "required",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "url_parsing": "not a valid URL",
    "url_scheme": "URL scheme not allowed",
    "string_too_short": "must not be empty",
}


def _url_problem(url: str) -> str | None:
    """Why SQLAlchemy cannot parse ``url`` (without quoting it), or None when it can."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ValueError:
        return "the port after host: must be a number (e.g. postgresql://USER@HOST:5432/DB)"
    except ArgumentError:
        return "expected sqlite:///PATH or postgresql://USER@HOST/DB"
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"the port must be between 1 and 65535, not {parsed.port}"
    return None


def _url_password(url: str) -> list[str]:
    """The database password of a URL that :func:`_url_problem` accepted (to redact it)."""
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    return [str(password)] if password else []


def _pydantic_issues(
    error: ValidationError, model: type[BaseModel], path: str
) -> list[ConfigIssue]:
    """pydantic errors as key-path issues, without ever echoing the input."""
    issues: list[ConfigIssue] = []
    for item in error.errors(include_input=True, include_url=False):
        where = path
        for part in item["loc"]:
            where = _join(where, part if isinstance(part, int) else str(part))
        kind = item["type"]
        if kind == "extra_forbidden":
            valid = ", ".join(name for name in model.model_fields if name != "type")
            message = (
                f"unknown key (valid: type, {valid})" if len(item["loc"]) == 1 else "unknown key"
            )
        elif kind in _PYDANTIC_MESSAGES:
            message = _PYDANTIC_MESSAGES[kind]
        else:
            text = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
            message = _scrub(text, item.get("input"))
        issues.append(ConfigIssue(where, message))
    return issues


def _scrub(message: str, value: Any) -> str:
    """Drop the input from a validator's message, in case it quoted it.

    Only inputs long or unusual enough to be secrets are replaced (``redaction.worth_redacting``):
    an ``email: one`` must not turn "give exactly one of" into "give exactly *** of".
    """
    texts: list[str] = []
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        texts.append(str(value))
    elif isinstance(value, dict):
        # A model-level validator sees the whole entry; its `type` names a connector, not a secret.
        texts.extend(str(v) for k, v in value.items() if k != "type" and isinstance(v, str | int))
    return redact_text(message, texts)


__all__ = [
    "DEFAULT_STATE",
    "TOP_LEVEL_KEYS",
    "Actions",
    "AppConfig",
    "ConfigError",
    "ConfigIssue",
    "EscalateAction",
    "TagActions",
    "load_config",
    "load_config_data",
    "load_config_text",
    "load_policy_text",
    "substitute_environment",
]
