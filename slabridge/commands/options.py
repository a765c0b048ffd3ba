"""Click options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def config_option(help: str = "The slabridge config file.") -> Callable[[F], F]:
    """``--config FILE`` (default ``slabridge.yaml``), passed as ``config_path: Path``."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("slabridge.yaml"),
        show_default=True,
        help=help,
    )


__all__ = ["config_option"]
