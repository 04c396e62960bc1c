"""Helpers for the 暗访 tests: the extra users the sealed rule is tested against (an officer of the same county
outside the team, a second leader), a sealed visit made through the operation, and a visit run to a step."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from app import clock, workflow
from app.auth.roles import Role
from app.extensions import db
from app.inspections.models.covert import CovertVisit
from app.inspections.operations import covert as ops
from tests.factories.org import _user


def extra_users(world) -> SimpleNamespace:
    """officer3: a certified officer of the same 执法大队, not in the team; leader2: another 负责人 of the bureau."""
    extra = SimpleNamespace(
        officer3=_user("officer3", "钱执法", [Role.OFFICER], world.brigade, cert="34130009"),
        leader2=_user("leader2", "陈副局长", [Role.LEADER], world.bureau),
    )
    db.session.commit()
    return extra


def visit_data(world, **over) -> dict:
    today = clock.today()
    data = {
        "purpose": "检查危险化学品企业动火作业和有限空间作业管理",
        "enterprise_ids": [world.ent_a.id],
        "lead_id": world.officer.id,
        "member_ids": [world.officer.id, world.officer2.id],
        "window_from": today.isoformat(),
        "window_to": (today + timedelta(days=7)).isoformat(),
    }
    data.update(over)
    return data


def make_visit(world, actor=None, **over) -> CovertVisit:
    visit = ops.create_visit(visit_data(world, **over), actor=actor or world.leader)
    db.session.commit()
    return visit


def task_of(visit: CovertVisit, bpmn_id: str):
    return next(t for t in workflow.ready_tasks(ops.instance_of(visit)) if t.bpmn_id == bpmn_id)


def start(world, visit: CovertVisit, **data):
    created = ops.start_visit(visit, data, actor=world.officer)
    db.session.commit()
    return created


def add_row(world, visit: CovertVisit, actor=None, **over):
    data = {
        "observed_at": clock.now().replace(microsecond=0) - timedelta(minutes=30),
        "place": "储罐区东侧",
        "unit": "龙城镇政府（属地监管）",
        "problems": "动火作业未办理作业票，现场无监护人",
    }
    data.update(over)
    row = ops.add_sheet_row(visit, data, actor=actor or world.officer)
    db.session.commit()
    return row


def run_to_assign(world, visit: CovertVisit) -> None:
    """Started, one row recorded (no target: no on-site record needed), the 情况表 issued with 交办."""
    start(world, visit)
    add_row(world, visit)
    ops.finish_sheet(visit, {"conclusion": "发现问题1处", "needs_assignment": True}, actor=world.officer)
    db.session.commit()


def day(d: date) -> str:
    return d.isoformat()
