"""Percentages and durations as the file writes them, and as reports show them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator

from slabridge.sla.durations import parse_duration

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def parse_percent(value: Any) -> Fraction:
    """``"99.5%"`` -> Fraction(199, 200), exactly; only the string form with ``%`` is accepted."""
    if isinstance(value, Fraction):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a percentage like 95% or 99.5%")
    found = _PERCENT.match(value)
    if found is None:
        raise ValueError("not a percentage (write it like 95% or 99.5%)")
    try:
        share = Fraction(Decimal(found.group(1))) / 100
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise ValueError("not a percentage (write it like 95% or 99.5%)") from None
    if share > 1:
        raise ValueError("a percentage must be between 0% and 100%")
    return share


def parse_duration_seconds(value: Any) -> int:
    """``"1h30m"`` -> 5400; the same duration syntax as policy targets (POLICY.md §1)."""
    return parse_duration(value)


def format_percent(share: Fraction | None, places: int = 2) -> str:
    """Display a share as a percentage, truncated (never rounded up across a credit boundary)."""
    if share is None:
        return "n/a"
    scaled = share * 100 * 10**places
    whole = scaled.numerator // scaled.denominator
    text = f"{whole // 10**places}"
    if places:
        text += f".{whole % 10**places:0{places}d}"
    return text + "%"


def short_percent(share: Fraction) -> str:
    """``Fraction(19, 20)`` -> ``95%``; for labels of configured values (exact up to 2 places)."""
    text = format_percent(share)
    return text.replace(".00%", "%")


def percent_number(share: Fraction | None, places: int = 2) -> float | None:
    """The truncated display percentage as a JSON number (exact counts are reported beside it)."""
    if share is None:
        return None
    return float(format_percent(share, places).rstrip("%"))


def format_seconds(seconds: float | Fraction | None) -> str:
    """``5400`` -> ``1h 30m``; business durations for people (whole seconds, truncated)."""
    if seconds is None:
        return "n/a"
    total = int(seconds)
    if total == 0:
        return "0s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    parts += [f"{secs}s"] if secs and not days else []
    return " ".join(parts)


Percent = Annotated[Fraction, BeforeValidator(parse_percent)]

DurationSeconds = Annotated[int, BeforeValidator(parse_duration_seconds)]


__all__ = [
    "DurationSeconds",
    "Percent",
    "format_percent",
    "format_seconds",
    "parse_duration_seconds",
    "parse_percent",
    "percent_number",
    "short_percent",
]
