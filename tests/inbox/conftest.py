from datetime import date

import pytest

from app import clock, workflow


@pytest.fixture
def started(db, world):
    """A test_simple process for ent_a (龙城镇): first task 'register' waits for an officer."""
    clock.freeze(date(2026, 11, 2))

    def _start(enterprise=None):
        ent = enterprise or world.ent_a
        inst = workflow.start("test_simple", subject=ent, title=f"测试隐患：{ent.name}", region_path=ent.region_path,
                              enterprise_id=ent.id, data={"officer_id": world.officer.id}, actor=world.officer)
        db.session.commit()
        return inst

    return _start


def ready(inst, bpmn_id):
    [task] = [t for t in workflow.ready_tasks(inst) if t.bpmn_id == bpmn_id]
    return task
