"""Jobs in tests: run the queue as the worker does (its own app context and session), and export a ledger
the way a user does (POST, the worker runs the job, download the file from the job page)."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.jobs import run_pending
from app.jobs.worker import new_worker_id


def run_jobs(worker_id: str | None = None) -> int:
    """Run every queued job now, in a session of its own (as `flask jobs worker` would); jobs run."""
    app = current_app._get_current_object()
    with app.app_context():
        try:
            return run_pending(worker_id or new_worker_id())
        finally:
            db.session.remove()


def export_ledger(client, name: str, query: str = "") -> bytes:
    """The ledger's file as its user gets it: queue the export, let the worker run it, download it."""
    queued = client.post(f"/ledgers/{name}.xlsx" + (f"?{query}" if query else ""))
    assert queued.status_code == 303, queued.get_data(as_text=True)[:500]
    job_url = queued.headers["Location"]
    assert run_jobs() >= 1
    got = client.get(job_url + "/download")
    assert got.status_code == 200, client.get(job_url).get_data(as_text=True)[:2000]
    assert got.mimetype.endswith("spreadsheetml.sheet")
    return got.data
