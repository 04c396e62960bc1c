"""Jobs' verbs: enqueue (a request), claim / complete / fail / requeue (a worker), download, clean up.

The claim is the race check: `UPDATE jobs SET status='running', worker_id=:me … WHERE id=:id AND
status='queued'`, and only the worker whose UPDATE changed the row runs the job (on PostgreSQL the
candidate is read FOR UPDATE SKIP LOCKED first, so workers never even wait for each other). Completing
or failing is conditional on the same worker still holding the job: a worker that was given up on (its
heartbeat stale, the job requeued) cannot overwrite the next worker's result.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Table, func, select, update

from app import audit, clock
from app.auth.models import User
from app.errors import Conflict, NotFound
from app.extensions import db
from app.jobs.models import ACTIVE, Job, JobStatus
from app.jobs.registry import kind_of
from app.jobs.run import JobResult

MAX_ATTEMPTS = 3  # runs a job gets when its worker keeps dying under it
MAX_ACTIVE_PER_USER = 5  # queued or running jobs one user may have
STALE_MESSAGE = "任务运行中断已达 {n} 次（工作进程退出或失去响应），未能完成。请重新提交，如仍失败请联系系统管理员。"
INTERNAL_ERROR = "任务执行出错，未能完成。请稍后重新提交；如仍失败请联系系统管理员（已记录错误日志）。"

audit.register_action_labels({"job.downloaded": "下载导出文件"})

_JOBS = cast(Table, Job.__table__)


def _changed(statement) -> int:
    """Rows an UPDATE changed (the race check)."""
    return cast(CursorResult, db.session.execute(statement)).rowcount


def jobs_dir() -> Path:
    return Path(current_app.config["JOBS_DIR"])


def job_dir(job_id: int) -> Path:
    return jobs_dir() / str(job_id)


def result_file(job: Job) -> Path | None:
    """The job's result file, if it is downloadable and still on disk."""
    if not job.downloadable or not job.file_path:
        return None
    path = jobs_dir() / job.file_path
    return path if path.is_file() else None


# --- the request side ----------------------------------------------------------------------------------


def enqueue(kind: str, params: dict[str, Any], *, actor: User, title: str, note: str = "") -> Job:
    """Queue a job for `actor` (it runs with the actor's data scope, re-checked when it runs). The same
    request again while the first is still queued or running (a double click) returns that job."""
    if kind_of(kind) is None:
        raise ValueError(f"未注册的任务类型 {kind}")
    active = list(
        db.session.scalars(select(Job).where(Job.owner_id == actor.id, Job.status.in_(ACTIVE)).order_by(Job.id))
    )
    for job in active:
        if job.kind == kind and job.params == params:
            return job
    if len(active) >= MAX_ACTIVE_PER_USER:
        raise Conflict(f"您已有 {len(active)} 个任务在排队或运行，请等其完成后再提交")
    job = Job(kind=kind, title=title[:200], params=params, owner_id=actor.id, status=JobStatus.QUEUED,
              note=note[:500], progress_done=0, attempts=0)
    db.session.add(job)
    db.session.flush()
    return job


def owned(job_id: int, user: User) -> Job:
    """The user's own job; anyone else's, or none, is NotFound (404: another user's job is not there)."""
    job = db.session.get(Job, job_id)
    if job is None or job.owner_id != user.id:
        raise NotFound("没有这个任务")
    return job


def record_download(job: Job, *, actor: User) -> None:
    audit.record(
        actor,
        "job.downloaded",
        None,
        summary=f"{actor.name}下载{job.title}（{job.download_name}）",
        data={"job": job.id, "kind": job.kind, "file": job.download_name},
    )


def recent(user: User, limit: int = 50) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.owner_id == user.id).order_by(Job.id.desc()).limit(limit)))


# --- the worker side -----------------------------------------------------------------------------------


