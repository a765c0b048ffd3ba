"""``slabridge init`` writes a config an admin can load once the named variables are set."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from slabridge.cli import cli
from slabridge.config import load_config, load_config_text
from slabridge.connectors.base import Capabilities, Connector
from slabridge.demo.sample_config import environment_variables, sample_config
from slabridge.plugins import connector_types
from slabridge.testing.example import ExampleConnector


@pytest.mark.parametrize("helpdesk", ["zendesk", "freshdesk", "jira"])
def test_init_writes_a_config_that_loads_once_its_variables_are_set(
    helpdesk: str, tmp_path: Path
) -> None:
    target = tmp_path / "slabridge.yaml"
    result = CliRunner().invoke(cli, ["init", "--helpdesk", helpdesk, "--output", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    variables = environment_variables(text)
    assert variables, "credentials are read from the environment"
    for name in variables:
        assert f"export {name}=" in result.output
    assert "slabridge check" in result.output and "--dry-run" in result.output

    environ = dict.fromkeys(variables, "placeholder-value")
    config = load_config(target, connector_types=connector_types(), environ=environ)
    assert list(config.connectors) == [helpdesk]
    assert [policy.name for policy in config.policies][-1] == "standard"

    # The commented customers: example is valid for this helpdesk once uncommented.
    example = text.replace("# customers:", "customers:").replace("#   ", "  ")
    config = load_config_text(example, connector_types=connector_types(), environ=environ)
    assert dict(config.customers.customers["acme"].ids) == {helpdesk: ("361",)}


def test_init_names_the_installed_helpdesks_when_asked_for_an_unknown_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["init", "--helpdesk", "servicenow", "--output", str(tmp_path / "x.yaml")]
    )
    assert result.exit_code == 2
    assert "servicenow" in result.output
    for installed in connector_types():
        assert installed in result.output
    assert not (tmp_path / "x.yaml").exists()


def test_init_does_not_overwrite_an_existing_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "slabridge.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["init", "--helpdesk", "jira", "--output", str(target)])
    assert refused.exit_code == 2
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = CliRunner().invoke(
        cli, ["init", "--helpdesk", "jira", "--output", str(target), "--force"]
    )
    assert forced.exit_code == 0
    assert "type: jira" in target.read_text(encoding="utf-8")


def test_init_into_a_missing_folder_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "slabridge.yaml"
    result = CliRunner().invoke(cli, ["init", "--helpdesk", "zendesk", "--output", str(target)])
    assert result.exit_code == 2
    assert f"--output: cannot write {target}" in result.stderr
    assert "create the folder first" in result.stderr
    assert not isinstance(result.exception, FileNotFoundError)


class _NoPriorityConnector(ExampleConnector):
    """The Example connector as one that cannot write priorities (a read-mostly helpdesk)."""

    type_name: ClassVar[str] = "no_priority"
    capabilities: ClassVar[Capabilities] = Capabilities(tags=True, priority=False, fields=True)


def _every_connector_type() -> dict[str, type[Connector]]:
    return {**connector_types(), "example": ExampleConnector, "no_priority": _NoPriorityConnector}


@pytest.mark.parametrize("helpdesk", sorted(_every_connector_type()))
def test_init_never_writes_a_config_check_rejects(helpdesk: str) -> None:
    types = _every_connector_type()
    connector = types[helpdesk]
    text = sample_config({helpdesk: (connector, None)}, year=2026)
    environ = dict.fromkeys(environment_variables(text), "placeholder-value")
    config = load_config_text(text, connector_types=types, environ=environ)
    assert (config.actions.escalate_priority is not None) == connector.capabilities.priority, (
        f"{helpdesk}: escalate_priority written although the connector cannot write priorities"
    )


def test_init_takes_example_values_from_the_plugin_s_registered_fake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from slabridge.commands import init
    from slabridge.demo import sample_config as samples
    from slabridge.testing.example import EXAMPLE_HELPDESK
    from slabridge.testing.fakes import SECRET

    registered = dataclasses.replace(
        EXAMPLE_HELPDESK, sample_values={"base_url": "https://desk.acme.test", "token": SECRET}
    )
    monkeypatch.setattr(init, "connector_types", lambda: {"example": ExampleConnector})
    monkeypatch.setattr(samples, "fake_helpdesks", lambda: {"example": registered})
    target = tmp_path / "slabridge.yaml"
    result = CliRunner().invoke(cli, ["init", "--helpdesk", "example", "--output", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert "    base_url: https://desk.acme.test\n" in text
    assert "    token: ${EXAMPLE_TOKEN}\n" in text
    assert environment_variables(text) == ["EXAMPLE_TOKEN"]
