"""Fernet keys for tokens kept at rest: checked where the config is read, used by the store."""

from __future__ import annotations

from cryptography.fernet import Fernet

from slabridge.errors import InputError


class TokenKeyError(InputError, ValueError):
    """The token key is malformed, or is not the key the stored token was encrypted with."""


def fernet_for(key: str, where: str) -> Fernet:
    """A Fernet cipher for ``key``; a malformed key is an error naming ``where`` (not the key)."""
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise TokenKeyError(
            f"{where}: not a Fernet key (32 url-safe base64 bytes; make one with `python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
        ) from None


def generate_key() -> str:
    """A new random token key, as text for an environment variable."""
    return Fernet.generate_key().decode("ascii")


__all__ = ["TokenKeyError", "fernet_for", "generate_key"]
