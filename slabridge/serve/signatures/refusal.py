"""Why a webhook was refused."""

from __future__ import annotations


class Unauthorized(Exception):
    """The request does not prove it comes from the helpdesk (HTTP 401); the text says why."""


__all__ = ["Unauthorized"]
