"""slabridge: one set of SLA rules, enforced inside the helpdesks you already use."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