def claim_next(worker_id: str) -> int | None:
    """Take the oldest queued job for this worker and commit; None when the queue is empty."""
    skip: set[int] = set()
    while True:
        stmt = select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id).limit(1)
        if skip:
            stmt = stmt.where(Job.id.notin_(skip))
        if db.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job_id = db.session.scalar(stmt)
        if job_id is None:
            db.session.rollback()
            return None
        now = clock.now()
        won = _changed(
            update(_JOBS)
            .where(_JOBS.c.id == job_id, _JOBS.c.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, worker_id=worker_id, started_at=now, heartbeat_at=now,
                    attempts=_JOBS.c.attempts + 1, progress_done=0, error=None, updated_at=now)
        )
        db.session.commit()
        if won == 1:
            return job_id
        skip.add(job_id)  # another worker took it between our read and our write


def _finish(job_id: int, worker_id: str, **values: Any) -> bool:
    now = clock.now()
    return _changed(
        update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.worker_id == worker_id, _JOBS.c.status == JobStatus.RUNNING)
        .values(finished_at=now, heartbeat_at=now, updated_at=now, **values)
    ) == 1


def complete(job_id: int, worker_id: str, result: JobResult) -> bool:
    """Mark the job done with its file and run its `on_done` in the same transaction (flush, no commit).
    False (nothing written) when the job is no longer this worker's."""
    path = result.path.relative_to(jobs_dir())
    if not _finish(job_id, worker_id, status=JobStatus.DONE, file_path=str(path),
                   download_name=result.download_name[:200], mimetype=result.mimetype, note=result.note[:500]):
        return False
    if result.on_done is not None:
        result.on_done()
    db.session.flush()
    return True


def fail(job_id: int, worker_id: str, message: str) -> bool:
    return _finish(job_id, worker_id, status=JobStatus.FAILED, error=message)


def requeue_stale(now: datetime | None = None, *, stale_after: float | None = None) -> tuple[int, int]:
    """Jobs whose worker stopped beating (killed, machine lost) go back to the queue, or fail after
    MAX_ATTEMPTS runs. Returns (requeued, failed); commits."""
    now = now or clock.now()
    seconds = stale_after if stale_after is not None else current_app.config["JOBS_STALE_SECONDS"]
    cutoff = now - timedelta(seconds=seconds)
    stale = (_JOBS.c.status == JobStatus.RUNNING, _JOBS.c.heartbeat_at < cutoff)
    if db.session.scalar(select(_JOBS.c.id).where(*stale).limit(1)) is None:
        db.session.rollback()  # the usual case: a read, no write lock taken every second on SQLite
        return 0, 0
    failed = _changed(
        update(_JOBS)
        .where(*stale, _JOBS.c.attempts >= MAX_ATTEMPTS)
        .values(status=JobStatus.FAILED, error=STALE_MESSAGE.format(n=MAX_ATTEMPTS), finished_at=now,
                updated_at=now)
    )
    requeued = _changed(update(_JOBS).where(*stale).values(status=JobStatus.QUEUED, worker_id=None, updated_at=now))
    db.session.commit()
    return requeued, failed


def remove_expired_files(now: datetime | None = None, *, days: float | None = None) -> int:
    """Delete the result files of jobs finished more than `days` (JOBS_RETENTION_DAYS) ago, and the
    leftovers of jobs that no longer exist or never produced a file; the rows stay (the job list says the
    file was cleaned up). Returns how many jobs' files were removed; commits."""
    now = now or clock.now()
    keep = days if days is not None else current_app.config["JOBS_RETENTION_DAYS"]
    cutoff = now - timedelta(days=keep)
    expired = list(
        db.session.scalars(
            select(Job).where(Job.finished_at < cutoff, Job.file_removed_at.is_(None),
                              Job.status.in_((JobStatus.DONE, JobStatus.FAILED)))
        )
    )
    for job in expired:
        shutil.rmtree(job_dir(job.id), ignore_errors=True)
        job.file_removed_at = now
    db.session.commit()
    root = jobs_dir()
    if root.is_dir():
        names = {p.name for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
        if names:
            known = {str(i) for i in db.session.scalars(select(Job.id).where(Job.id.in_([int(n) for n in names])))}
            for name in names - known:
                shutil.rmtree(root / name, ignore_errors=True)
    db.session.rollback()
    return len(expired)


def active_count() -> int:
    return db.session.scalar(select(func.count()).select_from(_JOBS).where(_JOBS.c.status.in_(ACTIVE))) or 0
