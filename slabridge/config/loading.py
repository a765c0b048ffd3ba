"""Reading a config file: YAML, ``${ENV}``, every section checked, one :class:`ConfigError`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from slabridge.alerts.settings import validate_alerts
from slabridge.config.actions import ActionChecks
from slabridge.config.calendars import CalendarChecks
from slabridge.config.checking import key_text, keys_as_text, kind_of, shorten_quotes
from slabridge.config.connectors import ConnectorChecks
from slabridge.config.environment import EnvironmentChecks
from slabridge.config.errors import ConfigError, ConfigIssue
from slabridge.config.model import DEFAULT_STATE, TOP_LEVEL_KEYS, AppConfig
from slabridge.config.policies import PolicyChecks
from slabridge.config.serve import serve_section_issues
from slabridge.config.settings import SettingsChecks
from slabridge.config.state import StateChecks
from slabridge.connectors.base import Connector
from slabridge.customers import credit_key_problems, validate_customers
from slabridge.redaction import redact_text, register_secrets
from slabridge.sections.credits import validate_credits
from slabridge.sections.goals import validate_goals
from slabridge.sla.policy import BUILTIN_CALENDAR, PolicySet
from slabridge.yaml_loader import SlabridgeLoader, YamlLimitError


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
_ABSENT = object()  # a section not in the file (``serve:`` with nothing under it is None)


def _types(raw_connectors: Any) -> dict[str, str | None]:
    """Each connector instance's ``type`` as written, None where it is not a name."""
    if not isinstance(raw_connectors, dict):
        return {}
    found: dict[str, str | None] = {}
    for name, entry in raw_connectors.items():
        kind = entry.get("type") if isinstance(entry, dict) else None
        found[key_text(name)] = kind if isinstance(kind, str) else None
    return found


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
    checker = ConfigChecker(os.environ if environ is None else environ)
    config = checker.app(data, connector_types, config_path, engine_only, skip_connectors)
    # Registered even when the file is invalid: an error or a log line may still quote one.
    register_secrets(checker.secrets)
    if checker.issues or config is None:
        secrets = checker.secrets
        raise ConfigError(
            [
                ConfigIssue(i.path, shorten_quotes(redact_text(i.message, secrets)))
                for i in checker.issues
            ]
        )
    return config


def load_policy_text(text: str, *, environ: Mapping[str, str] | None = None) -> PolicySet:
    """Just the engine part of a policy file (handy in tests and notebooks)."""
    return load_config_text(text, environ=environ).policy_set


class ConfigChecker(
    EnvironmentChecks,
    CalendarChecks,
    SettingsChecks,
    PolicyChecks,
    StateChecks,
    ConnectorChecks,
    ActionChecks,
):
    """Walks the raw data, collecting issues instead of stopping at the first."""

    def app(
        self,
        raw: Any,
        connector_types: Mapping[str, type[Connector]] | None,
        config_path: Path | None,
        engine_only: bool = False,
        skip_connectors: bool = False,
    ) -> AppConfig | None:
        if not isinstance(raw, dict):
            self.add("", f"the config must be a mapping of sections, got {kind_of(raw)}")
            return None
        data = self.mapping(raw, "") or {}
        self.known_keys(data, "", TOP_LEVEL_KEYS)
        engine_keys = ("version", "calendars", "settings", "policies")
        raw_connectors = data.get("connectors")
        raw_serve = data.get("serve", _ABSENT)
        data = {
            key: self.substitute(value, key)
            for key, value in data.items()
            if key in TOP_LEVEL_KEYS
            # serve: has its own secrets; only `slabridge serve` needs them in the environment.
            and key != "serve"
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
        names = {key_text(name) for name in defined} | {BUILTIN_CALENDAR}
        policies = self.policies(data.get("policies"), names)
        state = self.state(data.get("state", DEFAULT_STATE), config_path)
        if skip_connectors:
            # Reports never call a helpdesk: keep the instance names (actions.fields refers to
            # them) without reading the entries, so no helpdesk token has to be in the environment.
            instances = raw_connectors if isinstance(raw_connectors, dict) else {}
            connectors: dict[str, Any] = {key_text(name): {} for name in instances}
            connector_types = None
        else:
            connectors = self.connectors(data.get("connectors"), connector_types)
        # Instances with errors of their own still count as defined (their errors are reported).
        raw_instances = data.get("connectors")
        instance_names = (
            {key_text(name) for name in raw_instances}
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
        # goals: and credits: are validated by their models (slabridge/sections/).
        # Keys as the file reads them (`7:` or `2026-01-01:` are not text to pydantic), so that a
        # problem under one is named by its key path, not by a list index or a repr.
        goals, goal_problems = validate_goals(keys_as_text(data.get("goals")))
        credits, credit_problems = validate_credits(keys_as_text(data.get("credits")))
        # customers: (one company across helpdesks) is validated in slabridge/customers.py.
        customers, customer_problems = validate_customers(
            data.get("customers"), instance_names if isinstance(raw_connectors, dict) else None
        )
        customer_problems += credit_key_problems(credits.customers, customers)
        # alerts: rules are validated by slabridge/alerts/settings.py.
        alerts, alert_problems = validate_alerts(
            data.get("alerts"), calendars=names, goals=[goal.label for goal in goals]
        )
        for problem_path, problem in (
            goal_problems + credit_problems + customer_problems + alert_problems
        ):
            self.add(problem_path, problem)
        if raw_serve is not _ABSENT and not engine_only:
            # Its shape only, ${ENV} unread (decision 93): `serve` and `check` read the variables.
            for issue in serve_section_issues(keys_as_text(raw_serve), _types(raw_connectors)):
                self.add(issue.path, issue.message)
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
