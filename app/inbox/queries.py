"""Inbox (我的待办) and 已办 queries over the HumanTask projection. Never deserializes workflows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, not_, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock, params
from app.auth.models import User
from app.auth.permissions import in_scope, path_prefix, scope_clause
from app.auth.roles import Role
from app.db import likely
from app.extensions import db
from app.paging import COUNT_CAP, capped_count
from app.workflow.models import HumanTask, WorkflowInstance

PAGE_SIZE = 30

DUE_FILTERS = {
    "overdue": "已逾期",
    "today": "今日到期",
    "3d": "3日内到期",
    "7d": "7日内到期",
    "none": "无期限",
}
SORTS = {
    "due": "按期限",
    "new": "最新到达",
    "old": "最早到达",
}


class InboxArgsSchema(params.QuerySchema):
    """The filters of the 我的待办 page and of GET /api/v1/inbox (InboxFilters)."""

    process = params.text("任务类型：流程标识（任务的 process_id）", max_length=100)
    task = params.text("任务步骤：BPMN 任务标识（任务的 bpmn_id）", max_length=100)
    enterprise_id = params.integer("企业ID", minimum=1)
    town = params.text("乡镇/街道：区划路径前缀，如 /34/3413/341322/341322100/", max_length=200)
    due = params.one_of("办理期限", DUE_FILTERS)
    q = params.text("关键词：在业务对象名称（任务标题）中查找", max_length=100)
    sort = params.one_of("排序", SORTS, default="due")
    page = params.integer(params.PAGE_DESCRIPTION, minimum=1, default=1)


class CompletedArgsSchema(params.QuerySchema):
    """我的待办 after a task was completed: which one (its name is shown once)."""

    completed = params.integer("刚办结的任务ID", minimum=1)


@dataclass
class InboxFilters:
    process: str | None = None  # workflow process id (任务类型)
    task: str | None = None  # bpmn task id
    enterprise_id: int | None = None
    town: str | None = None  # region path prefix
    due: str | None = None
    q: str | None = None
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> InboxFilters:
        """The filters of a query string (page and API), validated by InboxArgsSchema (422 when bad)."""
        v = params.check(InboxArgsSchema, args)
        return cls(
            process=v.get("process") or None,
            task=v.get("task") or None,
            enterprise_id=v.get("enterprise_id"),
            town=v.get("town") or None,
            due=v.get("due"),
            q=(v.get("q") or "").strip() or None,
            sort=v["sort"],
            page=v["page"],
        )

    @property
    def filtered(self) -> bool:
        return any((self.process, self.task, self.enterprise_id, self.town, self.due, self.q))

    def as_args(self, **override) -> dict:
        data = {"process": self.process, "task": self.task, "enterprise_id": self.enterprise_id,
                "town": self.town, "due": self.due, "q": self.q, "sort": self.sort, "page": self.page}
        data.update(override)
        return {k: v for k, v in data.items() if v not in (None, "", 1) or (k == "page" and v != 1)}


# ---- a domain's refusals ----------------------------------------------------------------------------------
# A role offers a task to every holder in scope; a domain may keep some of its tasks from some of them whatever
# their role (a case's own officers never approve it: app.cases.separation). `clause(user)` is the SQL condition
# of the tasks refused to `user` (never NULL); `reason(user, task)` says why for one loaded task, or None.

_refusals: list[tuple[Callable[[User], Any], Callable[[User, HumanTask], str | None]]] = []


def refuse(clause: Callable[[User], Any], reason: Callable[[User, HumanTask], str | None]) -> None:
    """Register a domain's refusal (at start-up, in the domain's init_app); registering it again is a no-op."""
    if (clause, reason) not in _refusals:
        _refusals.append((clause, reason))


def refusal(user: User, task: HumanTask) -> str | None:
    """Why `user` may not act on `task` although their role and scope would let them, or None."""
    if user.is_enterprise_user:
        return None
    for _clause, reason in _refusals:
        why = reason(user, task)
        if why:
            return why
    return None


def assigned_clause(user: User):
    return and_(HumanTask.status == "ready", HumanTask.assignee_id == user.id)


def offered_clause(user: User):
    """READY tasks offered to one of the user's roles in their data scope, not claimed by someone else."""
    scope = scope_clause(user, HumanTask.region_path, HumanTask.enterprise_id)
    if not user.is_enterprise_user:  # a region prefix: most tasks of the role match (see app.db.likely)
        scope = likely(scope)
    clause = and_(
        HumanTask.status == "ready",
        HumanTask.assignee_id.is_(None),
        HumanTask.candidate_role.in_(sorted(user.roles)),
        scope,
        or_(HumanTask.claimed_by_id.is_(None), HumanTask.claimed_by_id == user.id),
    )
    if user.is_enterprise_user:
        # enterprise users act only on tasks offered to the enterprise role of their own enterprise
        clause = and_(clause, HumanTask.candidate_role == Role.ENTERPRISE)
    else:
        clause = and_(clause, *(not_(refused(user)) for refused, _reason in _refusals))
    return clause


