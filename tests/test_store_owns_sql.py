"""The state store owns all SQL: no module outside its storage modules talks to the database.

A report, a command or the alert rules ask the store (``StateStore`` methods, or the storage
modules beside it) and get rows back; the ``ast`` of every module is read for ``sqlalchemy``
imports that are not for type checking only.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "slabridge"

# The store and the storage modules of its tables (the sync's writes, the alert outbox).
STORAGE_MODULES = {
    "slabridge.sync.store",
    "slabridge.sync.schema",
    "slabridge.sync.migrations",
    "slabridge.sync.credentials",
    "slabridge.sync.own_writes",
    "slabridge.sync.sends",
    "slabridge.sync.carry",
    "slabridge.alerts.outbox",
}
# These parse a database URL (sqlalchemy's make_url) to check it or redact its password; no SQL.
URL_PARSING = {"slabridge.config.state", "slabridge.sync.runtime"}


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def modules_using_sqlalchemy(root: Path) -> set[str]:
    """Modules under ``root`` that import sqlalchemy at run time (anywhere in their code)."""
    found = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = _type_checking_blocks(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in typing_only:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                names = [node.module or ""] if node.level == 0 else []
            if any(name.split(".")[0] == "sqlalchemy" for name in names):
                parts = path.relative_to(root.parent).with_suffix("").parts
                found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_only_the_storage_modules_run_sql() -> None:
    outside = sorted(modules_using_sqlalchemy(ROOT) - STORAGE_MODULES - URL_PARSING)
    assert outside == [], (
        f"these modules import sqlalchemy: move their queries into StateStore methods: {outside}"
    )


def test_an_import_for_type_checking_only_is_no_sql(tmp_path: Path) -> None:
    root = tmp_path / "slabridge"
    (root / "report").mkdir(parents=True)
    (root / "report" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlalchemy as sa\n"
    )
    (root / "report" / "sql.py").write_text("def rows():\n    import sqlalchemy as sa\n")
    (root / "report" / "core.py").write_text("from sqlalchemy.sql import select\n")
    assert modules_using_sqlalchemy(root) == {"slabridge.report.sql", "slabridge.report.core"}
