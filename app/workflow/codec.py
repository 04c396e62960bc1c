"""The stored state of a workflow: SpiffWorkflow 3.2's BpmnWorkflowSerializer, built once per process,
with converters for `date` and `Decimal`, and the process spec kept *out* of the stored JSON (it is
re-attached from the in-process cache keyed by the BPMN hash, app.workflow.parsing): about half of the
bytes and of the time of the stock serializer.

This is the one module that reads and writes SpiffWorkflow's private task attributes (`_parent`,
`_children`, `internal_data`) directly; tests/workflow/test_fast_paths.py checks it against SpiffWorkflow's
own serializer on every workflow the tests leave behind.
"""

from __future__ import annotations

import json
import threading
from copy import deepcopy
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from app.workflow.handlers import HandlerServiceTask
from app.workflow.parsing import ParsedDefinition
from app.workflow.scripting import SCRIPT_ENGINE
from app.workflow.timers import CLOCK_TIMERS
from app.workflow.tree import SafeLoopWorkflow

__all__ = ["SERIALIZER", "SERIALIZER_VERSION", "dumps", "loads", "stock_serializer"]

_JSON_PRIMITIVES = frozenset({str, int, float, bool, type(None)})


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Stores the task tree and data only; the spec is supplied on restore from the cache.

    The top-level task tree, the bulk of every state, is written and read here directly rather than by
    the registry's per-object dispatch: the same dictionaries SpiffWorkflow 3.2's TaskConverter produces
    and reads (tests/workflow/test_fast_paths.py compares both ways), with each task id parsed and
    printed once instead of at every mention (own key, parent, children). Tasks of another class, and
    subprocesses, go through the registry as before."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        registry = self.registry
        dct = {
            "data": registry.convert(registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": self._tasks_to_dict(workflow.tasks),
            "root": str(workflow.task_tree.id),
        }
        dct["spec_name"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = registry.convert(workflow.bpmn_events)
        return dct

    def _tasks_to_dict(self, tasks: dict[UUID, Task]) -> dict[str, Any]:
        convert = self.registry.convert
        ids = {tid: str(tid) for tid in tasks}
        out = {}
        for tid, task in tasks.items():
            if type(task) is not Task:
                out[ids[tid]] = convert(task)
                continue
            internal = task.internal_data
            if not all(type(v) in _JSON_PRIMITIVES for v in internal.values()):  # else nothing to convert
                internal = convert(internal)
            parent = tasks.get(task._parent)  # what task.parent looks up
            if parent is None:
                data, delta = task.data, {}
            else:
                data = {}
                delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                         "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
            out[ids[tid]] = {
                "id": ids[tid],
                "parent": ids[task._parent] if parent is not None else None,
                "children": [ids.get(child) or str(child) for child in task._children],
                "last_state_change": task.last_state_change,
                "state": task.state,
                "task_spec": task.task_spec.name,
                "triggered": task.triggered,
                "internal_data": internal,
                "data": data,
                "delta": delta,
                "typename": "Task",
            }
        return out

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: dict | None = None
    ) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("restoring a workflow needs its spec (kept out of the stored state)")
        workflow = SafeLoopWorkflow(spec, subprocess_specs or {}, script_engine=SCRIPT_ENGINE, deserializing=True)
        workflow.tasks = self._tasks_from_dict(dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def _tasks_from_dict(self, dcts: dict[str, Any], workflow: BpmnWorkflow) -> dict[UUID, Task]:
        registry_restore = self.registry.restore

        def restore(value: Any) -> Any:
            """registry.restore, without a call per value for the usual flat dict of JSON primitives (the
            parsed dict is this task's own: returned as it is instead of copied)."""
            if type(value) is dict and "typename" not in value:
                for item in value.values():
                    if type(item) not in _JSON_PRIMITIVES:
                        return registry_restore(value)
                return value
            return registry_restore(value)

        specs = workflow.spec.task_specs
        uuids: dict[str, UUID] = {}

        def uid(text: str) -> UUID:
            value = uuids.get(text)
            if value is None:
                value = uuids[text] = UUID(text)
            return value

        tasks = {}
        for key, d in dcts.items():
            if d.get("typename") != "Task":
                tasks[uid(key)] = registry_restore(d, workflow=workflow)
                continue
            task_spec = specs.get(d["task_spec"])
            task = Task(workflow, task_spec, state=d["state"], id=uid(d["id"]))  # registers in workflow.tasks
            task._parent = uid(d["parent"]) if d["parent"] is not None else None
            task._children = [uid(child) for child in d["children"]]
            task.last_state_change = d["last_state_change"]
            task.triggered = d["triggered"]
            task.internal_data = restore(d["internal_data"])
            if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                workflow.top_workflow.event_manager.add_task(task)
            delta = d.get("delta")
            parent = workflow.tasks.get(task._parent) if task._parent is not None else None
            if delta and parent is not None:
                data = DeepMerge.merge({}, parent.data)
                data.update(restore(delta.get("updates", {})))
                for name in delta.get("deletions", {}):
                    data.pop(name, None)
            else:
                data = restore(d["data"])
            task.data = data
            tasks[uid(key)] = task
        return tasks


def _build_serializer(with_spec: bool = False) -> BpmnWorkflowSerializer:
    config = deepcopy(SPIFF_CONFIG)
    if not with_spec:
        config[BpmnWorkflow] = SpeclessWorkflowConverter
    config[HandlerServiceTask] = ServiceTaskConverter
    for cls in CLOCK_TIMERS.values():
        config[cls] = TimerConditionalEventDefinitionConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.typenames[SafeLoopWorkflow] = registry.typenames[BpmnWorkflow]  # same converter, same typename
    registry.register(
        date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]), "date"
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]), "Decimal")
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _build_serializer()


def stock_serializer() -> BpmnWorkflowSerializer:
    """The stock behaviour (spec stored in every state), for benchmarks and comparisons only."""
    return _build_serializer(with_spec=True)


SERIALIZER_VERSION = SERIALIZER.VERSION
_serialize_lock = threading.Lock()  # the registry toggles a shared "encoder mode" flag while serializing


def dumps(workflow: BpmnWorkflow) -> str:
    with _serialize_lock:
        return SERIALIZER.serialize_json(workflow)


def loads(state: str, parsed: ParsedDefinition) -> BpmnWorkflow:
    dct = json.loads(state)
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct, spec=parsed.spec, subprocess_specs=parsed.subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow
