"""Which code runs which kind of job: a package registers a runner for each kind it enqueues.

    jobs.register_kind("<package>_<verb>", runner, "台账导出")   # runner(job, run) -> JobResult
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.jobs.models import Job
    from app.jobs.run import JobResult, JobRun


@dataclass(frozen=True)
class JobKind:
    kind: str
    runner: Callable[[Job, JobRun], JobResult]
    label: str  # what the user's job list calls it (台账导出)


_kinds: dict[str, JobKind] = {}


def register_kind(kind: str, runner: Callable[[Job, JobRun], JobResult], label: str) -> None:
    other = _kinds.get(kind)
    if other is not None and other.runner is not runner:
        raise ValueError(f"任务类型 {kind} 已注册")
    _kinds[kind] = JobKind(kind, runner, label)


def kind_of(kind: str) -> JobKind | None:
    return _kinds.get(kind)
