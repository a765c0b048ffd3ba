"""Customer identity across helpdesks: the ``connector:id`` key and the ``customers:`` section.

Helpdesks number their organizations independently, so an id alone names no one: Freshdesk's
company 5 and Jira's organization 5 are two customers. A customer's key is therefore
``<connector instance>:<id>`` (``freshdesk:5``; the name stands in for a missing id). The
optional ``customers:`` section joins one company's accounts in several helpdesks under a key
of its own::

    customers:
      acme:
        name: Acme                                  # shown in reports (default: the key)
        ids: {zendesk: ["361"], jira: ["10002"]}    # per connector instance
        domains: [acme.example]                     # requester e-mail domain (and subdomains)

A ticket belongs to a joined customer when its connector's customer id is listed under
``ids``, else when the domain of its requester e-mail (the normalized field
``fields.requester_email``) is, or is below, one of ``domains``; otherwise its key is
``connector:id``. See docs/reports.md, "Customers across helpdesks".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A problem in the file: its key path and what is wrong (ConfigIssue's shape in slabridge.config).
Problem = tuple[str, str]

# The normalized custom field whose e-mail domain `domains:` matches (see docs/reports.md).
REQUESTER_EMAIL_FIELD = "requester_email"
KEY_SEPARATOR = ":"
_ENTRY_KEYS: tuple[str, ...] = ("name", "ids", "domains")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def customer_key(connector: str, customer_id: str | None, customer_name: str | None) -> str | None:
    """``("freshdesk", "5", "Acme GmbH")`` -> ``freshdesk:5``; the name when there is no id."""
    local = customer_id if customer_id is not None else customer_name
    return None if local is None else f"{connector}{KEY_SEPARATOR}{local}"


def email_domain(value: Any) -> str | None:
    """``"Ann@EU.Acme.example"`` -> ``eu.acme.example``; None for anything but an address."""
    if not isinstance(value, str) or "@" not in value:
        return None
    domain = value.rsplit("@", 1)[1].strip().lower().rstrip(".")
    return domain or None


@dataclass(frozen=True, slots=True)
class JoinedCustomer:
    """One company across helpdesks: an entry of ``customers:``."""

    key: str
    name: str | None = None
    ids: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    domains: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.key

    def members(self) -> tuple[str, ...]:
        """The ``connector:id`` keys this entry lists explicitly."""
        return tuple(f"{c}{KEY_SEPARATOR}{i}" for c, ids in self.ids.items() for i in ids)


@dataclass(frozen=True, slots=True)
class CustomerDirectory:
    """The ``customers:`` section, indexed for the per-ticket lookup reports make."""

    customers: Mapping[str, JoinedCustomer] = field(default_factory=dict)
    by_member: Mapping[str, str] = field(default_factory=dict)
    by_domain: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, customers: Iterable[JoinedCustomer]) -> CustomerDirectory:
        entries = {customer.key: customer for customer in customers}
        return cls(
            customers=entries,
            by_member={m: c.key for c in entries.values() for m in c.members()},
            by_domain={d: c.key for c in entries.values() for d in c.domains},
        )

    def __bool__(self) -> bool:
        return bool(self.customers)

    def identify(
        self,
        connector: str,
        customer_id: str | None,
        customer_name: str | None,
        requester_email: Any = None,
    ) -> str | None:
        """The key a ticket's customer is reported and credited under (None: no customer).

        An explicit id wins over a domain, and a longer (more specific) domain over a shorter.
        """
        own = customer_key(connector, customer_id, customer_name)
        if not self.customers:
            return own
        if own is not None and own in self.by_member:
            return self.by_member[own]
        domain = email_domain(requester_email) if self.by_domain else None
        while domain:
            if domain in self.by_domain:
                return self.by_domain[domain]
            domain = domain.partition(".")[2]
        return own

    def name_of(self, key: str) -> str | None:
        """The display name of a joined customer (None for a ``connector:id`` key)."""
        joined = self.customers.get(key)
        return None if joined is None else joined.label


def _show(value: Any) -> str:
    # Only plain YAML scalars are echoed; a str subclass comes from ${ENV} substitution.
    if type(value) is str or (type(value) is int):
        return repr(str(value))
    return "the value"


def _id_text(value: Any) -> str | None:
    # YAML reads an id like 361 as a number; ids are strings everywhere else.
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def _entry_ids(
    raw: Any, path: str, connectors: frozenset[str] | None, problems: list[Problem]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        problems.append((path, 'expected a mapping of connector to ids, e.g. {zendesk: ["361"]}'))
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for connector, values in raw.items():
        where = f"{path}.{connector}"
        name = str(connector)
        if connectors is not None and name not in connectors:
            defined = ", ".join(sorted(connectors)) or "none"
            problems.append((where, f"no connector {name!r} in connectors: (defined: {defined})"))
            continue
        items = values if isinstance(values, list) else [values]
        if not items:
            problems.append((where, 'expected a non-empty list of ids, e.g. ["361"]'))
            continue
        ids: list[str] = []
        for index, value in enumerate(items):
            text = _id_text(value)
            item_path = f"{where}[{index}]" if isinstance(values, list) else where
            if text is None:
                problems.append((item_path, 'expected an id (text or a number), e.g. "361"'))
            elif text not in ids:
                ids.append(text)
        found[name] = tuple(ids)
    return found


def _entry_domains(raw: Any, path: str, problems: list[Problem]) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    domains: list[str] = []
    for index, value in enumerate(items):
        where = f"{path}[{index}]" if isinstance(raw, list) else path
        text = value.strip().lower().rstrip(".") if isinstance(value, str) else ""
        if not _DOMAIN.match(text):
            hint = " (without the @)" if isinstance(value, str) and "@" in value else ""
            problems.append((where, f"expected an e-mail domain like acme.example{hint}"))
        elif text not in domains:
            domains.append(text)
    return tuple(domains)


def _entry(
    key: str, raw: Any, path: str, connectors: frozenset[str] | None, problems: list[Problem]
) -> JoinedCustomer | None:
    if not key or KEY_SEPARATOR in key:
        problems.append(
            (
                path,
                f"a customer key must be non-empty and without {KEY_SEPARATOR!r} "
                "(connector:id is the key of a customer that is not joined)",
            )
        )
        return None
    if not isinstance(raw, Mapping):
        problems.append((path, "expected a mapping with name:, ids: and/or domains:"))
        return None
    for unknown in sorted(str(k) for k in raw if k not in _ENTRY_KEYS):
        problems.append((f"{path}.{unknown}", f"unknown key (use {', '.join(_ENTRY_KEYS)})"))
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        problems.append((f"{path}.name", "expected a display name (text)"))
        name = None
    ids: dict[str, tuple[str, ...]] = {}
    domains: tuple[str, ...] = ()
    if "ids" in raw:
        ids = _entry_ids(raw["ids"], f"{path}.ids", connectors, problems)
    if "domains" in raw:
        domains = _entry_domains(raw["domains"], f"{path}.domains", problems)
    if "ids" not in raw and "domains" not in raw:
        problems.append((path, "give ids: (per connector) and/or domains: to say who this is"))
    return JoinedCustomer(key, name or None, ids, domains)


def validate_customers(
    raw: Any, connectors: Iterable[str] | None = None, prefix: str = "customers"
) -> tuple[CustomerDirectory, list[Problem]]:
    """Validate a raw ``customers:`` mapping; the directory and every problem with its path.

    ``connectors`` (the configured instance names) makes an ``ids:`` key that names no
    connector an error; None accepts any (a report over a ticket file keys by ticket source).
    """
    if raw is None:
        return CustomerDirectory(), []
    if not isinstance(raw, Mapping):
        return CustomerDirectory(), [(prefix, "expected a mapping of customer keys, e.g. acme:")]
    known = None if connectors is None else frozenset(connectors)
    problems: list[Problem] = []
    entries: list[JoinedCustomer] = []
    claimed: dict[str, str] = {}  # connector:id or domain -> the entry that lists it first
    for raw_key, body in raw.items():
        key = str(raw_key)
        path = f"{prefix}.{key}"
        entry = _entry(key, body, path, known, problems)
        if entry is None:
            continue
        for connector, ids in entry.ids.items():
            for index, local in enumerate(ids):
                owner = claimed.setdefault(f"{connector}{KEY_SEPARATOR}{local}", key)
                if owner != key:
                    problems.append(
                        (
                            f"{path}.ids.{connector}[{index}]",
                            f"{connector} id {_show(local)} is already claimed by "
                            f"{prefix}.{owner} (a customer can belong to one entry only)",
                        )
                    )
        for index, domain in enumerate(entry.domains):
            owner = claimed.setdefault(f"@{domain}", key)
            if owner != key:
                problems.append(
                    (
                        f"{path}.domains[{index}]",
                        f"domain {domain!r} is already claimed by {prefix}.{owner}",
                    )
                )
        entries.append(entry)
    return CustomerDirectory.of(entries), problems


def is_qualified(key: str, directory: CustomerDirectory, connectors: Iterable[str]) -> bool:
    """Is ``key`` a full customer key (``connector:id`` of a known connector, or a joined key)?"""
    if key in directory.customers:
        return True
    connector, separator, local = key.partition(KEY_SEPARATOR)
    return bool(separator and local) and connector in set(connectors)


def credit_key_problems(
    keys: Iterable[str], directory: CustomerDirectory, prefix: str = "credits.customers"
) -> list[Problem]:
    """A credit rule for ``connector:id`` of a joined account would never apply: say so."""
    problems: list[Problem] = []
    for key in keys:
        joined = directory.by_member.get(key)
        if joined is not None:
            problems.append(
                (
                    f"{prefix}.{key}",
                    f"this account is joined into customers.{joined}: name the rule {joined}",
                )
            )
    return problems


@dataclass(slots=True)
class KeyResolution:
    """Which credit rule key applies to which customer key, and what was deprecated or wrong."""

    rules: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def resolve_rule_keys(
    rule_keys: Iterable[str],
    seen: Mapping[str, Iterable[str]],
    names: Mapping[str, str] | None = None,
    prefix: str = "credits.customers",
) -> KeyResolution:
    """Map ``credits.customers`` keys onto the customers a report saw.

    ``seen`` holds each customer key with its bare aliases (the helpdesk ids and names behind
    it). A rule key equal to a customer key applies to it. A bare id or name that belongs to
    exactly one customer still applies, with a deprecation warning; one that belongs to several
    is a problem naming the candidates; one that matches no customer seen applies to no one.
    """
    names = names or {}
    resolution = KeyResolution()
    bare: list[str] = []
    for rule_key in rule_keys:
        if rule_key in seen:
            resolution.rules[rule_key] = rule_key
        else:
            bare.append(rule_key)
    for rule_key in bare:
        candidates = sorted(key for key, aliases in seen.items() if rule_key in aliases)
        shown = ", ".join(_labelled(key, names) for key in candidates)
        if len(candidates) == 1:
            (candidate,) = candidates
            resolution.rules.setdefault(candidate, rule_key)
            resolution.warnings.append(
                f"{prefix}.{rule_key}: a bare customer id or name is deprecated; "
                f"name the customer by its key: {shown}"
            )
        elif candidates:
            resolution.problems.append(
                (
                    f"{prefix}.{rule_key}",
                    f"names {len(candidates)} customers in different helpdesks: {shown}; "
                    "use one of these keys, or join them under customers:",
                )
            )
    return resolution


def _labelled(key: str, names: Mapping[str, str]) -> str:
    name = names.get(key)
    return f"{key} ({name})" if name else key


__all__ = [
    "KEY_SEPARATOR",
    "REQUESTER_EMAIL_FIELD",
    "CustomerDirectory",
    "JoinedCustomer",
    "KeyResolution",
    "Problem",
    "credit_key_problems",
    "customer_key",
    "email_domain",
    "is_qualified",
    "resolve_rule_keys",
    "validate_customers",
]
