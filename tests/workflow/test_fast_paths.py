"""engine's fast paths against the SpiffWorkflow 3.2 code they stand in for.

- codec.dumps / codec.loads write and read the top-level task tree directly (ids parsed and printed
  once): every instance of the demo data (hazards in every stage: waiting timers, boundary events, loops,
  supervision) must serialize to exactly what the stock TaskConverter writes, and restore to the same
  tree the stock path restores.
- SafeLoopWorkflow walks the tree itself for get_tasks(state=READY) and update_waiting_tasks: the same
  tasks in the same order as the stock TaskIterator, on every demo instance, before and after each of
  its READY tasks runs."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from app import clock
from app.seed import seed_demo
from app.workflow import codec, handlers, parsing, scripting, tree
from app.workflow.models import WorkflowInstance
from app.workflow.versions import parsed_for


def _stock_load(state: str, parsed: parsing.ParsedDefinition):
    """The restore as it was before the codec: every task through the registry (TaskConverter)."""
    converter = codec.SERIALIZER.registry.convert_from_dict["BpmnWorkflow"].args[0].__self__
    dct = json.loads(state)
    codec.SERIALIZER.migrate(dct)
    wf = converter.target_class(parsed.spec, parsed.subprocess_specs, script_engine=scripting.SCRIPT_ENGINE,
                                deserializing=True)
    wf.tasks = converter.mapping_from_dict(dct["tasks"], UUID, workflow=wf)
    wf.task_tree = wf.tasks.get(UUID(dct["root"]))
    converter.set_default_attributes(wf, dct)
    converter.subprocesses_from_dict(dct["subprocesses"], wf)
    wf.bpmn_events = codec.SERIALIZER.registry.restore(dct.pop("bpmn_events", []))
    return wf


def _tree(wf) -> dict:
    return {
        tid: (t.id, t._parent, list(t._children), t.state, t.task_spec.name, t.data, t.internal_data,
              t.last_state_change, t.triggered)
        for tid, t in wf.tasks.items()
    }


@pytest.fixture
def instances(db):
    seed_demo()
    db.session.commit()
    rows = list(db.session.scalars(select(WorkflowInstance).order_by(WorkflowInstance.id)))
    assert len(rows) >= 10 and {r.process_id for r in rows} >= {"hazard_rectification",
                                                                 "major_hazard_supervision"}
    return rows


def test_dumps_matches_the_stock_task_converter(instances):
    stock = codec.stock_serializer()
    for inst in instances:
        wf = codec.loads(inst.state, parsed_for(inst))
        ours = json.loads(codec.dumps(wf))
        reference = json.loads(stock.serialize_json(wf))
        assert ours["tasks"] == reference["tasks"], inst.id
        assert list(ours["tasks"]) == list(reference["tasks"])  # same order: parents before children
        for key in ("data", "correlations", "last_task", "success", "completed", "root", "subprocesses",
                    "bpmn_events"):
            assert ours[key] == reference[key], (inst.id, key)
        assert ours["spec_name"] == wf.spec.name and "spec" not in ours


def test_loads_restores_the_same_tree_as_the_stock_path(instances):
    stock = codec.stock_serializer()
    waiting_events = 0
    for inst in instances:
        parsed = parsed_for(inst)
        ours, reference = codec.loads(inst.state, parsed), _stock_load(inst.state, parsed)
        assert _tree(ours) == _tree(reference), inst.id
        assert ours.task_tree.id == reference.task_tree.id
        assert getattr(ours.last_task, "id", None) == getattr(reference.last_task, "id", None)
        assert ours.data == reference.data
        assert set(ours.event_manager.tasks) == set(reference.event_manager.tasks), inst.id
        waiting_events += len(ours.event_manager.tasks)
        assert stock.serialize_json(ours) == stock.serialize_json(reference)
        # a task's data is its own copy, not shared with its parent's
        for task in ours.tasks.values():
            if task.parent is not None and task.data:
                assert task.data is not task.parent.data
    assert waiting_events > 0  # the demo has timers and boundary events waiting


def test_ready_tasks_walk_matches_the_stock_iterator(instances):
    def stock_ready(wf):
        return BpmnWorkflow.get_tasks(wf, state=TaskState.READY)

    compared = 0
    for inst in instances:
        wf = codec.loads(inst.state, parsed_for(inst))
        assert isinstance(wf, tree.SafeLoopWorkflow)
        assert [t.id for t in wf.get_tasks(state=TaskState.READY)] == [t.id for t in stock_ready(wf)]
        assert [t.id for t in wf._walk(TaskState.WAITING)] == [
            t.id for t in BpmnWorkflow.get_tasks(wf, state=TaskState.WAITING)]
        # other queries are SpiffWorkflow's own
        assert wf.get_tasks(state=TaskState.WAITING) == BpmnWorkflow.get_tasks(wf, state=TaskState.WAITING)
        with handlers.running(None, clock.now()):
            for task in tree.ready_user_tasks(wf):
                if task.state != TaskState.READY:
                    continue
                task.run()  # forms left empty: the engine moves on as far as the model lets it
                wf.refresh_timers()
                assert [t.id for t in wf.get_tasks(state=TaskState.READY)] == [t.id for t in stock_ready(wf)]
                compared += 1
    assert compared >= 5


def test_ready_tasks_with_subprocesses_are_spiffworkflows(instances, monkeypatch):
    """SpiffWorkflow's BPMN iterator enters subprocess trees; the walk does not, so it stands aside."""
    wf = codec.loads(instances[-1].state, parsed_for(instances[-1]))
    walked = []
    monkeypatch.setattr(tree.SafeLoopWorkflow, "_walk", lambda self, state: walked.append(state) or iter(()))
    wf.subprocesses = {"not-a-task": object()}
    assert [t.id for t in wf.get_tasks(state=TaskState.READY)] == [
        t.id for t in BpmnWorkflow.get_tasks(wf, state=TaskState.READY)]
    assert walked == []
    wf.subprocesses = {}
    wf.get_tasks(state=TaskState.READY)
    assert walked == [TaskState.READY]


def test_tasks_of_another_class_go_through_the_registry(instances, monkeypatch):
    """A stored task whose typename is not "Task" (a subclass some later converter writes) is restored by
    the registry's converter for that typename, with the workflow passed along, as the stock path does."""
    registry = codec.SERIALIZER.registry
    monkeypatch.setitem(registry.convert_from_dict, "TaskAlias", registry.convert_from_dict["Task"])
    inst = instances[-1]
    dct = json.loads(inst.state)
    first = next(iter(dct["tasks"]))
    dct["tasks"][first]["typename"] = "TaskAlias"
    parsed = parsed_for(inst)
    aliased = codec.loads(json.dumps(dct), parsed)
    assert _tree(aliased) == _tree(codec.loads(inst.state, parsed))
