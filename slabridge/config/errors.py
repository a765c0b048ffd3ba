"""The errors a config file can have: each with its key path, all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

from slabridge.errors import InputError


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the file: where (a key path) and what is wrong or would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(InputError, ValueError):
    """The config cannot be used; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))
