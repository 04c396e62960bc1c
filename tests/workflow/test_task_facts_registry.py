"""workflow.task_facts: a domain's facts for one user task (issue #10 items 5-7), and the start-up check
that names a provider registered for a task no deployed BPMN has."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.workflow import user_tasks


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(user_tasks, "_facts", {})
    monkeypatch.setattr(user_tasks, "_handlers", {})
    return user_tasks


def _task(process_id: str, bpmn_id: str):
    return SimpleNamespace(instance=SimpleNamespace(process_id=process_id), bpmn_id=bpmn_id)


def test_facts_for_calls_the_registered_provider(registry):
    @registry.task_facts("p", "approve")
    def facts(task, *, actor):
        return registry.TaskFacts(title=f"{actor}", initial={"x": task.bpmn_id})

    got = registry.facts_for(_task("p", "approve"), actor="张三")
    assert got.title == "张三" and got.initial == {"x": "approve"}
    assert registry.facts_for(_task("p", "other"), actor="张三") is None


def test_second_provider_for_one_task_is_refused(registry):
    registry.task_facts("p", "approve")(lambda task, *, actor: None)
    with pytest.raises(ValueError, match="办理依据重复注册"):

        @registry.task_facts("p", "approve")
        def other(task, *, actor):
            return None


def test_check_names_facts_for_unknown_task(registry):
    registry.task_facts("p", "typo")(lambda task, *, actor: None)
    parsed = SimpleNamespace(
        process_id="p", file_name="p.bpmn", user_tasks={"approve": SimpleNamespace(generic=True, name="审批")}
    )
    assert registry.check([parsed]) == ["流程 p 没有用户任务 typo，但为它注册了办理依据"]
