"""Long work off the request (issue #11 item 8): jobs in a table, run by `flask jobs worker`.

    from app import jobs
    jobs.register_kind("<package>_<verb>", runner, "台账导出")        # at import / init_app
    job = jobs.enqueue("<package>_<verb>", {...}, actor=user, title="…")  # in an operation; route commits
    # runner(job, run) -> jobs.JobResult(path=run.save(fileobj, name), download_name=…, mimetype=…,
    #                                    note=…, on_done=lambda: audit.record(…))

The owner (and nobody else: 404) follows it at /jobs/<id> (progress bar, download when done).
Why a table and not a job library: see docs/interfaces.md (app.jobs).
"""

from app.jobs.models import Job, JobStatus
from app.jobs.operations import enqueue, owned, result_file
from app.jobs.registry import register_kind
from app.jobs.run import JobFailed, JobResult, JobRun
from app.jobs.worker import JobWorker, run_pending

__all__ = [
    "Job",
    "JobFailed",
    "JobResult",
    "JobRun",
    "JobStatus",
    "JobWorker",
    "enqueue",
    "owned",
    "register_kind",
    "result_file",
    "run_pending",
]
