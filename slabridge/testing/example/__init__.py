"""Example helpdesk: a tiny connector plugin and its fake API, the reference for connector authors.

The tutorial (docs/plugins/tutorial.md) walks through this package, ``slabridge new-connector``
generates a package shaped like it, and the standard suite is tested against it. The Example
helpdesk API:

* ``GET /api/me`` → ``{"name", "role"}``; a bad token is a 401.
* ``GET /api/fields`` → ``[{"key": "region"}, ...]``, the custom fields.
* ``GET /api/tickets?updated_since=ISO&limit=N&page_token=T`` → ``{"tickets": [...],
  "next_page_token": T|null}``, oldest change first, ``updated_at >= updated_since``. ``T`` is
  a keyset token (the last row served): a ticket changing mid-read shifts no later page.
* ``GET /api/tickets?updated_since=ISO&limit=N&page=P`` → the same list by page number,
  ``{"tickets": [...], "next_page": P+1|null}``; these pages shift when a ticket changes.
* ``GET /api/tickets/{id}`` → a ticket, or 404. A ticket: ``id, status, priority (p1..p4), tags,
  custom {key: value}, replies [{at, by: agent|customer, public}], history [{at, field:
  status|priority, from?, to}], org_id, created_at, updated_at``.
* ``PUT /api/tickets/{id}`` with ``{"add_tags", "remove_tags", "priority", "custom"}`` → the
  ticket; ``updated_at`` moves only when something changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge.testing.fakes import FakeHelpdesk

from .connector import ExampleConfig, ExampleConnector
from .fake import EXAMPLE_HELPDESK, ExampleFake

__version__ = "0.1.0"


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(ExampleConnector)


@hookimpl
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    register(EXAMPLE_HELPDESK)


__all__ = [
    "EXAMPLE_HELPDESK",
    "ExampleConfig",
    "ExampleConnector",
    "ExampleFake",
    "register_connectors",
    "register_fakes",
]
