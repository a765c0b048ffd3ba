"""FakeJira's toolkit hooks: API tokens, OAuth and the api.atlassian.com gateway, error
bodies and rate-limit headers."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slabridge.testing.fake_oauth import FakeTokenIssuer
from slabridge.testing.fakeapi import FakeRequest, FakeResponse, Fault
from slabridge_jira.fake_catalog import (
    error_collection,
)
from slabridge_jira.fake_store import JiraIssueStore

UNAUTHORIZED = "Client must be authenticated to access this resource."
# What the Atlassian API gateway answers to a missing, expired or unknown bearer token.
GATEWAY_UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
_VIA_GATEWAY = "x-fake-via-gateway"


class JiraAuthHooks(JiraIssueStore):
    """Who may call the fake, and how it answers refusals, faults and unknown paths."""

    def enable_gateway(self, cloud_id: str = "11223344-a1b2-c3d4-e5f6-123456789abc") -> str:
        """Also serve every route under ``/ex/jira/{cloud_id}``, as api.atlassian.com does."""
        self.cloud_id = cloud_id
        return cloud_id

    def enable_oauth(self, issuer: FakeTokenIssuer | None = None) -> FakeTokenIssuer:
        """Accept OAuth 2.0 bearer tokens (through the gateway only) from ``POST /oauth/token``.

        Atlassian's access tokens last an hour and every refresh rotates the refresh token.
        """
        self.oauth = issuer or FakeTokenIssuer(prefix="atl", expires_in=3600)
        if self.cloud_id is None:
            self.enable_gateway()
        return self.oauth

    def authorize(self, request: FakeRequest) -> FakeResponse | None:
        if request.path == "/oauth/token":
            return None  # the grant authenticates the client itself
        header = request.headers.get("Authorization") or ""
        via_gateway = request.headers.get(_VIA_GATEWAY) == "1"
        if header.startswith("Bearer "):
            if via_gateway and self.oauth is not None and self.oauth.token_of(request):
                return None
            return FakeResponse(401, dict(GATEWAY_UNAUTHORIZED))
        for token, gateway_only in (
            (self.token, False),
            *((scoped, True) for scoped in sorted(self.scoped_tokens)),
        ):
            expected = base64.b64encode(f"{self.email}:{token}".encode()).decode()
            if header == f"Basic {expected}" and (via_gateway or not gateway_only):
                return None
        return FakeResponse(401, error_collection(UNAUTHORIZED))

    def _oauth_grant(self, request: FakeRequest) -> FakeResponse:
        if self.oauth is None:
            return FakeResponse(401, {"error": "access_denied"})
        try:
            body = request.json()
        except ValueError:
            body = None
        return self.oauth.grant(body)

    def not_found(self, request: FakeRequest) -> FakeResponse:
        return FakeResponse(404, error_collection(f"No resource found for {request.path}"))

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return error_collection("Rate limit exceeded.")
        if status == 401:
            return error_collection(UNAUTHORIZED)
        if status < 500:
            return error_collection(f"The request was rejected (HTTP {status}).")
        return error_collection("Internal server error.")

    # The per-second burst budget Jira reports; the fake does not enforce it (faults give 429s).
    BURST_LIMIT = 350

    def rate_limit_headers(self, request: FakeRequest) -> dict[str, str]:
        """What recorded Jira Cloud answers carry on every response (a 429 overrides them)."""
        return {
            "X-RateLimit-Limit": str(self.BURST_LIMIT),
            "X-RateLimit-Remaining": str(self.BURST_LIMIT - 1),
        }

    def dispatch(self, request: FakeRequest) -> tuple[FakeResponse, Fault | None]:
        prefix = f"/ex/jira/{self.cloud_id}" if self.cloud_id is not None else None
        if prefix is not None and request.path.startswith(prefix + "/"):
            # The gateway: the same API under the cloud id, marked so authorize() can tell.
            headers = {**request.headers, _VIA_GATEWAY: "1"}
            request = replace(request, path=request.path[len(prefix) :], headers=headers)
        elif request.path.startswith("/ex/jira/"):
            return FakeResponse(404, {"code": 404, "message": "Not Found"}), None
        response, fault = super().dispatch(request)
        if response.status == 429:
            reset = (self.clock() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ")
            response.headers.update(
                {
                    "X-RateLimit-Limit": str(self.BURST_LIMIT),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                    "RateLimit-Reason": "jira-burst-based",
                }
            )
        return response, fault


__all__ = [
    "GATEWAY_UNAUTHORIZED",
    "UNAUTHORIZED",
    "JiraAuthHooks",
]
