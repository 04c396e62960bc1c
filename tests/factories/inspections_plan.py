"""Annual plan factories: the standard world's enterprises classified for a year (rows written directly, so a
plan test does not depend on the classification rules), and a walker drafting a plan and taking it through
its approval by the real operations, each with its real actor.

    def test_x(make_plan):
        w = make_plan(2027)                 # 草稿, submit_plan ready (ent_a2 class C: 4 重点 inspections)
        w.submit().approve()                # 已批准, published
        w.plan.status
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app import workflow
from app.extensions import db as _db
from app.inspections.models import EnterpriseClass, InspectionPlan
from app.inspections.operations import plan as ops

# the world's county enterprises for the plan's year: ent_a2 (危化, C: cap 8, 4 a year) is 重点; ent_a
# (工贸 机械, B: cap 2, 1 a year) feeds a 一般 quota of 龙城镇; ent_b (工贸 建材, A: cap 1, none planned)
CLASSES = {"ent_a": ("非高危", "B", 2, 1), "ent_a2": ("危化冶金", "C", 8, 4), "ent_b": ("非高危", "A", 1, 0)}


def classify(world, year: int, **override) -> None:
    for name, (sector, klass, cap, frequency) in {**CLASSES, **override}.items():
        e = getattr(world, name)
        _db.session.add(
            EnterpriseClass(
                enterprise_id=e.id,
                year=year,
                region_path=e.region_path,
                sector=sector,
                computed_class=klass,
                klass=klass,
                basis={},
                max_inspections=cap,
                planned_frequency=frequency,
                rule_version="test",
            )
        )
    _db.session.flush()


@dataclass
class PlanWalker:
    world: object
    plan: InspectionPlan

    @property
    def ready(self) -> list[str]:
        inst = workflow.instance_for(self.plan, ops.PROCESS)
        return workflow.ready_task_names(inst) if inst is not None else []

    def submit(self, *, actor=None, **data):
        ops.submit_plan(self.plan, data, actor=actor or self.world.section_head)
        _db.session.commit()
        return self

    def approve(self, opinion: str = "同意，按计划组织实施", *, actor=None):
        ops.decide_plan(
            self.plan, {"plan_decision": "approve", "opinion": opinion}, actor=actor or self.world.leader
        )
        _db.session.commit()
        return self

    def return_(self, opinion: str = "重点企业检查月份过于集中，请调整", *, actor=None):
        ops.decide_plan(
            self.plan, {"plan_decision": "return", "opinion": opinion}, actor=actor or self.world.leader
        )
        _db.session.commit()
        return self

    def amend(self, reason: str = "新增重大事故隐患企业，调整重点检查") -> PlanWalker:
        new = ops.amend_plan(self.plan, reason, actor=self.world.section_head)
        _db.session.commit()
        return PlanWalker(self.world, new)


@pytest.fixture
def make_plan(db, world, frozen):
    """make_plan(year=2027, classes=True): the county's plan for `year` drafted by the section head."""

    def _make(year: int = 2027, *, classes: bool = True) -> PlanWalker:
        if classes:
            classify(world, year)
        plan = ops.draft_plan(world.county.path, year, actor=world.section_head)
        _db.session.commit()
        return PlanWalker(world, plan)

    return _make
