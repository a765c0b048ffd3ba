"""The ``oauth:`` block a connector config may embed, and the strategy it becomes.

```yaml
oauth:
  grant: refresh_token            # or client_credentials
  client_id: slabridge
  client_secret: ${ZENDESK_CLIENT_SECRET}
  refresh_token: ${ZENDESK_REFRESH_TOKEN}   # the first one; rotated ones go to the state store
  token_key: ${SLABRIDGE_TOKEN_KEY}         # Fernet key that encrypts them there
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

from slabridge.connectors.auth import TokenStores
from slabridge.connectors.http import require_https
from slabridge.connectors.oauth import OAuth2
from slabridge.connectors.token_keys import fernet_for


class OAuthSettings(BaseModel):
    """OAuth 2.0 client settings shared by the connectors that support it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grant: Literal["client_credentials", "refresh_token"]
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = None
    token_key: SecretStr | None = None
    scope: str | None = None
    token_url: str | None = None
    expires_in: int | None = None

    @field_validator("token_url")
    @classmethod
    def _https_token_url(cls, value: str | None) -> str | None:
        if value is not None:
            require_https(value)
        return value

    @field_validator("token_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            fernet_for(value.get_secret_value(), "token_key")
        return value

    @model_validator(mode="after")
    def _refresh_needs_token_and_key(self) -> OAuthSettings:
        if self.grant == "refresh_token":
            if self.refresh_token is None:
                raise ValueError(
                    "grant refresh_token needs 'refresh_token' (the one first issued, as ${ENV})"
                )
            if self.token_key is None:
                raise ValueError(
                    "grant refresh_token needs 'token_key' (a Fernet key as ${ENV}): rotated "
                    "refresh tokens are kept encrypted in the state store"
                )
        return self

    def secrets(self) -> list[str]:
        """Every secret value of the block, for log redaction."""
        values = [self.client_secret, self.refresh_token, self.token_key]
        return [value.get_secret_value() for value in values if value is not None]

    def strategy(
        self,
        default_token_url: str,
        *,
        connector: str,
        sleep: Callable[[float], None],
        clock: Callable[[], float] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OAuth2:
        """The :class:`OAuth2` strategy of this block (tokens kept in memory until attached)."""
        body = dict(extra or {})
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        options: dict[str, Any] = {} if clock is None else {"clock": clock}
        return OAuth2(
            self.token_url or default_token_url,
            grant=self.grant,
            client_id=self.client_id,
            client_secret=self.client_secret.get_secret_value(),
            refresh_token=(
                self.refresh_token.get_secret_value() if self.refresh_token is not None else None
            ),
            scope=self.scope,
            extra=body,
            connector=connector,
            sleep=sleep,
            **options,
        )

    def attach(self, strategy: OAuth2, stores: TokenStores, connector: str) -> None:
        """Keep ``strategy``'s rotated refresh tokens in ``stores``, encrypted (``token_key``)."""
        if self.grant != "refresh_token" or self.token_key is None:
            return
        strategy.store = stores.token_store(
            connector, self.token_key.get_secret_value(), where="oauth.token_key"
        )


__all__ = ["OAuthSettings"]
