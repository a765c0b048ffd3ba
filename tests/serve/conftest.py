"""Fixtures of the serve tests: the helpdesk fakes behind a config with a ``serve:`` section."""

from __future__ import annotations

import sys
from pathlib import Path

# The fakes-behind-a-config kit of the sync tests (fakekit) is shared, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
