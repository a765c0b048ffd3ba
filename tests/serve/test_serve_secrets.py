"""No webhook secret or board login reaches a log line, an answer or the state store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from servekit import SECRETS, serving, signed

from slabridge.redaction import secrets_kept_apart
from slabridge.serve.signatures import zendesk


def test_refused_and_accepted_requests_log_no_secret(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
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
    text = output.out + output.err + dump + "".join(a.text for a in answers[:-1])
    assert "webhook_refused" in text  # the refusals are logged, with a reason
    for secret in SECRETS.values():
        assert secret not in text
        assert secret[:12] not in text
