"""The jobs worker: `flask jobs worker` (a process of its own; `flask serve` starts one) or a background
thread of the demo server. Each pass puts stale jobs back in the queue, then claims and runs queued jobs
one at a time until the queue is empty; about once an hour it removes expired result files. Any number
of workers, in any number of processes and machines, may run side by side: the claim has one winner.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable

from flask import Flask

from app.errors import DomainError
from app.extensions import db
from app.jobs import operations as ops
from app.jobs.models import Job
from app.jobs.registry import kind_of
from app.jobs.run import Heartbeat, JobFailed, JobLost, JobRun
from app.periodic import Periodic

log = logging.getLogger(__name__)

GC_EVERY = 3600.0  # seconds between removals of expired result files


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_job(job_id: int, worker_id: str) -> Job:
    """Run a job this worker has claimed, then mark it done or failed (commits). Never raises for the
    job's own failure: the owner reads it on the job page; a bug is logged with its traceback."""
    job = db.session.get(Job, job_id)
    assert job is not None
    directory = ops.job_dir(job_id)
    shutil.rmtree(directory, ignore_errors=True)  # what an interrupted earlier run left
    kind = kind_of(job.kind)
    message: str | None = None
    with Heartbeat(db.engine, job_id, worker_id) as heartbeat:
        try:
            if kind is None:
                raise JobFailed("这类任务已不再提供，未能执行")
            if not job.owner.is_active:
                raise JobFailed("提交人的账号已停用，任务未执行")
            run = JobRun(job, worker_id=worker_id, engine=db.engine, directory=directory, heartbeat=heartbeat)
            result = kind.runner(job, run)
        except JobLost:
            db.session.rollback()
            log.warning("任务 %s 已不属于本工作进程（心跳超时后被重新排队），停止运行", job_id)
            return job
        except (JobFailed, DomainError) as exc:
            message = str(exc) or ops.INTERNAL_ERROR
        except Exception:
            log.exception("任务 %s（%s）执行出错", job_id, job.kind)
            message = ops.INTERNAL_ERROR
    db.session.rollback()  # the runner only read: end its transaction before writing the outcome
    if message is not None:
        shutil.rmtree(directory, ignore_errors=True)
        ops.fail(job_id, worker_id, message)
    elif not ops.complete(job_id, worker_id, result):
        db.session.rollback()
        log.warning("任务 %s 完成时已不属于本工作进程，结果丢弃", job_id)
        return job
    db.session.commit()
    return job


def run_pending(worker_id: str, *, limit: int = 100) -> int:
    """Requeue stale jobs, then run queued jobs until none is left (at most `limit`). Returns jobs run."""
    ops.requeue_stale()
    ran = 0
    while ran < limit:
        job_id = ops.claim_next(worker_id)
        if job_id is None:
            break
        run_job(job_id, worker_id)
        ran += 1
    return ran


class JobWorker(Periodic):
    """`run_pending` every `interval` seconds until stopped: `run()` in the calling thread, or `start()`
    in a daemon thread (stop it with `stop()`). Each pass runs in its own app context and session; a
    failing pass is rolled back, logged, and retried on the next one."""

    thread_name = "safeloop-jobs"
    failure_message = "后台任务处理失败，将在下次检查时重试"

    def __init__(self, app: Flask, interval: float = 1.0, *, say: Callable[[str], object] | None = None):
        super().__init__(app, interval, say=say)
        self.worker_id = new_worker_id()
        self._last_gc = 0.0

    def work(self) -> int:
        ran = run_pending(self.worker_id)
        if ran:
            self.say(f"后台任务：已完成 {ran} 个")
        if time.monotonic() - self._last_gc >= GC_EVERY:
            self._last_gc = time.monotonic()
            removed = ops.remove_expired_files()
            if removed:
                self.say(f"后台任务：已清理 {removed} 个过期的导出文件")
        return ran
