"""``slabridge new-connector``: the generated package passes the standard suite as generated."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from slabridge.commands.new_connector import command
from slabridge.testing.registered import StandardFakeTests
from slabridge.testing.scaffold import check_name
from slabridge.testing.suite import StandardConnectorTests


def test_the_generated_package_passes_its_standard_suite(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    result = CliRunner().invoke(command, ["acme_desk", "--path", str(target)])
    assert result.exit_code == 0, result.output
    assert f"created {target}/" in result.output
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        # Registered as a plugin module, so no pip install is needed.
        "SLABRIDGE_PLUGIN_MODULES": "slabridge_acme_desk",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    standard = [name for name in dir(StandardConnectorTests) if name.startswith("test_")]
    fake = [name for name in dir(StandardFakeTests) if name.startswith("test_")]
    # Every standard test and fake test ran and passed (none skipped), plus the 2 packaging
    # tests.
    assert f"{len(standard) + len(fake) + 2} passed in" in run.stdout, run.stdout[-500:]


def test_the_package_layout_and_entry_point(tmp_path: Path) -> None:
    target = tmp_path / "pkg"
    CliRunner().invoke(command, ["acme", "--path", str(target)])
    files = sorted(str(path.relative_to(target)) for path in target.rglob("*") if path.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "slabridge_acme/__init__.py",
        "slabridge_acme/connector.py",
        "slabridge_acme/fake.py",
        "slabridge_acme/harness.py",
        "slabridge_acme/py.typed",
        "tests/test_connector.py",
    ]
    project = tomllib.loads((target / "pyproject.toml").read_text())["project"]
    assert project["name"] == "slabridge-acme"
    assert project["entry-points"]["slabridge"] == {"acme": "slabridge_acme"}
    connector = (target / "slabridge_acme" / "connector.py").read_text()
    assert 'type_name: ClassVar[str] = "acme"' in connector
    assert "class AcmeConnector(Connector)" in connector
    for path in (target / "slabridge_acme").glob("*.py"):
        assert "example" not in path.read_text().lower(), f"{path.name} still says example"


def test_an_invalid_name_is_refused_with_what_would_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, ["Acme-Desk", "--path", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "use 2-40 lowercase letters, digits and underscores" in result.output
    assert not (tmp_path / "x").exists()
    assert CliRunner().invoke(command, ["example"]).exit_code == 2


def test_an_existing_non_empty_directory_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(command, ["acme", "--path", str(tmp_path)])
    assert result.exit_code == 2 and "already exists and is not empty" in result.output
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]


def test_names_have_every_spelling() -> None:
    names = check_name("acme_desk")
    assert (names.camel, names.package, names.distribution, names.slug) == (
        "AcmeDesk",
        "slabridge_acme_desk",
        "slabridge-acme-desk",
        "acme-desk",
    )


def test_the_generated_package_passes_mypy_strict_out_of_the_box(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    CliRunner().invoke(command, ["acme_desk", "--path", str(target)])
    # slabridge is found by path, as with a normal install; an editable install through
    # setuptools' import hook hides it from mypy (docs/plugins/testing.md says what to do).
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "slabridge_acme_desk",
        ],
        cwd=target,
        env={**os.environ, "MYPYPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