def actionable_clause(user: User):
    """READY tasks the user can act on: assigned to them, or offered to one of their roles in scope."""
    return or_(assigned_clause(user), offered_clause(user))


def can_act(user: User, task: HumanTask) -> bool:
    """Python twin of actionable_clause for one loaded task (no query)."""
    if task.status != "ready":
        return False
    if task.assignee_id is not None:
        return task.assignee_id == user.id and refusal(user, task) is None
    if task.candidate_role not in user.roles:
        return False
    if user.is_enterprise_user and task.candidate_role != Role.ENTERPRISE:
        return False
    if task.claimed_by_id not in (None, user.id):
        return False
    return in_scope(user, task.region_path, task.enterprise_id) and refusal(user, task) is None


def cannot_act_message(user: User, task: HumanTask) -> str:
    """What a refused completion or claim says: the domain's reason, or that the task is not the user's."""
    return refusal(user, task) or "该任务不在您的待办范围内，无权办理"


# The task with its instance (completing needs both), one statement built once. Two entities per row,
# the instance then set as task.instance: what joinedload does, without building eager-loader row
# processors on every call.
_TASK_QUERY = (
    select(HumanTask, WorkflowInstance)
    .join(WorkflowInstance, WorkflowInstance.id == HumanTask.instance_id)
    .where(HumanTask.id == bindparam("task_id"))
)


def task_with_instance(task_id: int) -> HumanTask | None:
    """The task with its instance loaded, in one statement (completing a task needs both)."""
    row = db.session.execute(_TASK_QUERY, {"task_id": task_id}).one_or_none()
    if row is None:
        return None
    task, instance = row
    set_committed_value(task, "instance", instance)
    return task


def visible_task(user: User, task_id: int) -> HumanTask | None:
    """The task if it exists and the user may see it (pages answer 404 otherwise, the API too)."""
    task = task_with_instance(task_id)
    return task if task is not None and can_view(user, task) else None


def can_view(user: User, task: HumanTask) -> bool:
    """Anyone who could act, who completed it, or who has the subject in their data scope. An outsider
    (an enterprise account) sees only its own lane's tasks of its own enterprise: the agency's internal
    steps on its case (a leader's 挂牌督办 decision, a referral with its facts) are not its pages."""
    if user.id in (task.completed_by_id, task.assignee_id):
        return True
    if is_outsider(user) and task.candidate_role != Role.ENTERPRISE:
        return False
    return in_scope(user, task.region_path, task.enterprise_id)


def is_outsider(user: User) -> bool:
    """An account of a regulated enterprise: shown its own progress, never the internal process."""
    return bool(user.is_enterprise_user)


def visible_steps(user: User, steps: list[HumanTask]) -> list[HumanTask]:
    """Of an instance's completed steps, those `user` may see (an outsider: only its own lane's)."""
    return [s for s in steps if can_view(user, s)] if is_outsider(user) else steps


# 今日到期 / 3日内 / 7日内: tasks whose last day (app.clock.last_day) is within that many local days from
# today, today included: what the 即将到期 badge (SOON_DAYS) and the counts say too.
DUE_WITHIN_DAYS = {"today": 1, "3d": 3, "7d": 7}
SOON_DAYS = 3


def overdue_clause(now: datetime):
    """The task's last day has ended: due_at (00:00 after it) has come, as a timer on it fires."""
    return HumanTask.due_at <= now


def due_within_clause(now: datetime, days: int):
    """Not overdue, and the last day is today or one of the next days-1 days."""
    end = clock.local_midnight_after(now.astimezone(clock.TZ).date() + timedelta(days=days - 1))
    return and_(HumanTask.due_at > now, HumanTask.due_at <= end)


def _apply_filters(stmt, f: InboxFilters):
    now = clock.now()
    if f.process:
        stmt = stmt.where(HumanTask.instance_id.in_(
            select(WorkflowInstance.id).where(WorkflowInstance.process_id == f.process)))
    if f.task:
        stmt = stmt.where(HumanTask.bpmn_id == f.task)
    if f.enterprise_id:
        stmt = stmt.where(HumanTask.enterprise_id == f.enterprise_id)
    if f.town:
        stmt = stmt.where(path_prefix(HumanTask.region_path, f.town))
    if f.q:
        stmt = stmt.where(HumanTask.title.contains(f.q, autoescape=True))
    if f.due == "overdue":
        stmt = stmt.where(overdue_clause(now))
    elif f.due in DUE_WITHIN_DAYS:
        stmt = stmt.where(due_within_clause(now, DUE_WITHIN_DAYS[f.due]))
    elif f.due == "none":
        stmt = stmt.where(HumanTask.due_at.is_(None))
    return stmt


@dataclass
class InboxPage:
    tasks: list[HumanTask]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def _sort_key(sort: str):
    if sort == "new":
        return lambda t: (-t.created_at.timestamp(), -t.id)
    if sort == "old":
        return lambda t: (t.created_at.timestamp(), t.id)
    return lambda t: (t.due_at is None, t.due_at.timestamp() if t.due_at else 0, t.id)


