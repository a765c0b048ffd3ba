"""Which OAuth scope each Zendesk endpoint the connector calls needs (docs/connectors/zendesk.md).

``read``/``write`` cover every resource; a resource scope such as ``tickets:read`` covers only
the ticket resource itself. Audits, ticket fields, ticket events and the incremental export
answer 403 to a ``tickets:read`` token: they need ``read``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# (method, path pattern, scopes any of which is enough, what the connector uses it for)
ENDPOINT_SCOPES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("GET", r"/api/v2/users/me(\.json)?", ("read", "users:read"), "check: who am I"),
    ("GET", r"/api/v2/users/show_many(\.json)?", ("read", "users:read"), "comment authors"),
    ("GET", r"/api/v2/tickets/show_many(\.json)?", ("read", "tickets:read"), "re-reading tickets"),
    ("GET", r"/api/v2/tickets/\d+(\.json)?", ("read", "tickets:read"), "re-reading a ticket"),
    ("GET", r"/api/v2/tickets/\d+/tags(\.json)?", ("read", "tickets:read"), "reading tags"),
    ("PUT", r"/api/v2/tickets/update_many(\.json)?", ("write", "tickets:write"), "bulk tag writes"),
    ("PUT", r"/api/v2/tickets/\d+(\.json)?", ("write", "tickets:write"), "writing a ticket"),
    ("PUT", r"/api/v2/tickets/\d+/tags(\.json)?", ("write", "tickets:write"), "writing tags"),
    ("POST", r"/api/v2/tickets/\d+/tags(\.json)?", ("write", "tickets:write"), "writing tags"),
    ("DELETE", r"/api/v2/tickets/\d+/tags(\.json)?", ("write", "tickets:write"), "writing tags"),
    ("GET", r"/api/v2/incremental/.*", ("read",), "the incremental export (every read)"),
    ("GET", r"/api/v2/tickets/\d+/audits(\.json)?", ("read",), "ticket audits (history)"),
    ("GET", r"/api/v2/ticket_fields(\.json)?", ("read",), "ticket fields (check)"),
    ("GET", r"/api/v2/organization_fields(\.json)?", ("read",), "organization fields (check)"),
    ("GET", r"/api/v2/job_statuses/.*", ("read",), "bulk job status"),
    ("GET", r"/api/v2/oauth/tokens/current(\.json)?", ("read",), "check: token scopes"),
)
_COMPILED = tuple((m, re.compile(p + "$"), s, u) for m, p, s, u in ENDPOINT_SCOPES)


def scopes_for(method: str, path: str) -> tuple[str, ...]:
    """The scopes any one of which lets a token call ``method path`` (``read``/``write`` else)."""
    for want_method, pattern, scopes, _use in _COMPILED:
        if want_method == method and pattern.match(path):
            return scopes
    return ("read",) if method == "GET" else ("write",)


def allowed(method: str, path: str, granted: Iterable[str]) -> bool:
    """Whether a token with ``granted`` scopes may call ``method path``."""
    have = set(granted)
    return any(scope in have for scope in scopes_for(method, path))


def missing_scopes(granted: Iterable[str]) -> list[tuple[str, str]]:
    """(scope to add, what it is for) for every endpoint the connector calls that ``granted``
    does not cover; the scope named is the first of the acceptable ones."""
    have = set(granted)
    missing: dict[str, list[str]] = {}
    for _method, _pattern, scopes, use in ENDPOINT_SCOPES:
        if not any(scope in have for scope in scopes):
            uses = missing.setdefault(scopes[0], [])
            if use not in uses:
                uses.append(use)
    return [(scope, ", ".join(uses)) for scope, uses in missing.items()]


__all__ = ["ENDPOINT_SCOPES", "allowed", "missing_scopes", "scopes_for"]
