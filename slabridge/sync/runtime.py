"""From a config file to a ready sync: connectors, write-back settings, store, one run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import BaseModel, SecretStr

from slabridge.connectors.base import Connector
from slabridge.errors import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK, InputError
from slabridge.logs import register_secrets
from slabridge.sla.results import Evaluation
from slabridge.sla.ticket import Ticket
from slabridge.sync.plan import WriteBackSettings
from slabridge.sync.schema import utcnow
from slabridge.sync.store import DEFAULT_STATE, StateStore, StateStoreError, open_store
from slabridge.sync.summary import PlannedWrite, RunSummary
from slabridge.sync.syncer import LockHeldError, SyncedElsewhere, Syncer

if TYPE_CHECKING:
    from slabridge.alerts.message import AlertMessage
    from slabridge.alerts.rules import AlertRules

log = structlog.get_logger("slabridge.sync")


class SetupError(InputError):
    """The config cannot drive a sync (exit status 2); the message says what to fix."""


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def settings_from_config(config: Any) -> dict[str, WriteBackSettings]:
    """``actions:`` of the config as write-back settings per connector instance."""
    actions = _get(config, "actions")
    tags = _get(actions, "tags")
    escalate = _get(actions, "escalate_priority")
    fields = _get(actions, "fields") or {}
    default_priority = _get(_get(config, "settings"), "default_priority", "normal") or "normal"
    policy_names = frozenset(str(_get(policy, "name")) for policy in _get(config, "policies") or ())
    result: dict[str, WriteBackSettings] = {}
    for instance in _get(config, "connectors") or {}:
        own = _get(fields, instance)
        due_at = _get(own, "due_at")
        breached = _get(own, "breached")
        escalate_on = _get(escalate, "on")
        result[instance] = WriteBackSettings(
            breached_tag=_get(tags, "breached"),
            at_risk_tag=_get(tags, "at_risk"),
            policy_tag=_get(tags, "policy"),
            escalate_on=escalate_on if escalate is not None else None,
            escalate_to=_get(escalate, "to", "one_level_up") if escalate is not None else None,
            due_at_field=None if due_at is None else str(due_at),
            breached_field=None if breached is None else str(breached),
            default_priority=str(default_priority),
            policy_names=policy_names,
        )
    return result


def secrets_in(value: Any) -> Iterator[str]:
    """Every SecretStr value inside a config model (to redact from every log line)."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for item in value.__dict__.values():
            yield from secrets_in(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from secrets_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from secrets_in(item)


@dataclass(slots=True)
class Runtime:
    """Everything a sync needs, built from the config file."""

    config: Any
    store: StateStore
    connectors: dict[str, Connector]
    settings: dict[str, WriteBackSettings]
    evaluate: Callable[[Ticket, datetime], Evaluation]
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        for connector in self.connectors.values():
            connector.close()
        self.store.close()


def state_url(config: Any) -> tuple[str, Path | None]:
    url = _get(config, "state") or DEFAULT_STATE
    if isinstance(url, SecretStr):
        url = url.get_secret_value()
    path = _get(config, "config_path")
    base = Path(path).resolve().parent if path else None
    return str(url), base


def build_runtime(
    config_path: str | Path,
    selected: Sequence[str] = (),
    *,
    dry_run: bool = False,
) -> Runtime:
    """Load the config, create the selected connectors (all when none) and open the store."""
    from slabridge.config import ConfigError, load_config
    from slabridge.plugins import PluginError, connector_types
    from slabridge.sla.evaluate import evaluate

    try:
        types = connector_types()
        config = load_config(Path(config_path), connector_types=types)
    except (ConfigError, PluginError, OSError) as error:
        raise SetupError(str(error)) from None
    register_secrets(secrets_in(_get(config, "connectors")))
    url, base = state_url(config)
    register_secrets(_url_password(url))
    configured: Mapping[str, Any] = _get(config, "connectors") or {}
    unknown = [name for name in selected if name not in configured]
    if unknown:
        raise SetupError(
            f"--connector {unknown[0]!r}: no such connector in {config_path} "
            f"(configured: {', '.join(configured) or 'none'})"
        )
    if not configured:
        raise SetupError(f"{config_path}: connectors: nothing to sync (add a connector entry)")
    store = _open_for(url, base, dry_run=dry_run)
    connectors: dict[str, Connector] = {}
    for name in selected or list(configured):
        entry = configured[name]
        cls = types.get(_get(entry, "type"))
        if cls is None:
            raise SetupError(f"connectors.{name}.type: {_get(entry, 'type')!r} is not installed")
        connectors[name] = cls(name, entry)
        # Before any API call: a rotating refresh token must be read from the store and saved back.
        connectors[name].attach_state_store(store)

    def evaluator(ticket: Ticket, now: datetime) -> Evaluation:
        return evaluate(ticket, config, now)

    runtime = Runtime(config, store, connectors, settings_from_config(config), evaluator)
    try:
        runtime.extra["alert_channels"] = _alert_channels(config)
    except SetupError:
        runtime.close()  # nothing leaks when a channel is misconfigured
        raise
    return runtime


def _alert_channels(config: Any) -> dict[str, Any]:
    """The notifiers of ``alerts.channels`` (built only when some rule can use them)."""
    from slabridge.alerts.notifiers.registry import build_channels
    from slabridge.config import ConfigError

    alerts = _get(config, "alerts")
    if alerts is None or not alerts.rules or not alerts.channels:
        return {}
    from slabridge.plugins import PluginError

    try:
        return dict(build_channels(alerts.channels))
    except (ConfigError, PluginError) as error:  # e.g. two plugins claim one channel type
        raise SetupError(str(error)) from None


def _url_password(url: str) -> list[str]:
    try:
        import sqlalchemy as sa

        password = sa.engine.make_url(url).password
    except Exception:
        return []
    return [str(password)] if password else []


def _open_for(url: str, base: Path | None, *, dry_run: bool) -> StateStore:
    try:
        if dry_run and url.startswith("sqlite:///"):
            # A dry run writes nothing, not even a new state file: read it if it exists.
            from slabridge.sync.store import normalize_url

            resolved = normalize_url(url, base_dir=base)
            if not Path(resolved[len("sqlite:///") :]).exists():
                return open_store("sqlite://")
        return open_store(url, base_dir=base)
    except StateStoreError as error:
        raise SetupError(str(error)) from None


@dataclass(slots=True)
class SyncOutcome:
    summaries: list[RunSummary] = field(default_factory=list)
    locked: list[LockHeldError] = field(default_factory=list)
    planned: list[PlannedWrite] = field(default_factory=list)
    planned_alerts: list[AlertMessage] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(summary.status == "failed" for summary in self.summaries):
            return EXIT_FAILURES
        if self.locked and not self.summaries:
            return EXIT_LOCKED
        return EXIT_OK


def sync_all(
    runtime: Runtime,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    full: bool = False,
    progress: Callable[[str, int], None] | None = None,
    stop_requested: Callable[[], bool] = lambda: False,
    owner: str | None = None,
    names: Iterable[str] | None = None,
    fresh_since: datetime | None = None,
) -> SyncOutcome:
    """Sync each connector in turn; a connector another run holds is skipped and reported.

    A connector that another worker sharing the database synced since ``fresh_since``
    (default: the start of this round) is skipped too, so that workers split the connectors.
    """
    from slabridge.plugins import plugin_manager

    syncer = Syncer(
        runtime.store,
        runtime.evaluate,
        runtime.settings,
        plugin_manager=plugin_manager(),
        now=now,
        dry_run=dry_run,
        full=full,
        owner=owner,
        progress=progress,
        stop_requested=stop_requested,
        alerts=alert_rules(runtime.config),
        # Built from alerts.channels by the notifier registry (build_runtime).
        alert_channels=runtime.extra.get("alert_channels") or {},
    )
    outcome = SyncOutcome()
    round_started = fresh_since or utcnow()
    for name in names if names is not None else runtime.connectors:
        if stop_requested():
            break
        try:
            summary = syncer.sync(name, runtime.connectors[name], fresh_since=round_started)
            outcome.summaries.append(summary)
        except SyncedElsewhere:
            # Another worker sharing this database synced it during this round already.
            log.info("sync_done_elsewhere", connector=name)
        except LockHeldError as error:
            log.warning("sync_locked", connector=name, message=str(error))
            outcome.locked.append(error)
    outcome.planned = list(syncer.planned)
    outcome.planned_alerts = syncer.planned_alerts
    return outcome


def alert_rules(config: Any) -> AlertRules | None:
    """The config's ``alerts.rules`` ready for the sync; None when there are none."""
    from slabridge.alerts.rules import AlertRules
    from slabridge.alerts.settings import AlertsSettings

    settings = _get(config, "alerts")
    if not isinstance(settings, AlertsSettings) or not settings.rules:
        return None
    return AlertRules(settings, _get(config, "calendars") or {})


__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURES",
    "EXIT_LOCKED",
    "EXIT_OK",
    "Runtime",
    "SetupError",
    "SyncOutcome",
    "alert_rules",
    "build_runtime",
    "secrets_in",
    "settings_from_config",
    "state_url",
    "sync_all",
]