# rows show the process name: load it for the whole page in one query, never the serialized state
_WITH_PROCESS = selectinload(HumanTask.instance).load_only(WorkflowInstance.id, WorkflowInstance.process_id)


def _first(stmt, sort: str, need: int) -> list[HumanTask]:
    """The first `need` tasks of one part in display order, walking an index (no sort of the part)."""
    stmt = stmt.options(_WITH_PROCESS)
    if sort == "new":
        return list(db.session.scalars(stmt.order_by(HumanTask.created_at.desc(), HumanTask.id.desc()).limit(need)))
    if sort == "old":
        return list(db.session.scalars(stmt.order_by(HumanTask.created_at, HumanTask.id).limit(need)))
    rows = list(db.session.scalars(
        stmt.where(HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at, HumanTask.id).limit(need)))
    if len(rows) < need:  # tasks without a deadline come last
        rows += db.session.scalars(
            stmt.where(HumanTask.due_at.is_(None)).order_by(HumanTask.id).limit(need - len(rows)))
    return rows


def inbox(user: User, f: InboxFilters, page_size: int = PAGE_SIZE) -> InboxPage:
    """One page of the inbox. The two disjoint parts (assigned to me / offered to my roles) are read
    separately so each walks its own index, then merged."""
    counts = inbox_counts(user)
    parts = [_apply_filters(select(HumanTask).where(c), f) for c in (assigned_clause(user), offered_clause(user))]
    if f.filtered:
        total = min(sum(capped_count(p) for p in parts), COUNT_CAP + 1)
    else:
        total = counts["all"]
    pages = max(1, -(-min(total, COUNT_CAP) // page_size))
    page = min(f.page, pages)
    need = page * page_size
    merged = sorted((t for p in parts for t in _first(p, f.sort, need)), key=_sort_key(f.sort))
    tasks = merged[(page - 1) * page_size : need]
    return InboxPage(tasks=tasks, total=total, page=page, pages=pages, counts=counts)


def inbox_counts(user: User) -> dict[str, int]:
    """Badges for the whole inbox (independent of filters): all, overdue, due within 3 days. Each is a
    capped count (over COUNT_CAP shows as "1万+") walking an index range, so an officer with 100,000
    open tasks costs what one with 10,000 does."""
    now = clock.now()
    counts = {"all": 0, "overdue": 0, "soon": 0}
    for clause in (assigned_clause(user), offered_clause(user)):
        base = select(HumanTask).where(clause)
        counts["all"] += capped_count(base)
        counts["overdue"] += capped_count(base.where(overdue_clause(now)))
        counts["soon"] += capped_count(base.where(due_within_clause(now, SOON_DAYS)))
    return {key: min(value, COUNT_CAP + 1) for key, value in counts.items()}


def done(user: User, page: int = 1, page_size: int = PAGE_SIZE) -> InboxPage:
    base = select(HumanTask).where(HumanTask.completed_by_id == user.id)  # only completed tasks have one
    total = capped_count(base)
    pages = max(1, -(-min(total, COUNT_CAP) // page_size))
    page = min(max(page, 1), pages)
    tasks = list(db.session.scalars(
        base.options(_WITH_PROCESS).order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(page_size).offset((page - 1) * page_size)
    ))
    return InboxPage(tasks=tasks, total=total, page=page, pages=pages)


def completed_name(user: User, task_id: int | None) -> str | None:
    """The name of task `task_id` if `user` completed it: the notice on the inbox after a submit
    (/inbox?completed=<id>). Anyone else's task, or an id that is not a task, gives None."""
    if task_id is None:
        return None
    return db.session.scalar(
        select(HumanTask.name).where(HumanTask.id == task_id, HumanTask.completed_by_id == user.id)
    )


def filter_choices(user: User) -> dict:
    """Task types for the filter bar: user tasks of the deployed processes whose lane is one of the
    user's roles (from the parsed definitions, not from a scan of the inbox)."""
    from app.workflow.definitions import registry

    tasks = set()
    for parsed in registry().definitions.values():
        for meta in parsed.user_tasks.values():
            if meta.role in user.roles:
                tasks.add((meta.bpmn_id, meta.name))
    return {"tasks": sorted(tasks, key=lambda t: t[1])}


def process_names() -> dict[str, str]:
    """process id -> Chinese process name, from the deployed BPMN definitions."""
    from app import workflow

    return workflow.process_names()


def reassign_candidates(task: HumanTask) -> list[User]:
    """Active users holding the task's role whose jurisdiction covers the task."""
    from app.auth.models import UserRole
    from app.auth.permissions import in_scope

    users = db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == task.candidate_role, User.is_active_flag.is_(True)).order_by(User.name)
    ).all()
    return [u for u in users if in_scope(u, task.region_path, task.enterprise_id) and refusal(u, task) is None]
