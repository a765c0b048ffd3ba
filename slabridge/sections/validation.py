"""What the shared sections' validators return: problems as (key path, message) pairs."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, ValidationError

# A problem in the file: its key path and what is wrong (ConfigIssue's shape in slabridge.config).
Problem = tuple[str, str]


_MESSAGES = {"extra_forbidden": "unknown key", "missing": "missing required key"}


class StrictModel(BaseModel):
    """A section entry: unknown keys are errors, no type coercion, immutable once read."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, arbitrary_types_allowed=True
    )


def error_path(prefix: str, location: Sequence[int | str]) -> str:
    """``("goals", (0, "share"))`` -> ``goals[0].share``."""
    path = prefix
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "literal[", "union[")) or part in ("str", "list[str]"):
            continue  # pydantic's validator and union-branch markers are not keys in the file
        else:
            path += f".{part}" if path else part
    return path


def problems_of(prefix: str, error: ValidationError) -> list[Problem]:
    """A pydantic error as problems under ``prefix``, each once, without echoing the input."""
    found: list[Problem] = []
    for item in error.errors(include_input=False, include_url=False):
        message = _MESSAGES.get(item["type"], str(item["msg"]).removeprefix("Value error, "))
        problem = (error_path(prefix, item["loc"]), message)
        if problem not in found:
            found.append(problem)
    return found


__all__ = [
    "Problem",
    "StrictModel",
    "error_path",
    "problems_of",
]
