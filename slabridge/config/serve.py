"""The ``serve:`` section: webhook secrets per connector, the board's login, limits, schedule.

``slabridge serve`` reads it whole (``${ENV}`` substituted: slabridge/serve/settings.py);
every other command's config load checks its shape only, without the environment (decision
99). Every error names its key path and never quotes a value that may be a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from slabridge.config.checking import FromEnv
from slabridge.config.errors import ConfigError, ConfigIssue
from slabridge.redaction import register_secrets
from slabridge.sla.durations import DurationError, parse_duration

# How each built-in helpdesk proves a webhook is its own (docs/serve.md).
SCHEMES: tuple[str, ...] = ("zendesk", "jira", "shared_secret")
DEFAULT_SCHEME: Mapping[str, str] = {"zendesk": "zendesk", "jira": "jira"}
DEFAULT_SECRET_HEADER = "X-Slabridge-Webhook-Secret"
DEFAULT_MAX_BODY = 1_048_576  # 1 MiB: a Jira issue event with a long description fits
DEFAULT_REPLAY_WINDOW = 300
DEFAULT_SYNC_EVERY = 300
DEFAULT_MAX_PENDING = 100_000
WEBHOOK_KEYS = ("scheme", "secret", "header", "username", "password")
BOARD_KEYS = ("token", "username", "password", "team_field")
# The address is chosen on the command line, where "beyond loopback" is a visible choice.
UNKNOWN_KEY_HINTS: Mapping[str, str] = {
    "serve.host": "; the address is `slabridge serve --host` (loopback unless told)",
    "serve.port": "; the port is `slabridge serve --port` (0-65535, default 8787)",
}
SERVE_KEYS = ("webhooks", "board", "max_body_bytes", "replay_window", "sync_every", "max_pending")


@dataclass(frozen=True, slots=True)
class WebhookAuth:
    """How ``POST /webhooks/<connector>`` proves it comes from that connector's helpdesk.

    ``zendesk`` and ``jira`` check an HMAC signature keyed with ``secret``; ``shared_secret``
    (Freshdesk, which does not sign) wants ``secret`` in ``header`` or HTTP basic auth with
    ``username`` and ``password``.
    """

    connector: str
    scheme: str
    secret: SecretStr | None = None
    header: str = DEFAULT_SECRET_HEADER
    username: str | None = None
    password: SecretStr | None = None


@dataclass(frozen=True, slots=True)
class BoardAuth:
    """The board's login: a bearer ``token`` (also ``?token=``), or basic auth, or both."""

    token: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """``serve:`` validated; see docs/serve.md for every key."""

    board: BoardAuth
    webhooks: Mapping[str, WebhookAuth] = field(default_factory=dict)
    max_body_bytes: int = DEFAULT_MAX_BODY
    replay_window_seconds: int = DEFAULT_REPLAY_WINDOW
    sync_every_seconds: int = DEFAULT_SYNC_EVERY
    max_pending: int = DEFAULT_MAX_PENDING
    team_field: str = "team"


