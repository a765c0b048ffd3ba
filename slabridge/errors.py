"""The root of slabridge's own errors and the exit codes the command line maps them to.

Every error slabridge raises on purpose derives from :class:`SlabridgeError` and carries the
exit status the CLI ends with (docs/admin-guide.md, "Exit codes"); the CLI maps it in one
place (``slabridge.cli``). Its message is meant for the user: it says what to fix and never
quotes a config value that could be a secret.
"""

from __future__ import annotations

EXIT_OK = 0  # done
EXIT_FAILURES = 1  # done, with failures (a ticket, a write, a connector or plugin problem)
EXIT_CONFIG = 2  # the config or the input is invalid: nothing was done
EXIT_LOCKED = 3  # another run holds the lock: nothing was done


class SlabridgeError(Exception):
    """An error slabridge reports to the user; ``exit_code`` is the CLI's exit status for it."""

    exit_code: int = EXIT_FAILURES


class InputError(SlabridgeError):
    """A config file, a command-line input or a setup that cannot be used (exit status 2)."""

    exit_code = EXIT_CONFIG


__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURES",
    "EXIT_LOCKED",
    "EXIT_OK",
    "InputError",
    "SlabridgeError",
]
