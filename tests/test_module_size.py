"""No module grows into a hub: each does one thing, so each stays under a thousand lines.

Issue #22 found hubs (a 1,149-line config module, fakes of ~1.1k lines) that every change had
to read and that merges fought over. Modules split by concern stay small; this test keeps it so.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 1000


def module_lines() -> dict[str, int]:
    """Lines per module of the core and the bundled connectors (tests excluded)."""
    paths = [*(REPO / "slabridge").rglob("*.py"), *REPO.glob("plugins/*/slabridge_*/**/*.py")]
    return {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in paths
    }


def test_no_module_is_a_hub() -> None:
    sizes = module_lines()
    assert len(sizes) > 100, "the walk found too few modules"
    hubs = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert hubs == {}, f"modules over {MAX_LINES} lines: split them by concern: {hubs}"

