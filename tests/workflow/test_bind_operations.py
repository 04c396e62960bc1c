"""workflow.user_tasks.bind_operations / subject_loader: a domain binds each user task to the operation its
pages call — the handler loads the task's subject and calls operation(subject, data, actor=, task=), named
"<process>__<task>" in the domain's module; a task whose subject is gone is refused (NotFound)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.errors import NotFound
from app.org.models import Region
from app.workflow import user_tasks


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(user_tasks, "_handlers", {})
    return user_tasks


def test_each_task_calls_its_operation_with_the_loaded_subject(registry):
    calls = []

    def approve(subject, data, *, actor, task):
        calls.append(("approve", subject, data, actor, task.bpmn_id))

    def reject(subject, data, *, actor, task):
        calls.append(("reject", subject, data, actor, task.bpmn_id))

    registry.bind_operations(
        "p",
        {"approve": approve, "reject": reject},
        load=lambda task: f"subject {task.subject_id}",
        module="x.tasks",
    )
    handler = registry.handler_for("p", "approve")
    assert (handler.__module__, handler.__name__, handler.__qualname__) == (
        "x.tasks",
        "p__approve",
        "p__approve",
    )
    assert registry.handler_for("p", "reject").__name__ == "p__reject"
    assert registry.handler_for("p", "other") is None

    handler(SimpleNamespace(subject_id=7, bpmn_id="approve"), {"ok": True}, actor="张三")
    registry.handler_for("p", "reject")(SimpleNamespace(subject_id=8, bpmn_id="reject"), {}, actor="李四")
    assert calls == [
        ("approve", "subject 7", {"ok": True}, "张三", "approve"),
        ("reject", "subject 8", {}, "李四", "reject"),
    ]


def test_binding_again_from_the_same_module_is_harmless_from_another_refused(registry):
    ops = {"approve": lambda subject, data, *, actor, task: None}
    registry.bind_operations("p", ops, load=lambda task: None, module="x.tasks")
    registry.bind_operations("p", ops, load=lambda task: None, module="x.tasks")  # a re-import
    with pytest.raises(ValueError, match="处理函数重复注册"):
        registry.bind_operations("p", ops, load=lambda task: None, module="y.tasks")


def test_subject_loader_loads_the_row_or_refuses(db):
    region = Region(code="340000", name="安徽省", level="province", path="/340000/")
    db.session.add(region)
    db.session.flush()
    load = user_tasks.subject_loader(Region, "行政区划")
    assert load(SimpleNamespace(subject_id=region.id)) is region
    for missing in (None, region.id + 1000):
        with pytest.raises(NotFound, match="任务对应的行政区划不存在"):
            load(SimpleNamespace(subject_id=missing))
