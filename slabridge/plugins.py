"""The plugin manager: loads ``slabridge`` entry points, reports failures, lists connector types."""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pluggy

from slabridge import hookspecs
from slabridge.connectors.base import ChangeSet, Connector
from slabridge.errors import InputError

if TYPE_CHECKING:
    import click

    from slabridge.alerts.notifiers.base import Notifier
    from slabridge.sla.results import Evaluation
    from slabridge.sla.ticket import Ticket
    from slabridge.testing.fakes import FakeHelpdesk

# Standard logging, not structlog: plugins may load before the CLI configures structlog, and an
# unconfigured structlog prints to stdout, which would corrupt JSON output. Without handlers,
# standard logging prints warnings and errors to stderr.
log = logging.getLogger("slabridge.plugins")

ENTRY_POINT_GROUP = "slabridge"
# Comma list of plugin (entry point) names to load; unset = all, empty = none.
LOAD_PLUGINS_ENV = "SLABRIDGE_LOAD_PLUGINS"
# Comma list of importable modules to register as plugins without an entry point (development).
PLUGIN_MODULES_ENV = "SLABRIDGE_PLUGIN_MODULES"


class PluginError(InputError):
    """A plugin is broken in a way that makes a result unreliable (e.g. duplicate types).

    Exit status 2: the installed plugins cannot drive a run until one is removed or fixed.
    """


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A plugin that could not be loaded, and why; the others keep working."""

    name: str
    error: str

    def __str__(self) -> str:
        return f"plugin {self.name!r} failed to load: {self.error}"


# Hooks slabridge calls one implementation at a time (chained or guarded), so that pluggy's
# wrappers (``hookwrapper=True`` / ``wrapper=True``) would never run: refused at registration.
CALLED_ONE_BY_ONE = ("plan_actions", "register_commands")


class SlabridgePluginManager(pluggy.PluginManager):
    """A pluggy manager for project ``slabridge`` that remembers plugin versions and failures."""

    def __init__(self) -> None:
        super().__init__("slabridge")
        self.add_hookspecs(hookspecs)
        self.load_failures: list[LoadFailure] = []
        self.versions: dict[str, str | None] = {}
        self.loaded = False

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin`` like pluggy, refusing a wrapper of a hook called one by one.

        Raises:
            pluggy.PluginValidationError: ``plugin`` implements ``plan_actions`` or
                ``register_commands`` as a wrapper; it is not registered.
        """
        registered = super().register(plugin, name)
        for hook_name in CALLED_ONE_BY_ONE:
            for impl in getattr(self.hook, hook_name).get_hookimpls():
                if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper):
                    self.unregister(plugin)
                    raise pluggy.PluginValidationError(
                        plugin,
                        f"plugin {impl.plugin_name!r}: {hook_name} cannot be a wrapper "
                        "(hookwrapper/wrapper=True): slabridge calls its implementations one "
                        "by one; implement it as a plain hook",
                    )
        return registered


def create_plugin_manager() -> SlabridgePluginManager:
    """A fresh manager with the hookspecs and no plugins (tests, embedding)."""
    return SlabridgePluginManager()