class _Reader:
    """Collects every issue; ``env_unread``: ``${ENV}`` is left as written (shape check only)."""

    def __init__(self, *, env_unread: bool = False) -> None:
        self.issues: list[ConfigIssue] = []
        self.env_unread = env_unread

    def unread(self, raw: Any) -> bool:
        """A value still to come from the environment: its shape cannot be checked yet."""
        return self.env_unread and isinstance(raw, str) and "${" in raw

    def add(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(path, message))

    def mapping(self, raw: Any, path: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.add(path, "expected a mapping")
            return {}
        for key in raw:
            if str(key) not in keys:
                hint = UNKNOWN_KEY_HINTS.get(f"{path}.{key}", "")
                self.add(f"{path}.{key}", f"unknown key (known: {', '.join(keys)}){hint}")
        return {str(key): value for key, value in raw.items()}

    def text(self, raw: Any, path: str) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.add(path, "expected non-empty text")
            return None
        return str(raw)

    def secret(self, raw: Any, path: str) -> SecretStr | None:
        value = self.text(raw, path)
        return None if value is None else SecretStr(value)

    def count(self, raw: Any, path: str, default: int) -> int:
        if raw is None:
            return default
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            self.add(path, "expected a whole number above 0")
            return default
        return raw

    def duration(self, raw: Any, path: str, default: int) -> int:
        if raw is None or self.unread(raw):
            return default
        try:
            return parse_duration(raw)
        except DurationError as error:
            if isinstance(raw, FromEnv):
                self.add(path, "the value from the environment is not a duration (e.g. 5m)")
            else:
                self.add(path, str(error))
            return default


def parse_serve_settings(raw: Any, connector_types: Mapping[str, str]) -> ServeSettings:
    """Validate a raw ``serve:`` mapping (after ``${ENV}`` substitution).

    ``connector_types`` maps each configured connector instance to its type name; a webhook
    entry must name one of them. Raises ConfigError naming every wrong key path.
    """
    reader = _Reader()
    settings = _read(reader, raw, connector_types)
    if reader.issues:
        raise ConfigError(reader.issues)
    register_secrets(secret.get_secret_value() for secret in _secrets(settings))
    return settings


def serve_section_issues(raw: Any, connector_types: Mapping[str, str | None]) -> list[ConfigIssue]:
    """What is wrong in a raw ``serve:`` mapping, without reading ``${ENV}``.

    For every command's config load (decisions 93 and 99: no webhook secret needs to be in a cron
    job's environment): unknown keys, wrong types, durations, schemes, webhooks naming no
    connector, a board without a login. A value written as ``${NAME}`` counts as given; that
    the variable is set is checked by ``slabridge check`` and ``slabridge serve``. A connector
    whose type is unknown (``None``) takes the ``shared_secret`` default.
    """
    reader = _Reader(env_unread=True)
    types = {name: type_name or "" for name, type_name in connector_types.items()}
    _read(reader, raw, types)
    return reader.issues


def _read(reader: _Reader, raw: Any, connector_types: Mapping[str, str]) -> ServeSettings:
    if raw is not None and not isinstance(raw, dict):
        reader.add("serve", "expected a mapping")
        return ServeSettings(board=BoardAuth())  # no key below it to name
    data = reader.mapping(raw, "serve", SERVE_KEYS)
    webhooks = _webhooks(reader, data.get("webhooks"), connector_types)
    raw_board = data.get("board")
    board = reader.mapping(raw_board, "serve.board", BOARD_KEYS)
    board_auth = BoardAuth(
        token=reader.secret(board.get("token"), "serve.board.token"),
        username=reader.text(board.get("username"), "serve.board.username"),
        password=reader.secret(board.get("password"), "serve.board.password"),
    )
    if (board_auth.username is None) != (board_auth.password is None):
        reader.add("serve.board", "give both username and password (basic auth), or neither")
    if board_auth.token is None and board_auth.password is None and not _not_mapping(raw_board):
        reader.add(
            "serve.board",
            "set token (or username and password), e.g. token: ${SLABRIDGE_BOARD_TOKEN}: "
            "the board shows ticket data and is never open without a login",
        )
    return ServeSettings(
        board=board_auth,
        webhooks=webhooks,
        max_body_bytes=reader.count(
            data.get("max_body_bytes"), "serve.max_body_bytes", DEFAULT_MAX_BODY
        ),
        replay_window_seconds=reader.duration(
            data.get("replay_window"), "serve.replay_window", DEFAULT_REPLAY_WINDOW
        ),
        sync_every_seconds=reader.duration(
            data.get("sync_every"), "serve.sync_every", DEFAULT_SYNC_EVERY
        ),
        max_pending=reader.count(data.get("max_pending"), "serve.max_pending", DEFAULT_MAX_PENDING),
        team_field=reader.text(board.get("team_field"), "serve.board.team_field") or "team",
    )


def _webhooks(
    reader: _Reader, raw: Any, connector_types: Mapping[str, str]
) -> dict[str, WebhookAuth]:
    webhooks: dict[str, WebhookAuth] = {}
    if raw is not None and not isinstance(raw, dict):
        reader.add("serve.webhooks", "expected a mapping of connector names")
        raw = {}
    for name, body in (raw or {}).items():
        path = f"serve.webhooks.{name}"
        if str(name) not in connector_types:
            known = ", ".join(connector_types) or "none"
            reader.add(path, f"no connector of that name in connectors: (configured: {known})")
            continue
        auth = _webhook(reader, str(name), connector_types[str(name)], body, path)
        if auth is not None:
            webhooks[str(name)] = auth
    return webhooks


def _not_mapping(raw: Any) -> bool:
    return raw is not None and not isinstance(raw, dict)


def _webhook(reader: _Reader, name: str, type_name: str, raw: Any, path: str) -> WebhookAuth | None:
    if _not_mapping(raw):
        reader.add(path, "expected a mapping")
        return None  # its keys cannot be checked
    body = reader.mapping(raw, path, WEBHOOK_KEYS)
    scheme = reader.text(body.get("scheme"), f"{path}.scheme") or DEFAULT_SCHEME.get(
        type_name, "shared_secret"
    )
    if reader.unread(scheme):
        return None  # which scheme's keys apply is known once the variable is read
    if scheme not in SCHEMES:
        reader.add(f"{path}.scheme", f"expected one of: {', '.join(SCHEMES)}")
        return None
    auth = WebhookAuth(
        connector=name,
        scheme=scheme,
        secret=reader.secret(body.get("secret"), f"{path}.secret"),
        header=reader.text(body.get("header"), f"{path}.header") or DEFAULT_SECRET_HEADER,
        username=reader.text(body.get("username"), f"{path}.username"),
        password=reader.secret(body.get("password"), f"{path}.password"),
    )
    if scheme != "shared_secret":
        if auth.secret is None:
            reader.add(f"{path}.secret", f"required: the {scheme} webhook's signing secret")
        if auth.username is not None or auth.password is not None:
            reader.add(path, f"username/password are for shared_secret, not {scheme}")
        return auth
    if (auth.username is None) != (auth.password is None):
        reader.add(path, "give both username and password (basic auth), or neither")
    if auth.secret is None and auth.password is None:
        reader.add(path, "set secret (sent in the header) or username and password")
    return auth


def literal_secret_paths(raw: Any) -> list[str]:
    """Key paths of the secrets a raw ``serve:`` section writes out instead of ``${ENV}``.

    Not an error (a value in the file works), but DESIGN.md principle 7 wants secrets in the
    environment: a config file gets copied, committed and pasted into tickets.
    """
    if not isinstance(raw, dict):
        return []
    places: list[tuple[str, Any]] = []
    board = raw.get("board")
    if isinstance(board, dict):
        places += [(f"serve.board.{key}", board.get(key)) for key in ("token", "password")]
    hooks = raw.get("webhooks")
    for name, body in hooks.items() if isinstance(hooks, dict) else ():
        if isinstance(body, dict):
            path = f"serve.webhooks.{name}"
            places += [(f"{path}.{key}", body.get(key)) for key in ("secret", "password")]
    return [path for path, value in places if isinstance(value, str) and "${" not in value]


def _secrets(settings: ServeSettings) -> list[SecretStr]:
    found = [settings.board.token, settings.board.password]
    for auth in settings.webhooks.values():
        found += [auth.secret, auth.password]
    return [secret for secret in found if secret is not None]


__all__ = [
    "BOARD_KEYS",
    "DEFAULT_SCHEME",
    "DEFAULT_SECRET_HEADER",
    "SCHEMES",
    "SERVE_KEYS",
    "WEBHOOK_KEYS",
    "BoardAuth",
    "ServeSettings",
    "WebhookAuth",
    "literal_secret_paths",
    "parse_serve_settings",
    "serve_section_issues",
]
