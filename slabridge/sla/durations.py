"""Policy durations (``90s``, ``30m``, ``4h``, ``1h30m``, ``3d``, ``2w``) to seconds and back."""

from __future__ import annotations

import re
from typing import Any

from slabridge.errors import InputError

# Units from largest to smallest; ``1d`` is 24 hours of the metric's clock, ``1w`` is 7 days.
UNITS: tuple[tuple[str, int], ...] = (
    ("w", 604_800),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
)
_UNIT_SECONDS = dict(UNITS)
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_WORD_UNITS = {
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "d": "d", "day": "d", "days": "d",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
}  # fmt: skip
_WORDY = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
HINT = "a duration is digits with units w, d, h, m, s, largest first, e.g. 90s, 30m, 4h, 1h30m, 3d"


class DurationError(InputError, ValueError):
    """A text that is not a duration; the message says what would be valid."""


def parse_duration(value: Any) -> int:
    """Seconds in a policy duration; raise DurationError with a suggestion otherwise.

    Durations are positive: a zero target would be breached by any clock that runs at all.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _fail(f"{value!r} is not a duration (add a unit, try {_suggest_number(value)})")
        return _fail(f"expected a duration such as 4h ({HINT})")
    text = value.strip()
    match = _DURATION.match(text)
    if not text or match is None:
        return _fail(f"{value!r} is not a duration ({_suggestion(text)})")
    seconds = sum(
        int(amount) * unit
        for amount, (_, unit) in zip(match.groups(), UNITS, strict=True)
        if amount
    )
    if seconds <= 0:
        return _fail(f"{value!r} is not a duration (it must be longer than zero)")
    return seconds


def format_duration(seconds: float) -> str:
    """A short duration for ``seconds`` (``5400`` -> ``1h30m``); negative values get a ``-``."""
    whole = round(seconds)
    if whole == 0:
        return "0s"
    sign = "-" if whole < 0 else ""
    whole = abs(whole)
    parts: list[str] = []
    for name, unit in UNITS[1:]:  # weeks read badly in reports; stop at days
        amount, whole = divmod(whole, unit)
        if amount:
            parts.append(f"{amount}{name}")
    return sign + "".join(parts)


def _fail(message: str) -> int:
    raise DurationError(message)


def _suggest_number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):  # NaN or infinite
        return "4h"
    seconds = int(value)
    return f"{format_duration(seconds)}" if seconds > 0 and seconds == value else "4h"


def _suggestion(text: str) -> str:
    """Guess what was meant: ``1 hour`` -> ``try 1h``; ``1.5h`` -> ``try 1h30m``."""
    pieces = _WORDY.findall(text)
    leftover = _WORDY.sub("", text).replace(",", "").replace("and", "").strip()
    if pieces and not leftover:
        total = 0.0
        for amount, word in pieces:
            unit = _WORD_UNITS.get(word.lower())
            if unit is None:
                break
            total += float(amount) * _UNIT_SECONDS[unit]
        else:
            if total >= 1 and total == int(total):
                return f"try {format_duration(total)}"
    return HINT


__all__ = ["HINT", "UNITS", "DurationError", "format_duration", "parse_duration"]
