"""/metrics and /healthz served over real HTTP on loopback, and the textfile output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from slabridge.metrics_http import MetricsServer, write_textfile
from slabridge.telemetry import Health, record_api_call


@pytest.fixture
def health() -> Health:
    return Health(overdue_after=3600)


@pytest.fixture
def server(health: Health) -> Iterator[MetricsServer]:
    running = MetricsServer("127.0.0.1", 0, health)
    yield running
    running.close()


def test_metrics_are_served_in_the_prometheus_text_format(server: MetricsServer) -> None:
    record_api_call("served-connector", retries=1)
    response = requests.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'slabridge_api_calls_total{connector="served-connector"} 2.0' in response.text
    assert "# HELP slabridge_runs_total" in response.text


def test_healthz_answers_503_with_the_reason_after_a_failed_round(
    server: MetricsServer, health: Health
) -> None:
    url = f"http://127.0.0.1:{server.port}/healthz"
    assert requests.get(url, timeout=5).status_code == 200
    health.round_finished(["zendesk-eu"])
    response = requests.get(url, timeout=5)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unhealthy",
        "reason": "the last run failed for zendesk-eu",
    }


def test_an_unknown_path_is_a_404(server: MetricsServer) -> None:
    assert requests.get(f"http://127.0.0.1:{server.port}/", timeout=5).status_code == 404


def test_the_textfile_holds_the_metrics(tmp_path: Path) -> None:
    record_api_call("textfile-connector", retries=0)
    target = tmp_path / "slabridge.prom"
    write_textfile(target)
    assert 'slabridge_api_calls_total{connector="textfile-connector"} 1.0' in target.read_text()
