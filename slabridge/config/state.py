"""The ``state:`` section: the database URL (its password is a secret, never echoed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slabridge.config.checking import Checker
from slabridge.config.model import DEFAULT_STATE


class StateChecks(Checker):
    """Checks ``state:``; a relative SQLite path is taken from the config file's folder."""

    def state(self, raw: Any, config_path: Path | None) -> str:
        if not isinstance(raw, str) or not raw.strip():
            self.add("state", "expected a database URL such as sqlite:///slabridge.db")
            return DEFAULT_STATE
        url = raw.strip()
        scheme = url.split("://", 1)[0] if "://" in url else ""
        base = scheme.split("+", 1)[0]
        if base not in ("sqlite", "postgresql", "postgres"):
            self.add("state", "expected sqlite:///PATH or postgresql://USER@HOST/DB")
            return DEFAULT_STATE
        problem = _url_problem(url)
        if problem is not None:
            # The URL itself is never echoed: it may hold the database password.
            self.add("state", f"not a valid database URL: {problem}")
            return DEFAULT_STATE
        self.secrets.extend(_url_password(url))
        if (
            base == "sqlite"
            and url.startswith(f"{scheme}:///")
            and not url.startswith(f"{scheme}:////")
        ):
            relative = url[len(scheme) + 4 :]
            if relative and relative != ":memory:" and config_path is not None:
                folder = config_path.resolve().parent
                url = f"{scheme}:///{folder / relative}"
        return url


def _url_problem(url: str) -> str | None:
    """Why SQLAlchemy cannot parse ``url`` (without quoting it), or None when it can."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ValueError:
        return "the port after host: must be a number (e.g. postgresql://USER@HOST:5432/DB)"
    except ArgumentError:
        return "expected sqlite:///PATH or postgresql://USER@HOST/DB"
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"the port must be between 1 and 65535, not {parsed.port}"
    return None


def _url_password(url: str) -> list[str]:
    """The database password of a URL that :func:`_url_problem` accepted (to redact it)."""
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    return [str(password)] if password else []
