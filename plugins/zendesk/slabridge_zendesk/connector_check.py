"""The Zendesk connector's checks: credentials, role, scopes and the fields the mapping names."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slabridge.connectors.auth import AuthStrategy
from slabridge.connectors.base import (
    CheckProblem,
    Connector,
)
from slabridge.connectors.http import HttpClient, HttpError
from slabridge.connectors.oauth import OAuthError
from slabridge.connectors.paging import LinkPages
from slabridge.connectors.write_fields import HelpdeskField, write_field_problems
from slabridge_zendesk.auth import (
    api_token_notice,
    scope_problems,
)
from slabridge_zendesk.config import ZendeskConfig, ZendeskMapping


class ZendeskCheck(Connector):
    """``slabridge check`` for Zendesk: who the credentials are, and what the account lacks."""

    if TYPE_CHECKING:
        settings: ZendeskConfig
        rules: ZendeskMapping
        http: HttpClient
        auth: AuthStrategy
        _clock: Callable[[], datetime]

    def check(self) -> list[CheckProblem]:
        me, problems = self._who_am_i()
        if problems:
            return problems
        problems = list(scope_problems(self.http, self.auth))
        if problems:
            return problems  # without `read` the field checks below would only repeat the 403
        return [
            *self._role_problems(me),
            *self._missing_ticket_fields(),
            *self._missing_organization_fields(),
        ]

    def _who_am_i(self) -> tuple[Mapping[str, Any], list[CheckProblem]]:
        """The user the credentials stand for (``users/me``), or why there is none."""
        try:
            me = self.http.get("/api/v2/users/me.json").json().get("user") or {}
        except OAuthError as exc:
            return {}, [CheckProblem(f"Zendesk OAuth: {exc}")]
        except HttpError as exc:
            return {}, self._who_am_i_failed(exc)
        if me.get("id") is None:  # Zendesk answers an anonymous user to unknown credentials
            return me, [self._bad_credentials()]
        return me, []

    def _who_am_i_failed(self, exc: HttpError) -> list[CheckProblem]:
        if exc.status == 401:
            return [self._bad_credentials()]
        if exc.status == 403 and self.settings.token is None:
            # An OAuth token without `read` (or `users:read`) cannot even ask who it is.
            return scope_problems(self.http, self.auth) or [CheckProblem(str(exc))]
        return [CheckProblem(f"cannot reach Zendesk at {self.settings.url}: {exc}")]

    @staticmethod
    def _role_problems(me: Mapping[str, Any]) -> list[CheckProblem]:
        if me.get("role") == "admin":
            return []
        return [
            CheckProblem(
                f"the user {me.get('email')!r} is a(n) {me.get('role')!r}: the incremental "
                "ticket export needs an Admin",
                hint="create the API token for an Admin (Admin Center > People > Team members)",
            )
        ]

    def _missing_ticket_fields(self) -> list[CheckProblem]:
        """The ``custom_fields.<id>`` the mapping reads that the account does not have."""
        wanted = {
            name: path.split(".", 1)[1]
            for name, path in self.rules.source_paths().items()
            if path.startswith("custom_fields.")
        }
        if not wanted:
            return []
        existing = self._ticket_field_ids()
        return [
            CheckProblem(
                f"mapping.{name} reads ticket field {field_id}, which does not exist",
                hint="create it under Admin Center > Objects and rules > "
                "Ticket fields, or fix the id in the mapping",
            )
            for name, field_id in sorted(wanted.items())
            if field_id not in existing
        ]

    def _missing_organization_fields(self) -> list[CheckProblem]:
        """The ``organization.fields.<key>`` the mapping reads that the account does not have."""
        wanted = {
            name: path.split(".")[2]
            for name, path in self.rules.source_paths().items()
            if path.startswith("organization.fields.") and path.count(".") == 2
        }
        if not wanted:
            return []
        existing = self._organization_field_keys()
        return [
            CheckProblem(
                f"mapping.{name} reads organization field {key!r}, which does not exist",
                hint="create it under Admin Center > People > Configuration > "
                "Organization fields, or fix the key in the mapping",
            )
            for name, key in sorted(wanted.items())
            if key not in existing
        ]

    def _ticket_field_ids(self) -> set[str]:
        return {str(field.get("id")) for field in self._ticket_fields()}

    def _ticket_fields(self) -> list[Mapping[str, Any]]:
        return [
            item
            for body in self._linked_pages("/api/v2/ticket_fields.json")
            for item in body.get("ticket_fields") or []
            if isinstance(item, Mapping)
        ]

    def _linked_pages(self, first: str) -> Iterator[Any]:
        """The bodies of a list endpoint paged by ``next_page`` URLs, from ``first`` on."""

        def page(url: str | None) -> tuple[Any, str | None]:
            body = self.http.get(url or first).json()
            next_page = body.get("next_page")
            return body, next_page if isinstance(next_page, str) else None

        return (page.body for page in LinkPages(page))

    def check_write_fields(self, wanted: Mapping[str, str]) -> list[CheckProblem]:
        """The ticket fields ``actions.fields`` names exist, are active and fit the value.

        A ``date`` field keeps only the day of the timestamp slabridge writes, so the due time
        needs a text field; the breached flag fits a checkbox (or text).
        """
        if not wanted:
            return []
        try:
            listed = self._ticket_fields()
        except HttpError as exc:
            return [CheckProblem(f"cannot list ticket fields: {exc}")]
        found = {
            str(f.get("id")): HelpdeskField(
                str(f.get("id")), str(f.get("type")), bool(f.get("active", True))
            )
            for f in listed
        }
        accepts = {
            "due_at": frozenset({"text", "textarea"}),
            "breached": frozenset({"checkbox", "text"}),
        }
        return write_field_problems(self.instance, wanted, found, accepts, "Zendesk ticket field")

    def _organization_field_keys(self) -> set[str]:
        return {
            str(item.get("key"))
            for body in self._linked_pages("/api/v2/organization_fields.json")
            for item in body.get("organization_fields") or []
        }

    def _bad_credentials(self) -> CheckProblem:
        if self.settings.token is None:
            return CheckProblem(
                f"Zendesk at {self.settings.url} rejected the OAuth token",
                hint="check the OAuth client (Admin Center > Apps and integrations > APIs > "
                "OAuth clients) and that the token has not been revoked",
            )
        return CheckProblem(
            f"Zendesk at {self.settings.url} rejected the email/API token",
            hint="check the credentials, and that token access is enabled under Admin Center > "
            "Apps and integrations > APIs > Zendesk API; "
            + api_token_notice(self._clock().astimezone(UTC).date()),
        )


__all__ = ["ZendeskCheck"]
