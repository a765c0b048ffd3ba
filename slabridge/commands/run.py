"""``slabridge run --every 5m``: sync in a loop, with jitter, stopping cleanly on SIGTERM."""

from __future__ import annotations

import random
import re
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

import click
import structlog

from slabridge.commands.options import config_option
from slabridge.commands.sync import progress_display, record_metrics, report
from slabridge.logs import configure_logging
from slabridge.metrics_http import MetricsServer
from slabridge.sync.runtime import (
    EXIT_CONFIG,
    EXIT_FAILURES,
    EXIT_OK,
    build_runtime,
    sync_all,
)
from slabridge.telemetry import Health

log = structlog.get_logger("slabridge.run")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)([smhd])")


def parse_interval(text: str) -> float:
    """``90s``, ``5m``, ``1h30m`` as seconds."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise click.BadParameter(f"{text!r} is not a duration (try 5m, 90s or 1h)")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise click.BadParameter("the interval must be longer than 0s")
    return float(seconds)


@click.command("run")
@config_option()
@click.option(
    "--every",
    "every",
    default="5m",
    show_default=True,
    help="Time between the starts of two runs (e.g. 5m, 90s, 1h).",
)
@click.option(
    "--jitter/--no-jitter",
    default=True,
    show_default=True,
    help="Wait a random 0-10% of the interval before each run, so that several "
    "workers do not hit the helpdesk in step.",
)
@click.option("--connector", "connectors", multiple=True, help="Only this connector (repeatable).")
@click.option("--max-runs", type=int, default=None, help="Stop after this many runs (testing).")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve Prometheus /metrics and /healthz on this port (0: any free port).",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address for --metrics-port; 0.0.0.0 in a container, so Prometheus can scrape it.",
)
def command(
    config_path: Path,
    every: str,
    jitter: bool,
    connectors: tuple[str, ...],
    max_runs: int | None,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Sync forever, every INTERVAL; on SIGTERM or Ctrl-C finish the batch in hand and exit.

    A connector another worker holds is skipped for that round. Exit status: 0 stopped cleanly,
    1 the last run had failures, 2 config error.
    """
    configure_logging()
    interval = parse_interval(every)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "stop_requested",
            signal=signal.Signals(signum).name,
            hint="finishing the batch in hand, then exiting",
        )
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # A SetupError ends the command in slabridge.cli, with exit status 2.
    runtime = build_runtime(str(config_path), connectors)
    # Unhealthy once two intervals (plus the jitter) pass without a finished round.
    health = Health(overdue_after=interval * 2.2 + 60)
    server: MetricsServer | None = None
    if metrics_port is not None:
        try:
            server = MetricsServer(metrics_host, metrics_port, health)
        except OSError as error:
            runtime.close()
            click.echo(
                f"error: --metrics-port: cannot listen on {metrics_host}:{metrics_port}: "
                f"{error.strerror or error}",
                err=True,
            )
            sys.exit(EXIT_CONFIG)
        log.info("metrics_listening", host=metrics_host, port=server.port)
    rng = random.Random()
    runs = 0
    last_code = EXIT_OK
    try:
        while not stop.is_set():
            if jitter and stop.wait(rng.uniform(0, interval * 0.1)):
                break
            started = time.monotonic()
            with progress_display(sys.stderr.isatty()) as progress:
                outcome = sync_all(
                    runtime,
                    progress=progress,
                    stop_requested=stop.is_set,
                    # A connector another worker synced in the last half interval is left alone.
                    fresh_since=datetime.now(UTC) - timedelta(seconds=interval / 2),
                )
            record_metrics(runtime, outcome)
            health.round_finished(s.connector for s in outcome.summaries if s.status == "failed")
            report(outcome, dry_run=False, as_json=False)
            last_code = EXIT_FAILURES if outcome.exit_code == EXIT_FAILURES else EXIT_OK
            runs += 1
            if max_runs is not None and runs >= max_runs:
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        if server is not None:
            server.close()
        runtime.close()
    log.info("run_stopped", runs=runs)
    sys.exit(last_code)


__all__ = ["command", "parse_interval"]
