"""Inspections for the on-site tests: created through the operation (the cap counted, the workflow started),
and a helper that runs one to a given step."""

from __future__ import annotations

from datetime import date

import pytest

from app.inspections.models import InspectionSource
from app.inspections.operations import inspection as ops

PLANNED_ON = date(2026, 11, 4)  # a Wednesday after the frozen START (2026-11-02)


def inspection_data(world, **over) -> dict:
    data = {
        "source": InspectionSource.PLAN,
        "source_ref": "2026年度监督检查计划",
        "planned_on": PLANNED_ON.isoformat(),
        "lead_officer_id": world.officer.id,
        "member_ids": [world.officer.id, world.officer2.id],
        "checklist_code": "confined_space",
    }
    data.update(over)
    return data


@pytest.fixture
def new_inspection(db, world, frozen):
    """new_inspection(enterprise=None, actor=None, approved_over_cap_by=None, origin=None, **data) -> Inspection"""

    def make(enterprise=None, actor=None, approved_over_cap_by=None, origin=None, **over):
        return ops.create_inspection(
            enterprise or world.ent_a,
            inspection_data(world, **over),
            actor=actor or world.officer,
            approved_over_cap_by=approved_over_cap_by,
            origin=origin,
        )

    return make


def start_data(world, **over) -> dict:
    data = {
        "place": "生产车间、污水处理池",
        "present_person": "张三",
        "present_person_role": "总经理",
        "credentials_shown": True,
        "recusal_explained": True,
        "recusal_answer": "不申请回避",
    }
    data.update(over)
    return data


def scheme_data(**over) -> dict:
    data = {
        "basis": "《中华人民共和国安全生产法》第六十二条、第六十五条；2026年度监督检查计划",
        "checklist_code": "confined_space",
        "method": "查阅资料、现场检查、询问有关人员",
        "division": "王执法负责资料检查，赵执法负责现场检查",
        "scheduled_on": "2026-11-04",
    }
    data.update(over)
    return data


def answer_all(insp, actor, result="符合", *, skip=()):
    """Answer every item of the inspection's checklist with `result` (except `skip`)."""
    from app.inspections import checklists

    for item in checklists.find(insp.checklist_code).items:
        if item.code not in skip:
            ops.record_item(insp, {"item_code": item.code, "result": result}, actor=actor)
