"""FakeZendesk's bulk updates: ``update_many`` and the job statuses its clients poll."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from slabridge.testing.fakeapi import FakeRequest, FakeResponse
from slabridge_zendesk.fake_store import (
    NOT_FOUND,
    TOO_MANY_VALUES,
    ZendeskStore,
    _error,
    fold_tags,
)


class ZendeskJobs(ZendeskStore):
    """Queues a bulk update as a job; a poll moves it on, and so does time alone."""

    if TYPE_CHECKING:
        ADMIN_ID: int
        jobs: dict[str, dict[str, Any]]
        job_failures: dict[int, list[tuple[str, str]]]
        unpolled_job_seconds: float | None
        _job_work: dict[str, list[tuple[int, dict[str, Any]]]]
        _job_touched: dict[str, float]
        _job_changed: bool
        _writes: int

    def _update_many(self, request: FakeRequest) -> FakeResponse:
        payload = request.json() or {}
        work: list[tuple[int, dict[str, Any]]] = []
        if request.arg("ids") is not None:
            ids = self._ids(request)
            if ids is None:
                return FakeResponse(400, dict(TOO_MANY_VALUES))
            change = payload.get("ticket")
            if not isinstance(change, dict):
                return _error(400, "InvalidValue", 'with ids=, the body is {"ticket": {...}}')
            work = [(tid, change) for tid in ids]
        else:
            batch = payload.get("tickets")
            if not isinstance(batch, list):
                return _error(400, "InvalidValue", 'give ids= or a {"tickets": [...]} body')
            if len(batch) > 100:
                return FakeResponse(400, dict(TOO_MANY_VALUES))
            work = [(int(item.get("id", 0)), item) for item in batch if isinstance(item, dict)]
        job_id = "V3-" + "".join(f"{self._rng.getrandbits(4):x}" for _ in range(32))
        job = {
            "id": job_id,
            "url": f"https://{self.subdomain}.zendesk.com/api/v2/job_statuses/{job_id}.json",
            "total": len(work),
            "progress": None,
            "status": "queued",
            "message": None,
            "results": None,
        }
        self.jobs[job_id] = job
        self._job_work[job_id] = work
        self._job_touched[job_id] = time.monotonic()
        return FakeResponse(200, {"job_status": dict(job)})

    def _job(self, request: FakeRequest, job_id: str) -> FakeResponse:
        job = self.jobs.get(job_id)
        if job is None:
            return FakeResponse(404, dict(NOT_FOUND))
        self._job_touched[job_id] = time.monotonic()
        if job["status"] == "queued":  # queued -> working, as recorded (progress, message)
            total = len(self._job_work.get(job_id, []))
            job.update(status="working", progress=0, message=f"Updating ticket #{min(total, 1)}")
            return FakeResponse(200, {"job_status": dict(job)})
        if job["status"] == "working":  # working -> completed on the next poll
            self._complete_job(job)
        return FakeResponse(200, {"job_status": dict(job)})

    def _complete_job(self, job: dict[str, Any]) -> None:
        self._job_changed = False
        self._job_touched.pop(job["id"], None)
        results = [
            self._run_job_item(i, tid, change)
            for i, (tid, change) in enumerate(self._job_work.pop(job["id"], []))
        ]
        job.update(
            status="completed",
            progress=len(results),
            results=results,
            message=f"Completed at {self.clock().strftime('%Y-%m-%d %H:%M:%S')} +0000",
        )
        if self._job_changed:  # the update_many request changed state
            self._writes += 1

    def run_unpolled_jobs(self) -> int:
        """Complete the jobs nobody polled for ``unpolled_job_seconds``; return how many."""
        if self.unpolled_job_seconds is None:
            return 0
        deadline = time.monotonic() - self.unpolled_job_seconds
        with self.lock:
            stale = [job_id for job_id, at in self._job_touched.items() if at <= deadline]
            for job_id in stale:
                self._complete_job(self.jobs[job_id])
        return len(stale)

    def _run_job_item(self, index: int, tid: int, change: Mapping[str, Any]) -> dict[str, Any]:
        failed = self.job_failures.get(tid)
        if failed:
            error, details = failed.pop(0)
            return _failed_item(index, tid, error, details)
        ticket = self.tickets.get(tid)
        if ticket is None:
            return _failed_item(index, tid, "RecordNotFound", f"Ticket {tid} not found")
        if ticket.get("status") == "closed":
            return _failed_item(
                index, tid, "ClosedPreventsUpdate", "Status: closed prevents ticket update"
            )
        update: dict[str, Any] = {}
        tags = list(ticket.get("tags") or [])
        if "tags" in change:
            tags = fold_tags(change["tags"])
        tags += [t for t in fold_tags(change.get("additional_tags") or []) if t not in tags]
        removed = set(fold_tags(change.get("remove_tags") or []))
        tags = [t for t in tags if t not in removed]
        update["tags"] = tags
        for key in ("priority", "status"):
            if key in change:
                update[key] = change[key]
        if self._update(tid, update, self.ADMIN_ID) is not None:
            self._job_changed = True
        return {"action": "update", "status": "Updated", "success": True, "id": tid}


def _failed_item(index: int, tid: int, error: str, details: Any) -> dict[str, Any]:
    """One failed item of a job's ``results``, as Zendesk reports it."""
    return {
        "index": index,
        "id": tid,
        "action": "update",
        "success": False,
        "status": "Failed",
        "error": error,
        "details": details,
    }


__all__ = ["ZendeskJobs"]
