"""What a runner gets and gives back.

A runner `runner(job, run) -> JobResult` reads (it must not write through the session: the worker ends
its transaction when it returns) and reports progress through `run`: `run.progress(done, total)` or
`for row in run.counted(rows, total)`; both keep the job's heartbeat fresh and stop the runner (JobLost)
when the job is no longer its worker's. Its file goes to `run.save(fileobj, name)` (the job's own
directory under JOBS_DIR); what must be recorded when the job is done (an audit event) goes in
`JobResult.on_done`, called in the transaction that marks the job done. A failure the owner should read
is `raise JobFailed("中文说明")` (app.errors' DomainError messages are shown the same way).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from sqlalchemy import Table, update
from sqlalchemy.engine import Engine

from app import clock
from app.jobs.models import Job, JobStatus

T = TypeVar("T")
_JOBS = cast(Table, Job.__table__)

PROGRESS_EVERY = 1.0  # seconds between progress writes (the page polls once a second)
COUNT_STEP = 200  # rows between looks at the clock in counted()
HEARTBEAT_SECONDS = 10.0  # how often a running job's worker says it is alive


class JobFailed(Exception):
    """A failure its owner should read (Chinese): the job fails with this message, no retry."""


class JobLost(Exception):
    """The job is no longer this worker's (requeued after a stale heartbeat, or removed): stop quietly."""


@dataclass
class JobResult:
    path: Path  # the result file (from run.save)
    download_name: str
    mimetype: str
    note: str = ""  # a summary for the job page: 共 1234 条
    on_done: Callable[[], object] | None = None  # called in the transaction that marks the job done


def _mark(engine: Engine, job_id: int, worker_id: str, **values: Any) -> bool:
    """One short transaction of its own (never the runner's): update the job if it is still ours."""
    with engine.begin() as conn:
        result = conn.execute(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.worker_id == worker_id, _JOBS.c.status == JobStatus.RUNNING)
            .values(heartbeat_at=clock.now(), **values)
        )
    return result.rowcount == 1


class Heartbeat:
    """A thread that marks the job alive every HEARTBEAT_SECONDS while the runner works, whatever it is
    doing (xlsxwriter closing a 30 MB workbook reports no rows for seconds)."""

    def __init__(self, engine: Engine, job_id: int, worker_id: str, every: float = HEARTBEAT_SECONDS):
        self.engine, self.job_id, self.worker_id, self.every = engine, job_id, worker_id, every
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"safeloop-job-{job_id}-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not _mark(self.engine, self.job_id, self.worker_id):
                    self.lost.set()
                    return
            except Exception:  # a database hiccup: try again next beat; a long outage makes the job stale
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(self.every + 5)


class JobRun:
    """The runner's handle on its job: the owner, the parameters, progress, the result directory."""

    def __init__(self, job: Job, *, worker_id: str, engine: Engine, directory: Path, heartbeat: Heartbeat):
        self.job = job
        self.owner = job.owner
        self.params: dict[str, Any] = dict(job.params or {})
        self.worker_id = worker_id
        self.directory = directory
        self._engine = engine
        self._heartbeat = heartbeat
        self._last = 0.0
        self._total: int | None = None

    def progress(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        """Rows (or items) done so far, and the total when known; written at most once a second."""
        if self._heartbeat.lost.is_set():
            raise JobLost(self.job.id)
        if total is not None:
            self._total = total
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        if not _mark(self._engine, self.job.id, self.worker_id, progress_done=done, progress_total=self._total):
            raise JobLost(self.job.id)

    def counted(self, items: Iterable[T], total: int | None = None) -> Iterator[T]:
        """The items, reporting how many have gone by."""
        self.progress(0, total, force=True)
        done = 0
        for item in items:
            yield item
            done += 1
            if done % COUNT_STEP == 0:
                self.progress(done)
        self.progress(done, force=True)

    def save(self, fileobj: IO[bytes], name: str) -> Path:
        """Copy the result into the job's directory (written aside, then renamed: never half a file)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / name
        part = final.with_name(final.name + ".part")
        with open(part, "wb") as out:
            shutil.copyfileobj(fileobj, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, final)
        return final
