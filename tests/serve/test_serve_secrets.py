"""No webhook secret or board login reaches a log line, an answer or the state store."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from servekit import SECRETS, serving, signed

from slabridge.logs import configure_logging, reset_log_level
from slabridge.redaction import secrets_kept_apart
from slabridge.serve.signatures import zendesk


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON log lines `slabridge serve` writes (its processors, redaction included), in a
    buffer of this test's own: whatever stream an earlier test left structlog on is not it."""
    reset_log_level()
    buffer = io.StringIO()
    configure_logging(json=True, file=buffer)
    yield buffer
    structlog.reset_defaults()


def test_refused_and_accepted_requests_log_no_secret(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], log_lines: io.StringIO
) -> None:
    with secrets_kept_apart(), serving(tmp_path) as served:
        answers = []
        for kind in ("zendesk", "jira", "freshdesk"):
            ticket = served.ids[kind][0]
            body, headers = signed(kind, ticket)
            answers.append(served.post(kind, body, headers))
            wrong = dict(headers)
            for name in wrong:
                if name.lower() not in ("content-type", zendesk.TIMESTAMP):
                    wrong[name] = SECRETS["BOARD_TOKEN"]  # a secret where it does not belong
            answers.append(served.post(kind, body, wrong))
        answers.append(served.session.get(f"{served.url}/", params={"token": "nope"}))
        answers.append(
            served.session.get(f"{served.url}/", params={"token": SECRETS["BOARD_TOKEN"]})
        )
        assert served.server.queue.wait_idle(60)
    # Read once the server has stopped: a refusal's log line may follow its answer.
    output = capfd.readouterr()
    dump = "\n".join(sqlite3.connect(tmp_path / "state.db").iterdump())
    assert [answer.status_code for answer in answers] == [202, 401] * 3 + [401, 200]
    logged = log_lines.getvalue()
    # The three refused webhooks are logged, each with a reason.
    assert logged.count('"event": "webhook_refused"') == 3, logged
    text = logged + output.out + output.err + dump + "".join(a.text for a in answers[:-1])
    for secret in SECRETS.values():
        assert secret not in text
        assert secret[:12] not in text
