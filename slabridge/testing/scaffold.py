"""Scaffold a connector package from the Example connector (``slabridge new-connector``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from slabridge.errors import InputError

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
# The Example package files copied (renamed) into a new connector package.
_COPIED = ("connector.py", "fake.py", "harness.py")


class ScaffoldError(InputError, ValueError):
    """The name or target directory cannot be used; the message says what would work."""


@dataclass(frozen=True, slots=True)
class Names:
    """Every spelling of a connector's name a package needs."""

    name: str  # type_name and entry point name: acme_desk

    @property
    def camel(self) -> str:  # class prefix: AcmeDesk
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def slug(self) -> str:  # host names and URLs: acme-desk
        return self.name.replace("_", "-")

    @property
    def name_upper(self) -> str:  # environment variables: ACME_DESK_TOKEN
        return self.name.upper()

    @property
    def package(self) -> str:  # import name: slabridge_acme_desk
        return f"slabridge_{self.name}"

    @property
    def distribution(self) -> str:  # pip name: slabridge-acme-desk
        return f"slabridge-{self.slug}"


def check_name(name: str) -> Names:
    """Validate a connector name: lowercase letters, digits and ``_``, starting with a letter."""
    if not _NAME.match(name):
        raise ScaffoldError(
            f"{name!r} is not a valid connector name: use 2-40 lowercase letters, digits and "
            "underscores, starting with a letter (e.g. acme_desk)"
        )
    if name == "example":
        raise ScaffoldError("'example' is taken by the built-in Example connector; pick another")
    return Names(name)


def _rename(text: str, names: Names) -> str:
    text = text.replace("slabridge.testing.example", names.package)
    text = re.sub(r"Example", names.camel, text)
    text = re.sub(r"EXAMPLE", names.name.upper(), text)
    return re.sub(r"example", names.name, text)


def _example_source(filename: str) -> str:
    return (resources.files("slabridge.testing.example") / filename).read_text(encoding="utf-8")


def render(names: Names) -> dict[str, str]:
    """The files of a new connector package: relative path → text."""
    package = names.package
    files = {
        f"{package}/{filename}": _rename(_example_source(filename), names) for filename in _COPIED
    }
    files[f"{package}/__init__.py"] = _INIT.format(n=names)
    files[f"{package}/py.typed"] = ""
    files["tests/test_connector.py"] = _TESTS.format(n=names)
    files["pyproject.toml"] = _PYPROJECT.format(n=names)
    files["README.md"] = _README.format(n=names)
    return files


def scaffold(name: str, target: Path | None = None) -> Path:
    """Write a new connector package to ``target`` (default ``./slabridge-NAME``); return it.

    Raises:
        ScaffoldError: an invalid name, or a target that exists and is not empty.
    """
    names = check_name(name)
    root = Path(names.distribution) if target is None else target
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(f"{root} already exists and is not empty; choose another --path")
    for relative, text in render(names).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


_INIT = '''"""The {n.camel} helpdesk connector for slabridge (entry point group ``slabridge``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slabridge.connectors.base import Connector
from slabridge.hookspecs import hookimpl
from slabridge.testing.fakes import FakeHelpdesk

from .connector import {n.camel}Config, {n.camel}Connector

__version__ = "0.1.0"


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register({n.camel}Connector)


@hookimpl
def register_fakes(register: Callable[[FakeHelpdesk[Any]], None]) -> None:
    # The fake joins `slabridge demo`; imported here, so that loading the plugin does not.
    from .fake import {n.name_upper}_HELPDESK

    register({n.name_upper}_HELPDESK)


__all__ = ["{n.camel}Config", "{n.camel}Connector", "register_connectors", "register_fakes"]
'''

_TESTS = '''"""The {n.camel} connector passes slabridge's standard connector suite."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from slabridge.plugins import connector_types, create_plugin_manager, load_plugins
from slabridge.testing.registered import StandardFakeTests
from slabridge.testing.suite import StandardConnectorTests
from {n.package}.connector import {n.camel}Connector
from {n.package}.fake import {n.camel}Fake
from {n.package}.harness import {n.camel}Harness

TOKEN = "{n.slug}-test-token-4c1d"


class Test{n.camel}Connector(StandardConnectorTests):
    @pytest.fixture
    def harness(self) -> Iterator[{n.camel}Harness]:
        with {n.camel}Fake(tokens={{TOKEN: "admin"}}) as fake:
            harness = {n.camel}Harness(fake, secrets=[TOKEN])
            harness.token = TOKEN
            yield harness


class Test{n.camel}Fake(StandardFakeTests):
    """The registered fake gives `slabridge demo` and `slabridge init` what they need."""

    connector_type = "{n.name}"


def test_the_plugin_registers_the_connector_type() -> None:
    manager = create_plugin_manager()
    load_plugins(
        manager,
        environ={{"SLABRIDGE_LOAD_PLUGINS": "", "SLABRIDGE_PLUGIN_MODULES": "{n.package}"}},
    )
    assert manager.load_failures == []
    assert connector_types(manager) == {{"{n.name}": {n.camel}Connector}}


def test_the_package_declares_its_entry_point() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    entry_points = tomllib.loads(pyproject.read_text())["project"]["entry-points"]
    assert entry_points["slabridge"] == {{"{n.name}": "{n.package}"}}
'''

_PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{n.distribution}"
version = "0.1.0"
description = "{n.camel} helpdesk connector for slabridge"
requires-python = ">=3.11"
dependencies = ["slabridge>=0.1"]

[project.optional-dependencies]
# pip install -e ".[test]": pytest for the standard suite, mypy for --strict.
test = ["slabridge[testing]>=0.1", "mypy>=1.10"]

[project.entry-points.slabridge]
{n.name} = "{n.package}"

[tool.setuptools.packages.find]
include = ["{n.package}*"]

[tool.setuptools.package-data]
{n.package} = ["py.typed"]

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]

[tool.ruff.lint.isort]
known-first-party = ["slabridge", "{n.package}"]

[tool.mypy]
strict = true
python_version = "3.11"
"""

_README = """# {n.distribution}

A slabridge connector for the {n.camel} helpdesk, generated by `slabridge new-connector {n.name}`
from the Example connector. It already passes slabridge's standard connector suite against its
fake API (`{n.package}/fake.py`); change the connector and the fake together, towards the real
API, and keep the suite green.

    pip install -e .          # registers the `{n.name}` connector type (entry point `slabridge`)
    python -m pytest          # the standard suite, against the fake
    slabridge plugins         # lists the plugin

Then configure it:

```yaml
connectors:
  {n.name}:
    type: {n.name}
    base_url: https://{n.slug}.example.com
    token: ${{{n.name_upper}_TOKEN}}
```

Guide: docs/plugins/tutorial.md and docs/plugins/testing.md in slabridge.
"""


__all__ = ["Names", "ScaffoldError", "check_name", "render", "scaffold"]
