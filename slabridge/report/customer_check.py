"""`slabridge check` on `credits.customers`: bare ids against the customers the store knows.

A bare key (an id or name without its connector) meant one customer when ids were unique per
install; since one id can exist in several helpdesks, `check` looks the key up among the stored
tickets' customers: one match still works (a deprecation warning), several are a config error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slabridge.customers import (
    REQUESTER_EMAIL_FIELD,
    CustomerDirectory,
    Problem,
    is_qualified,
    resolve_rule_keys,
)

if TYPE_CHECKING:
    from slabridge.config import AppConfig
    from slabridge.sync.store import StateStore


@dataclass(slots=True)
class CustomerCatalog:
    """Every customer key in a set of tickets, with the helpdesk ids and names behind it."""

    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, str] = field(default_factory=dict)

    def add(
        self,
        directory: CustomerDirectory,
        connector: str,
        customer: dict[str, Any],
        fields: dict[str, Any],
    ) -> None:
        customer_id, name = _text(customer.get("id")), _text(customer.get("name"))
        email = fields.get(REQUESTER_EMAIL_FIELD)
        key = directory.identify(connector, customer_id, name, email)
        if key is None:
            return
        self.aliases[key].update(alias for alias in (customer_id, name) if alias is not None)
        label = directory.name_of(key) or name
        if label is not None:
            self.names.setdefault(key, label)


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def stored_customers(store: StateStore, directory: CustomerDirectory) -> CustomerCatalog:
    """The customers of every ticket snapshot in the store."""
    catalog = CustomerCatalog()
    for row in store.iter_tickets():
        snapshot = row.snapshot
        catalog.add(
            directory, row.connector, _dict(snapshot.get("customer")), _dict(snapshot.get("fields"))
        )
    return catalog


def bare_credit_keys(config: AppConfig) -> list[str]:
    """The `credits.customers` keys that are neither `connector:id` nor a joined key."""
    return [
        key
        for key in config.credits.customers
        if not is_qualified(key, config.customers, config.connectors)
    ]


def check_credit_keys(
    keys: Iterable[str], catalog: CustomerCatalog
) -> tuple[list[str], list[Problem]]:
    """Deprecation warnings and config problems for bare keys, against known customers."""
    resolution = resolve_rule_keys(keys, catalog.aliases, catalog.names)
    return resolution.warnings, resolution.problems


__all__ = [
    "CustomerCatalog",
    "bare_credit_keys",
    "check_credit_keys",
    "stored_customers",
]
