"""The one place that keeps secrets out of every message, log line, store row and report.

Two kinds of redaction, both applied by :func:`redact_text`:

- **known secret values** (``SecretStr`` fields, ``${ENV}`` values under ``connectors:`` and
  ``state:``, database passwords, OAuth tokens) are replaced wherever they appear, in their raw,
  URL-encoded and lower-case forms (a host name made from a token is lower-cased by URL
  parsing), and so are the long parts of a secret between URL delimiters (a host label made
  from part of one);
- **URLs** are masked by shape: the userinfo (``user:password@``) and the value of every
  secret-looking query parameter (``token``, ``api_key``, ``signature``...) become ``***``.

Only values long or unusual enough to be secrets are replaced (see :func:`worth_redacting`):
replacing a value such as ``one`` would garble our own messages ("give exactly *** of").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import quote, quote_plus

REDACTED = "***"
MIN_SECRET_LENGTH = 8
# Query parameter names whose value is a credential (matched as parts of the lower-cased name).
SECRET_PARAMETER_PARTS: tuple[str, ...] = (
    "token",
    "key",
    "secret",
    "pass",
    "pwd",
    "signature",
    "sig",
    "auth",
    "credential",
    "session",
    "jwt",
)
SECRET_PARAMETER_NAMES: tuple[str, ...] = ("code", "client_assertion")

_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s'\"<>`]*)")
_PARAMETER = re.compile(r"([?&;#])([^=&;#?\s]*)=([^&;#\s]*)")
_DELIMITERS = re.compile(r"[./:@?&=#%+ ,;\\\[\]{}()'\"]+")

# Secret values registered at run time (from the config, tokens, passwords).
_known_secrets: set[str] = set()


def worth_redacting(value: str) -> bool:
    """Whether ``value`` is long or unusual enough to be a secret (and so to be replaced).

    Eight characters or more always are; from four to seven only when the value mixes letters
    with digits or symbols (``ab12``, ``hunter2``), so a word (``one``, ``acme``) or a number
    (``0.75``, ``8443``) from the environment never garbles the text around it.
    """
    value = value.strip()
    if len(value) >= MIN_SECRET_LENGTH:
        return True
    if len(value) < 4:
        return False
    return any(c.isalpha() for c in value) and any(not c.isalpha() for c in value)


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that no message, log line or stored error can print them."""
    _known_secrets.update(value for value in values if value and worth_redacting(value))


def forget_secrets() -> None:
    """Drop every registered secret (for tests that need a clean slate)."""
    _known_secrets.clear()


@contextmanager
def secrets_kept_apart() -> Iterator[None]:
    """Register secrets inside the block only: afterwards the registry is as it was (tests)."""
    before = set(_known_secrets)
    try:
        yield
    finally:
        _known_secrets.clear()
        _known_secrets.update(before)


def secret_forms(secret: str) -> set[str]:
    """The forms a secret takes in text: raw, URL-encoded, and its long delimited parts."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms.update(part for part in _DELIMITERS.split(secret) if len(part) >= MIN_SECRET_LENGTH)
    return {form for form in forms if form}


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms: set[str] = set()
    for secret in secrets:
        forms.update(secret_forms(secret))
    if not forms:
        return None
    # Longest first, so that a secret containing another is replaced whole.
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile("|".join(re.escape(form) for form in ordered), re.IGNORECASE)


def _secret_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_PARAMETER_NAMES or any(
        part in lowered for part in SECRET_PARAMETER_PARTS
    )


def _mask_url(found: re.Match[str]) -> str:
    scheme, rest = found.group(1), found.group(2)
    # Punctuation that ends a sentence ("at URL: ...") belongs to the message, not the URL.
    kept = rest.rstrip(".,:;)!")
    trailing, rest = rest[len(kept) :], kept
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        authority = f"{REDACTED}@{authority.rsplit('@', 1)[1]}"

    def parameter(match: re.Match[str]) -> str:
        if not _secret_parameter(match.group(2)) or not match.group(3):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}={REDACTED}"

    return scheme + authority + _PARAMETER.sub(parameter, tail) + trailing


def mask_urls(text: str) -> str:
    """Mask the userinfo and secret-looking query parameters of every URL in ``text``."""
    if "://" not in text:
        return text
    return _URL.sub(_mask_url, text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any known secret (nor the given ones) and with every URL masked."""
    wanted = frozenset(
        secret for secret in {*_known_secrets, *secrets} if secret and worth_redacting(secret)
    )
    pattern = _pattern(wanted)
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return mask_urls(text)


__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "SECRET_PARAMETER_NAMES",
    "SECRET_PARAMETER_PARTS",
    "forget_secrets",
    "mask_urls",
    "redact_text",
    "register_secrets",
    "secret_forms",
    "secrets_kept_apart",
    "worth_redacting",
]
