"""No known secret reaches the runs table, the JSON summary or the printed errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from synckit import T0, MemoryConnector, make_engine

from slabridge import logs, redaction
from slabridge.commands.sync import report
from slabridge.sync.runtime import SyncOutcome
from slabridge.sync.store import StateStore
from slabridge.testing.pytest_plugin import CapturedLogs

SECRET = "tok-3f9a61c2e7-never-print"


@pytest.fixture
def registered_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(redaction, "_known_secrets", set())
    logs.register_secrets([SECRET])
    yield SECRET


def test_an_error_quoting_a_secret_is_scrubbed_in_the_summary_the_store_and_the_output(
    store: StateStore,
    memory: MemoryConnector,
    registered_secret: str,
    captured_logs: CapturedLogs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    memory.add("1")
    memory.fail_apply = RuntimeError(f"GET https://x.test/api?api_key={registered_secret} failed")
    summary = make_engine(store, T0 + timedelta(hours=2)).sync("mem", memory)
    assert summary.errors  # the write failed and was reported
    assert registered_secret not in str(summary.to_json())
    [run] = store.iter_runs()
    assert registered_secret not in str(run.summary)
    assert "***" in str(run.summary)
    [queued] = store.pending_outbox("mem")  # kept for the next run, with a scrubbed reason
    assert queued.last_error and registered_secret not in queued.last_error
    report(SyncOutcome(summaries=[summary]), dry_run=False, as_json=True)
    printed = capsys.readouterr()
    assert registered_secret not in printed.out + printed.err
    assert "api_key=***" in printed.err
    assert captured_logs.entries and registered_secret not in captured_logs.text