def _entry_points() -> Sequence[importlib.metadata.EntryPoint]:
    return tuple(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def _wanted(environ: Mapping[str, str]) -> set[str] | None:
    raw = environ.get(LOAD_PLUGINS_ENV)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def register_plugin(
    manager: SlabridgePluginManager, plugin: object, name: str, version: str | None = None
) -> bool:
    """Register one plugin object; a misspelled hook implementation is a load failure.

    Returns True when the plugin is registered. On failure the plugin is unregistered again and
    a :class:`LoadFailure` naming it is recorded, so that the other plugins keep working.
    """
    if manager.has_plugin(name):
        return True
    try:
        manager.register(plugin, name=name)
    except Exception as exc:  # pluggy validates hookimpl signatures here
        manager.load_failures.append(LoadFailure(name, _describe(exc)))
        log.error("plugin %s failed to load: %s", name, _describe(exc))
        return False
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        manager.unregister(name=name)
        failure = LoadFailure(name, _describe(exc))
        manager.load_failures.append(failure)
        log.error("plugin %s failed to load: %s", name, failure.error)
        return False
    manager.versions[name] = version
    return True


def load_plugins(
    manager: SlabridgePluginManager | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
) -> SlabridgePluginManager:
    """Load the ``slabridge`` entry points (and ``$SLABRIDGE_PLUGIN_MODULES``) into ``manager``.

    ``$SLABRIDGE_LOAD_PLUGINS`` limits loading to the named plugins (empty: none). A plugin that
    fails to import, or implements a hook that does not exist, is recorded in
    ``manager.load_failures`` with its name and the error, and the rest are loaded.
    """
    manager = pm if manager is None else manager
    env = os.environ if environ is None else environ
    wanted = _wanted(env)
    found: set[str] = set()
    for entry_point in _entry_points() if entry_points is None else entry_points:
        found.add(entry_point.name)
        if wanted is not None and entry_point.name not in wanted:
            continue
        if manager.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:  # any import error must not take the others down
            manager.load_failures.append(LoadFailure(entry_point.name, _describe(exc)))
            log.error("plugin %s failed to load: %s", entry_point.name, _describe(exc))
            continue
        version = entry_point.dist.version if entry_point.dist is not None else None
        register_plugin(manager, plugin, entry_point.name, version)
    for module_name in (m.strip() for m in env.get(PLUGIN_MODULES_ENV, "").split(",")):
        if not module_name or manager.has_plugin(module_name):
            continue
        found.add(module_name)
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            manager.load_failures.append(LoadFailure(module_name, _describe(exc)))
            log.error("plugin %s failed to load: %s", module_name, _describe(exc))
            continue
        register_plugin(manager, module, module_name, getattr(module, "__version__", None))
    for name in sorted((wanted or set()) - found):
        if not any(failure.name == name for failure in manager.load_failures):
            manager.load_failures.append(
                LoadFailure(name, f"not installed (named in {LOAD_PLUGINS_ENV})")
            )
    manager.loaded = True
    return manager


def _ensure_loaded(manager: SlabridgePluginManager) -> SlabridgePluginManager:
    if not manager.loaded:
        load_plugins(manager)
    return manager


def plugin_manager() -> SlabridgePluginManager:
    """The process-wide manager :data:`pm`, with the installed plugins loaded.

    Plugins load lazily, on the first call of this or of a lookup (:func:`connector_types`,
    :func:`notifier_types`, :func:`get_plugins`, ...), not when ``slabridge`` is imported: a
    command that needs no connector (``--help``, ``report``) imports no plugin.
    """
    return _ensure_loaded(pm)


T = TypeVar("T")


class _TypeTable(Generic[T]):
    """A ``type_name`` → class table that a ``register_*`` hook fills, refusing clashes."""

    def __init__(self, base: type, hook: str, kind: str) -> None:  # base: abstract, so not type[T]
        self.base, self.hook, self.kind = base, hook, kind
        self.types: dict[str, type[T]] = {}

    def register(self, cls: type[T]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise PluginError(f"{self.hook} got {cls!r}, not a {self.base.__name__} subclass")
        type_name = getattr(cls, "type_name", None)
        if not isinstance(type_name, str) or not type_name:
            raise PluginError(f"{self.kind} class {cls.__qualname__} has no type_name")
        existing = self.types.get(type_name)
        if existing is not None and existing is not cls:
            raise PluginError(
                f"two {self.kind}s claim type {type_name!r}: "
                f"{existing.__module__}.{existing.__qualname__} and "
                f"{cls.__module__}.{cls.__qualname__}; uninstall one or limit "
                f"{LOAD_PLUGINS_ENV}"
            )
        self.types[type_name] = cls

    def sorted(self) -> dict[str, type[T]]:
        return dict(sorted(self.types.items()))


def connector_types(manager: SlabridgePluginManager | None = None) -> dict[str, type[Connector]]:
    """``type_name`` → connector class, from every plugin's ``register_connectors``.

    Raises :class:`PluginError` when a registered object is not a Connector subclass, has no
    ``type_name``, or when two classes claim the same ``type_name``.
    """
    manager = _ensure_loaded(pm if manager is None else manager)
    table: _TypeTable[Connector] = _TypeTable(Connector, "register_connectors", "connector")
    manager.hook.register_connectors(register=table.register)
    return table.sorted()


def notifier_types(
    manager: SlabridgePluginManager | None = None,
    builtins: Iterable[type[Notifier]] = (),
) -> dict[str, type[Notifier]]:
    """``type_name`` → alert channel class: ``builtins``, then every ``register_notifiers``.

    Raises :class:`PluginError` when a registered object is not a Notifier subclass, has no
    ``type_name``, or when two classes (a built-in included) claim the same ``type_name``.
    """
    from slabridge.alerts.notifiers.base import Notifier  # alerts import plugins' callers

    manager = _ensure_loaded(pm if manager is None else manager)
    table: _TypeTable[Notifier] = _TypeTable(Notifier, "register_notifiers", "notifier")
    for builtin in builtins:
        table.register(builtin)
    manager.hook.register_notifiers(register=table.register)
    return table.sorted()


def fake_helpdesks(manager: SlabridgePluginManager | None = None) -> dict[str, FakeHelpdesk[Any]]:
    """Connector type → its registered fake helpdesk, from every plugin's ``register_fakes``.

    In demo order (``demo_order``, then type). Raises :class:`PluginError` when a registered
    object is not a ``FakeHelpdesk`` of a ``FakeAPI`` subclass, or two claim the same type.
    """
    # The fake kit imports the HTTP server; only commands that start fakes need it.
    from slabridge.testing.fakes import FakeRegistrationError, FakeTable

    manager = _ensure_loaded(pm if manager is None else manager)
    table = FakeTable()
    try:
        manager.hook.register_fakes(register=table.register)
    except FakeRegistrationError as exc:
        raise PluginError(str(exc)) from None
    return table.in_demo_order()


def get_plugins(manager: SlabridgePluginManager | None = None) -> list[dict[str, Any]]:
    """Installed plugins, sorted by name: ``{"name", "version", "hooks", "connectors"}`` each.

    ``hooks`` are the hook names the plugin implements; ``connectors`` the connector types its
    ``register_connectors`` registers.
    """
    manager = _ensure_loaded(pm if manager is None else manager)
    plugins = []
    for plugin in manager.get_plugins():
        name = manager.get_name(plugin)
        if name is None:
            continue
        hooks = sorted(caller.name for caller in manager.get_hookcallers(plugin) or [])
        plugins.append(
            {
                "name": name,
                "version": manager.versions.get(name),
                "hooks": hooks,
                "connectors": _connectors_of(manager, plugin),
            }
        )
    return sorted(plugins, key=lambda plugin: str(plugin["name"]))


def _connectors_of(manager: SlabridgePluginManager, plugin: object) -> list[str]:
    names: list[str] = []
    for impl in manager.hook.register_connectors.get_hookimpls():
        if impl.plugin is plugin:
            impl.function(register=lambda cls: names.append(str(getattr(cls, "type_name", "?"))))
    return sorted(names)


def register_plugin_commands(
    cli: click.Group, manager: SlabridgePluginManager | None = None
) -> None:
    """Call every ``register_commands`` implementation; a failing one is a load failure.

    Each implementation is called on its own so that one broken plugin cannot take the whole
    command line down.
    """
    manager = _ensure_loaded(pm if manager is None else manager)
    for impl in reversed(manager.hook.register_commands.get_hookimpls()):
        try:
            impl.function(cli=cli)
        except Exception as exc:
            failure = LoadFailure(impl.plugin_name, f"register_commands: {_describe(exc)}")
            manager.load_failures.append(failure)
            log.error("plugin %s failed to load: %s", impl.plugin_name, failure.error)


def apply_plan_actions(
    connector: Connector,
    ticket: Ticket,
    evaluation: Evaluation,
    changes: ChangeSet,
    manager: SlabridgePluginManager | None = None,
) -> ChangeSet:
    """Pass ``changes`` through every ``plan_actions`` implementation (see the hookspec).

    Each implementation gets the ChangeSet the previous one returned; None keeps it. Raises
    :class:`PluginError` when an implementation returns something else than a ChangeSet for the
    same ticket.
    """
    manager = plugin_manager() if manager is None else manager
    current = changes
    # pluggy calls implementations last-registered first; keep that order for chaining too.
    for impl in reversed(manager.hook.plan_actions.get_hookimpls()):
        offered = {
            "connector": connector,
            "ticket": ticket,
            "evaluation": evaluation,
            "changes": current,
        }
        # Like pluggy, pass only the arguments the implementation asks for.
        result = impl.function(**{name: offered[name] for name in impl.argnames})
        if result is None:
            continue
        if not isinstance(result, ChangeSet) or result.ticket_id != changes.ticket_id:
            raise PluginError(
                f"plugin {impl.plugin_name!r}: plan_actions must return None or a ChangeSet "
                f"for ticket {changes.ticket_id!r}, got {result!r}"
            )
        current = result
    return current


# Loaded on first use (see plugin_manager), so that importing slabridge loads no plugin.
pm = SlabridgePluginManager()

__all__ = [
    "CALLED_ONE_BY_ONE",
    "ENTRY_POINT_GROUP",
    "LOAD_PLUGINS_ENV",
    "PLUGIN_MODULES_ENV",
    "LoadFailure",
    "PluginError",
    "SlabridgePluginManager",
    "apply_plan_actions",
    "connector_types",
    "create_plugin_manager",
    "fake_helpdesks",
    "get_plugins",
    "load_plugins",
    "notifier_types",
    "plugin_manager",
    "pm",
    "register_plugin",
    "register_plugin_commands",
]
