"""The status journal remembers status starts across connector instances (SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from slabridge_freshdesk.journal import StatusJournal

T1 = datetime(2026, 1, 5, 9, tzinfo=UTC)
T2 = datetime(2026, 1, 5, 11, tzinfo=UTC)


def test_marks_survive_a_restart_and_recording_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    first = StatusJournal(path, "https://acme.freshdesk.com/api/v2")
    first.record("42", [(T2, "open"), (T1, "pending")])
    first.record("42", [(T1, "pending")])
    first.close()
    again = StatusJournal(path, "https://acme.freshdesk.com/api/v2")
    assert again.marks("42") == [(T1, "pending"), (T2, "open")]
    assert again.marks("43") == []
    again.close()


def test_accounts_do_not_see_each_others_marks(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    acme = StatusJournal(path, "https://acme.freshdesk.com/api/v2")
    other = StatusJournal(path, "https://other.freshdesk.com/api/v2")
    acme.record("42", [(T1, "pending")])
    assert other.marks("42") == []
    acme.close()
    other.close()


def test_an_unusable_journal_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="status_journal: cannot use"):
        StatusJournal(tmp_path / "missing-dir" / "journal.db", "acme")
