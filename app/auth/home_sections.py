"""The platform's sections of the 首页 (app.auth.home): the user's own tasks (for leaders and section heads,
whose inbox holds their decisions), and the administrator's figures: users and units in their scope,
the health of the timer worker and the processes, and the state of the 执法全过程记录 chain. Every figure
reads the user's data scope only and is a capped count or an indexed lookup (cheap at a million rows)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, or_, select

from app import clock
from app.auth.home import Section, register_section
from app.auth.roles import ROLE_LABELS, Role
from app.extensions import db

TASKS_SHOWN = 8


def render_tasks(user) -> str:
    from app.inbox import queries

    page = queries.inbox(user, queries.InboxFilters(), page_size=TASKS_SHOWN)
    return render_template("auth/_home_tasks.html", result=page, now=clock.now(),
                           process_names=queries.process_names(), shown=TASKS_SHOWN)


def _user_scope(user):
    """Users the administrator manages: by their unit's jurisdiction or their enterprise's (user_in_scope)."""
    from app.auth.models import User
    from app.org.models import Department, Enterprise, Region

    prefix = user.scope_path
    stmt = (select(User.id).outerjoin(Department, User.department_id == Department.id)
            .outerjoin(Region, Department.region_id == Region.id)
            .outerjoin(Enterprise, User.enterprise_id == Enterprise.id))
    if prefix is None:
        return stmt.where(User.id.is_(None))
    if prefix:
        stmt = stmt.where(or_(Region.path.startswith(prefix, autoescape=True),
                              Enterprise.region_path.startswith(prefix, autoescape=True)))
    return stmt


def render_people(user) -> str:
    from app.auth.models import User, UserRole
    from app.auth.permissions import scope_clause
    from app.org.models import Enterprise
    from app.org.queries import departments_in_scope
    from app.paging import capped_count

    in_scope = _user_scope(user)
    active = capped_count(in_scope.where(User.is_active_flag.is_(True)))
    inactive = capped_count(in_scope.where(User.is_active_flag.is_(False)))
    by_role = dict(db.session.execute(
        select(UserRole.role, func.count()).where(UserRole.user_id.in_(in_scope.where(User.is_active_flag.is_(True))))
        .group_by(UserRole.role)
    ).all())
    roles = [(ROLE_LABELS[r], by_role.get(r.value, 0)) for r in Role]
    departments = departments_in_scope(user)
    enterprises = capped_count(select(Enterprise.id).where(scope_clause(user, Enterprise.region_path, Enterprise.id)))
    return render_template("auth/_home_people.html", active=active, inactive=inactive, roles=roles,
                           departments=len(departments),
                           inactive_departments=sum(1 for d in departments if not d.is_active),
                           enterprises=enterprises)


def render_health(user) -> str:
    from app.paging import capped_count
    from app.workflow.models import InstanceStatus, Timer, TimerStatus, WorkflowDefinition, WorkflowInstance

    now = clock.now()
    waiting = select(Timer.id).where(Timer.status == TimerStatus.WAITING)
    late = capped_count(waiting.where(Timer.due_at <= now))
    oldest_late = db.session.scalar(select(func.min(Timer.due_at)).where(
        Timer.status == TimerStatus.WAITING, Timer.due_at <= now))
    last_fired = db.session.scalar(select(func.max(Timer.fired_at)))
    running = capped_count(select(WorkflowInstance.id).where(WorkflowInstance.status == InstanceStatus.RUNNING))
    failed = capped_count(select(WorkflowInstance.id).where(WorkflowInstance.status == InstanceStatus.ERROR))
    processes = db.session.scalar(select(func.count(func.distinct(WorkflowDefinition.process_id)))) or 0
    dialect = db.engine.dialect.name
    database = {"sqlite": "SQLite（内置数据库文件）", "postgresql": "PostgreSQL"}.get(dialect, "其他数据库")
    return render_template("auth/_home_health.html", late=late, oldest_late=oldest_late, last_fired=last_fired,
                           waiting=capped_count(waiting), running=running, failed=failed, processes=processes,
                           database=database)


def render_audit(user) -> str:
    from app.audit import last_verification
    from app.audit.models import AuditChainHead

    head = db.session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == 1)) or 0
    last = last_verification()
    since = head - last.seq if last is not None and last.seq is not None else None
    return render_template("auth/_home_audit.html", total=head, last=last, since=since)


def register() -> None:
    overview = {Role.LEADER, Role.SECTION_HEAD}
    register_section(Section("tasks", "待我办理", frozenset(overview), render_tasks, order=10))
    admin = frozenset({Role.ADMIN})
    register_section(Section("people", "用户与单位", admin, render_people, order=80))
    register_section(Section("health", "系统运行状况", admin, render_health, order=85))
    register_section(Section("audit", "执法全过程记录", admin, render_audit, order=90))
