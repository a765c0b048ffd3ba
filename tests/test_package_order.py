"""The packages depend in one direction: sla < connectors < config < plugins < sync < report < cli.

An import that runs back up this order (even inside a function, even for type checking only)
ties a lower package to a higher one's internals: the engine to the config file, a connector to
the state store. The test reads every module's imports with ``ast`` and names each back edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "slabridge"

# Each top-level module or package of slabridge, by layer (low to high). Shared leaves
# (logging, telemetry, the YAML loader) sit below everything; testing helpers and the demo,
# which drive the whole program, sit at the top with the commands.
LAYERS: dict[str, int] = {
    "errors": 0,
    "logs": 0,
    "redaction": 0,
    "telemetry": 0,
    "yaml_loader": 0,
    "sla": 1,
    "connectors": 2,
    "config": 3,
    "customers": 3,
    # goals:, credits: and their scope: the config validates them, alert rules share the scope,
    # the report computes with them, so they sit below all three.
    "sections": 3,
    "facts": 3,
    "plugins": 4,
    "hookspecs": 4,
    "sync": 5,
    # alerts spans layers: what a message is and what a notifier must do are contracts (like
    # connectors'), the settings are config, the registry loads plugins, the rest is the sync's.
    "alerts": 5,
    "alerts.message": 2,
    "alerts.notifiers": 2,
    "alerts.notifiers.registry": 4,
    "alerts.settings": 3,
    "metrics_http": 5,
    "report": 6,
    "commands": 7,
    # serve runs the sync and renders report figures (the board), like a command does.
    "serve": 7,
    "cli": 7,
    "demo": 7,
    "testing": 7,
    # The fake-API toolkit imports nothing of slabridge; what a plugin registers for its fake
    # (hook register_fakes) is plugin contract, named by the hookspecs.
    "testing.fakeapi": 2,
    "testing.fakes": 4,
    "__main__": 7,
}
LAYER_NAMES = ["leaves", "sla", "connectors", "config", "plugins", "sync", "report", "commands"]

# Back edges not yet removed, each with the issue that removes it. Shrink this, never grow it.
KNOWN_BACK_EDGES: set[tuple[str, str]] = set()


def top_level(module: str) -> str | None:
    """The most specific key of LAYERS that ``module`` is in (``alerts.settings``, ``sync``)."""
    parts = module.split(".")
    if parts[0] != "slabridge" or len(parts) < 2:
        return None
    for size in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[1 : 1 + size])
        if key in LAYERS:
            return key
    return parts[1]


def imports_of(path: Path, module: str) -> set[str]:
    """Every module ``path`` (the module ``module``) imports, at any depth of its code.

    Function-level and ``TYPE_CHECKING`` imports count; relative imports are resolved, and
    ``from slabridge import report`` names ``slabridge.report``.
    """
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([base] if base else [])])
            names.add(base)
            if top_level(base) is None:  # `from slabridge import report`: the names are modules
                names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def back_edges_under(root: Path) -> set[tuple[str, str]]:
    """(importer, imported) for every import under ``root`` that runs up the package order."""
    found = set()
    for path in root.rglob("*.py"):
        source = module_name(path, root)
        source_top = top_level(source)
        if source_top is None:
            continue
        for target in imports_of(path, source):
            target_top = top_level(target)
            if target_top is None or target_top == source_top or target_top not in LAYERS:
                continue
            if LAYERS[target_top] > LAYERS[source_top]:
                found.add((source, target))
    return found


def test_every_top_level_module_has_a_layer() -> None:
    tops = {
        p.stem if p.is_file() else p.name
        for p in ROOT.iterdir()
        if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert tops - {"__init__"} <= set(LAYERS), (
        f"give these a layer: {sorted(tops - set(LAYERS) - {'__init__'})}"
    )


def test_no_import_runs_back_up_the_package_order() -> None:
    back_edges = back_edges_under(ROOT)
    unexpected = sorted(back_edges - KNOWN_BACK_EDGES)
    assert unexpected == [], (
        "imports against the package order "
        + " < ".join(LAYER_NAMES)
        + ":\n"
        + "\n".join(f"  {a} imports {b}" for a, b in unexpected)
    )
    gone = sorted(KNOWN_BACK_EDGES - back_edges)
    assert gone == [], f"these back edges are gone: remove them from KNOWN_BACK_EDGES: {gone}"


def test_hidden_imports_up_the_order_are_back_edges_too(tmp_path: Path) -> None:
    """The reader sees imports inside functions, under TYPE_CHECKING, relative and by name."""
    root = tmp_path / "slabridge"
    for package in ("config", "report", "sync", "sla"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "config" / "loading.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from slabridge.sync.store import StateStore\n"
        "def load():\n"
        "    import slabridge.report.models\n"
    )
    (root / "config" / "relative.py").write_text("from ..report import compute\n")
    (root / "sla" / "named.py").write_text("from slabridge import config\n")
    # Down the order, and inside one package: not back edges.
    (root / "report" / "fine.py").write_text("from slabridge.config import load\nfrom . import x\n")
    assert back_edges_under(root) == {
        ("slabridge.config.loading", "slabridge.sync.store"),
        ("slabridge.config.loading", "slabridge.report.models"),
        ("slabridge.config.relative", "slabridge.report"),
        ("slabridge.sla.named", "slabridge.config"),
    }


def test_the_shared_sections_sit_below_the_config() -> None:
    """sections/, facts and customers share the config's layer but must not import it (nor the
    alert settings, which the config imports): that would close an import cycle."""
    shared = [*(ROOT / "sections").rglob("*.py"), ROOT / "facts.py", ROOT / "customers.py"]
    upward = sorted(
        (module_name(path), target)
        for path in shared
        for target in imports_of(path, module_name(path))
        if top_level(target) in ("config", "alerts.settings")
    )
    assert upward == [], f"the shared sections import the config: {upward}"
