"""How to name the ``slabridge`` program in the next-step hints a command prints."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def program() -> str:
    """``slabridge`` when that is on PATH, else the path of the venv's script (``.venv/bin/...``).

    After ``./dev demo`` the program lives in ``.venv/bin`` and is not on PATH, so a bare
    ``slabridge`` in a hint would fail with "command not found".
    """
    on_path = shutil.which("slabridge")
    script = Path(sys.executable).parent / "slabridge"
    if on_path is not None or not script.exists():
        return "slabridge"
    try:
        return os.path.relpath(script)
    except ValueError:  # another drive (Windows)
        return str(script)


__all__ = ["program"]
