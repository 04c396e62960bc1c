"""SpiffWorkflow 3.2 glue. This package (app.workflow) is the only importer of SpiffWorkflow.

What this module adds to stock SpiffWorkflow:

* **Parser** `SafeLoopParser` = `SpiffBpmnParser` (validated against the BPMN + spiffworkflow XSDs) whose
  timer events use `app.clock` (see below) and whose service tasks call registered Python handlers.
* **Script engine**: every expression/script goes through `app.workflow.expressions` (restricted AST, no
  builtins, a vetted function set). One engine per process; re-attached after every restore.
* **Service tasks** name their handler with the standard spiffworkflow operator element::

      <bpmn:serviceTask id="mark_overdue" name="标记逾期">
        <bpmn:extensionElements>
          <spiffworkflow:serviceTaskOperator id="hazards.mark_overdue">
            <spiffworkflow:parameters>
              <spiffworkflow:parameter id="hazard_id" type="int" value="hazard_id" />
            </spiffworkflow:parameters>
          </spiffworkflow:serviceTaskOperator>
        </bpmn:extensionElements>
      </bpmn:serviceTask>

  Handlers are registered in code with `@workflow.service("hazards.mark_overdue")`; a handler gets a
  `ServiceContext` (`.instance`, `.data` (copy of the task data), `.params` (parameter *expressions*
  evaluated over task data), `.now`, `.bpmn_id`) and returns a dict merged into the task data, or None.
  Built-in handler `workflow.set` returns its parameters (set variables without scripts).
* **Timers use legal time**: timer expressions (timeDate / timeDuration / timeCycle) are restricted
  expressions *or* bare ISO literals (`P3D`, `2026-12-01`, `R3/P1D`). A timeDate that yields a *date*
  (e.g. `deadline`, `add_days(deadline, -1)`) fires at the end of that legal day (00:00 China time of the
  next day, `clock.local_midnight_after`); a naive datetime is China time. "Now" is the time of the
  running operation (`expressions.current_now()`, i.e. `app.clock.now()` or `tick(now=...)`), never the
  wall clock, so a frozen test clock decides when timers are due. A timer fires when due <= now.
* **Serializer** built once per process, with converters for `date` and `Decimal`; the process spec is
  kept *out* of the stored JSON (it is re-attached from the in-process cache keyed by the BPMN hash).

Loops accumulate: each pass through a loop adds Spiff tasks to the same tree (~6 tasks / 2.5 KB per
rectify-review round; ~246 rounds hit Python's recursion limit). Domain processes must cap rounds
(e.g. a counter in task data checked by a gateway, escalating to a case).

Benchmarks: `raw_step(state, parsed, bpmn_id, data)` times pure Spiff restore + complete + save; the
full application path is `app.workflow.complete_task`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.util import DEFAULT_NSMAP
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.workflow import expressions
from app.workflow.expressions import current_now

__all__ = [
    "BpmnWorkflow",
    "ParsedDefinition",
    "ServiceContext",
    "TaskState",
    "UserTaskMeta",
    "VALIDATOR",
    "SafeLoopParser",
    "advance",
    "dumps",
    "find_task",
    "handler_registered",
    "loads",
    "new_workflow",
    "parse_definition",
    "raw_step",
    "ready_user_tasks",
    "service",
    "waiting_timers",
]

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {**DEFAULT_NSMAP, "spiffworkflow": SPIFF_NS}

# --- service task handlers -------------------------------------------------------------------------


@dataclass
class ServiceContext:
    """What a service handler sees."""

    instance: Any  # WorkflowInstance
    data: dict  # a copy of the task data
    params: dict  # evaluated spiffworkflow:parameter values
    now: datetime
    bpmn_id: str


HANDLERS: dict[str, Callable[[ServiceContext], dict | None]] = {}


def service(name: str):
    """Decorator registering a service-task handler under the name used in BPMN."""

    def register(fn: Callable[[ServiceContext], dict | None]):
        old = HANDLERS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(
                f"workflow service handler {name!r} registered twice ({old.__module__}, {fn.__module__})"
            )
        HANDLERS[name] = fn
        return fn

    return register


def handler_registered(name: str) -> bool:
    """True if a handler is registered, importing the conventional module app.<prefix> if needed.

    A handler named `hazards.mark_overdue` is looked for after importing `app.hazards.workflow_handlers`,
    `app.hazards.operations` or `app.hazards.tasks` (whichever exist), so checks do not depend on import order.
    """
    if name in HANDLERS:
        return True
    prefix = name.split(".", 1)[0]
    if prefix.isidentifier():
        import importlib

        for module in (f"app.{prefix}.workflow_handlers", f"app.{prefix}.operations", f"app.{prefix}.tasks"):
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name and module.startswith(exc.name):
                    continue
                raise
            if name in HANDLERS:
                return True
    return name in HANDLERS


@service("workflow.set")
def _set_variables(ctx: ServiceContext) -> dict:
    """Built-in: set task-data variables to the evaluated parameters."""
    return dict(ctx.params)


# --- the running operation ---------------------------------------------------------------------------

_run_local = threading.local()


class running:
    """Context manager: the instance and 'now' of the workflow operation (for handlers and timers)."""

    def __init__(self, instance, now: datetime):
        self.instance, self.now = instance, now

    def __enter__(self):
        self._prev = getattr(_run_local, "instance", None)
        _run_local.instance = self.instance
        self._token = expressions.set_now(self.now)
        return self

    def __exit__(self, *exc):
        expressions.reset_now(self._token)
        _run_local.instance = self._prev
        return False


class SpeculativeRun(Exception):
    """A service handler was about to run inside `speculative()`: rerun the step where it may stay."""


class speculative:
    """Context manager: the steps run inside may be thrown away (the optimistic attempt of a user-task
    step, see app.workflow.operations). Script tasks, gateways and timers change only the in-memory
    workflow; a service handler's effects (rows, notices, audit events) would stay, so it raises
    SpeculativeRun instead of running."""

    def __enter__(self):
        self._prev = getattr(_run_local, "speculative", False)
        _run_local.speculative = True
        return self

    def __exit__(self, *exc):
        _run_local.speculative = self._prev
        return False


# --- restricted script engine ----------------------------------------------------------------------


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression, context, external_context=None):
        return expressions.evaluate(expression, context)

    def execute(self, script, context, external_context=None):
        expressions.execute(script, context)
        return True

    def call_service(self, context, **kwargs):  # pragma: no cover - HandlerServiceTask bypasses it
        raise NotImplementedError("service tasks call registered handlers")


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(self):
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression):
        expressions.compile_expression(expression)


SCRIPT_ENGINE = RestrictedScriptEngine()


class HandlerServiceTask(ServiceTask):
    """A service task calling the Python handler registered under its operator id."""

    def _execute(self, task):
        if getattr(_run_local, "speculative", False):
            raise SpeculativeRun(self.bpmn_id)
        engine = task.workflow.script_engine
        params = {name: engine.evaluate(task, p["value"]) for name, p in self.operation_params.items()}
        handler = HANDLERS.get(self.operation_name)
        if handler is None and handler_registered(self.operation_name):
            handler = HANDLERS[self.operation_name]
        if handler is None:
            raise LookupError(f"未注册的流程服务处理函数：{self.operation_name}")
        ctx = ServiceContext(
            instance=getattr(_run_local, "instance", None),
            data=dict(task.data),
            params=params,
            now=current_now(),
            bpmn_id=self.bpmn_id,
        )
        result = handler(ctx)
        if result:
            task.data.update(result)
        return True


# --- timers on legal time ----------------------------------------------------------------------------

_DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:?\d{2}|Z)?)?$")
_CYCLE_RE = re.compile(r"^R\d*/")


def literal_timer_value(expression: str) -> str | None:
    """A bare ISO literal (P3D, 2026-12-01, R3/P1D) is used as-is instead of being evaluated."""
    text = expression.strip()
    if _DURATION_RE.match(text) or _DATE_RE.match(text) or _CYCLE_RE.match(text):
        return text
    return None


def timer_value(task, expression: str):
    literal = literal_timer_value(expression)
    if literal is not None:
        return literal
    return task.workflow.script_engine.evaluate(task, expression)


def resolve_time_date(value) -> datetime:
    """Due instant of a timeDate value: a date means 'after that legal day ends'."""
    if isinstance(value, datetime):
        return expressions.to_utc(value)
    if isinstance(value, date):
        return clock.local_midnight_after(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return clock.local_midnight_after(date.fromisoformat(text))
        if "W" in text.upper() and not text.upper().startswith("P"):
            return TimerEventDefinition.parse_iso_week(text)
        return expressions.to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    raise ValueError(f"定时器时间无法解析：{value!r}")


def resolve_duration(value, start: datetime) -> datetime:
    if isinstance(value, timedelta):
        return start + value
    parsed = TimerEventDefinition.parse_iso_duration(str(value).strip())
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def check_timer_literal(kind: str, text: str) -> str | None:
    """Deploy-time check of a literal timer value; None if fine."""
    try:
        if kind == "timeDate":
            resolve_time_date(text)
        elif kind == "timeDuration":
            resolve_duration(text, clock.now())
        else:
            if not _CYCLE_RE.match(text.strip()):
                raise ValueError("需要 R[n]/开始/间隔 或 R[n]/间隔")
            parse_cycle(text, clock.now())
    except Exception as exc:  # noqa: BLE001 - any parse failure is a modelling error
        return f"定时器表达式无法解析：{text!r}（{exc}）"
    return None


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """ISO 8601 repeating interval; an interval without a start begins at `now` (not wall time)."""
    components = expression.strip().upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        duration = resolve_duration(components[1], now) - now
        return cycles, now + duration, duration
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression.strip())
    return cycles, expressions.to_utc(start), duration


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = resolve_time_date(timer_value(my_task, self.expression)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= current_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = resolve_duration(timer_value(my_task, self.expression), current_now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= current_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    def cycle_complete(self, my_task):
        now = current_now()
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            cycles, start, duration = parse_cycle(str(timer_value(my_task, self.expression)), now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


_CLOCK_TIMERS = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}


class _ClockTimerParserMixin:
    def parse_timer_event(self, event):
        definition = super().parse_timer_event(event)
        cls = _CLOCK_TIMERS.get(type(definition))
        if cls is None:  # pragma: no cover
            return definition
        return cls(definition.name, definition.expression, description=definition.description)


class _StartEventParser(_ClockTimerParserMixin, SpiffStartEventParser):
    pass


class _BoundaryEventParser(_ClockTimerParserMixin, SpiffBoundaryEventParser):
    pass


class _IntermediateCatchEventParser(_ClockTimerParserMixin, SpiffIntermediateCatchEventParser):
    pass


class SafeLoopParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, HandlerServiceTask),
        full_tag("startEvent"): (_StartEventParser, StartEvent),
        full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (_IntermediateCatchEventParser, IntermediateCatchEvent),
    }


# --- the workflow class ------------------------------------------------------------------------------


class SafeLoopWorkflow(BpmnWorkflow):
    """BpmnWorkflow with the two tree queries of SpiffWorkflow's engine loop made cheap:
    `get_tasks(state=READY)` (at least twice per `do_engine_steps`) and `update_waiting_tasks` (after
    every completed task). The stock TaskIterator pops from the front of a list and puts each task
    through a TaskFilter; `_walk` is a plain depth-first walk giving the same tasks in the same order,
    as lazily (a task's children are taken when it is reached, before the caller acts on it), entering
    children only of tasks at FUTURE or later and not below depth 1000, as there. get_tasks' BPMN
    iterator also enters subprocess trees, so while a workflow has subprocesses get_tasks is
    SpiffWorkflow's (update_waiting_tasks uses the plain iterator, which never does). Any other query
    goes to SpiffWorkflow. Stored with the typename BpmnWorkflow: states are unchanged."""

    _MAX_DEPTH = 1000

    def _walk(self, state: int):
        tasks = self.tasks
        stack = [(self.task_tree, 0)]
        while stack:
            task, depth = stack.pop()
            if task._children and task._state >= TaskState.FUTURE and depth < self._MAX_DEPTH:
                stack.extend([(tasks.get(child), depth + 1) for child in reversed(task._children)])
            if task._state & state:
                yield task

    def get_tasks(self, first_task=None, **kwargs):
        # BpmnTaskIterator also descends into subprocess trees: with subprocesses, SpiffWorkflow answers
        if (first_task is None and not self.subprocesses and kwargs.keys() == {"state"}
                and kwargs["state"] == TaskState.READY):
            return list(self._walk(TaskState.READY))
        return super().get_tasks(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        for task in self._walk(TaskState.WAITING):
            task.task_spec._update(task)


# --- serializer (spec kept out of the stored state) ----------------------------------------------------


_JSON_PRIMITIVES = frozenset({str, int, float, bool, type(None)})


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Stores the task tree and data only; the spec is supplied on restore from the cache.

    The top-level task tree, the bulk of every state, is written and read here directly rather than by
    the registry's per-object dispatch: the same dictionaries SpiffWorkflow 3.2's TaskConverter produces
    and reads (tests/workflow/test_serializer.py compares both ways), with each task id parsed and
    printed once instead of at every mention (own key, parent, children). Tasks of another class, and
    subprocesses, go through the registry as before."""

    def to_dict(self, workflow):
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

    def _tasks_to_dict(self, tasks: dict) -> dict:
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

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("restoring a workflow needs its spec (kept out of the stored state)")
        workflow = SafeLoopWorkflow(spec, subprocess_specs or {}, script_engine=SCRIPT_ENGINE, deserializing=True)
        workflow.tasks = self._tasks_from_dict(dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def _tasks_from_dict(self, dcts: dict, workflow) -> dict:
        registry_restore = self.registry.restore

        def restore(value):
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
    for cls in _CLOCK_TIMERS.values():
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


# --- parsed definitions, cached by BPMN hash ----------------------------------------------------------


@dataclass(frozen=True)
class UserTaskMeta:
    bpmn_id: str
    name: str
    lane_id: str | None
    lane_name: str | None
    role: str | None
    form_name: str | None
    due_expr: str | None
    assignee_expr: str | None


@dataclass
class ParsedDefinition:
    process_id: str
    name: str
    spec_hash: str
    file_name: str
    bpmn: bytes
    spec: Any
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)


_SPEC_CACHE: dict[str, ParsedDefinition] = {}
_cache_lock = threading.Lock()


def spec_hash(bpmn: bytes) -> str:
    return hashlib.sha256(bpmn).hexdigest()


def lane_index(root) -> dict[str, tuple[str, str | None]]:
    """flow node id -> (lane id, lane name); nodes inside a sub-process inherit the sub-process' lane."""
    lanes: dict[str, tuple[str, str | None]] = {}
    for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NSMAP):
        if ref.text:
            lane = ref.getparent()
            lanes[ref.text.strip()] = (lane.get("id"), lane.get("name"))
    for sub in root.iterfind(".//bpmn:subProcess", NSMAP):
        if sub.get("id") in lanes:
            for node in sub.iter():
                node_id = node.get("id") if isinstance(node.tag, str) else None
                if node_id and node_id not in lanes:
                    lanes[node_id] = lanes[sub.get("id")]
    return lanes


def user_task_properties(node) -> dict[str, str]:
    return {
        p.get("name"): p.get("value")
        for p in node.iterfind(
            "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NSMAP
        )
    }


def role_of_lane(lane_id: str | None) -> str | None:
    if lane_id and lane_id.startswith("lane_"):
        return lane_id[len("lane_") :]
    return None


def parse_definition(
    bpmn: bytes, file_name: str, process_id: str, *, validate: bool = True
) -> ParsedDefinition:
    """Parse (or fetch from the cache) the spec of `process_id` in this exact BPMN text."""
    digest = spec_hash(bpmn)
    with _cache_lock:
        cached = _SPEC_CACHE.get(digest)
    if cached is not None and cached.process_id == process_id:
        return cached
    root = etree.fromstring(bpmn)
    parser = SafeLoopParser(validator=VALIDATOR if validate else None)
    parser.add_bpmn_xml(root, filename=file_name)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    lanes = lane_index(root)
    user_tasks = {}
    for node in root.iterfind(".//bpmn:userTask", NSMAP):
        props = user_task_properties(node)
        lane_id, lane_name = lanes.get(node.get("id"), (None, None))
        user_tasks[node.get("id")] = UserTaskMeta(
            bpmn_id=node.get("id"),
            name=node.get("name") or node.get("id"),
            lane_id=lane_id,
            lane_name=lane_name,
            role=role_of_lane(lane_id),
            form_name=props.get("formName"),
            due_expr=props.get("dueDate"),
            assignee_expr=props.get("assignee"),
        )
    process_node = root.find(f".//bpmn:process[@id='{process_id}']", NSMAP)
    name = (process_node.get("name") if process_node is not None else None) or spec.description or process_id
    parsed = ParsedDefinition(process_id, name, digest, file_name, bpmn, spec, subprocess_specs, user_tasks)
    with _cache_lock:
        _SPEC_CACHE[digest] = parsed
    return parsed


def cached_definition(digest: str) -> ParsedDefinition | None:
    return _SPEC_CACHE.get(digest)


def get_parsed(definition) -> ParsedDefinition:
    """The parsed spec of a WorkflowDefinition row (from the cache, else parsed from its stored BPMN)."""
    parsed = _SPEC_CACHE.get(definition.spec_hash)
    if parsed is None or parsed.process_id != definition.process_id:
        parsed = parse_definition(
            definition.bpmn.encode("utf-8"), definition.file_name, definition.process_id, validate=False
        )
    return parsed


# --- running workflows ----------------------------------------------------------------------------


def new_workflow(parsed: ParsedDefinition, data: dict | None = None) -> BpmnWorkflow:
    workflow = SafeLoopWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    if data:
        workflow.task_tree.data.update(data)
    return workflow


MAX_ENGINE_ROUNDS = 50


def advance(workflow: BpmnWorkflow) -> None:
    """Run engine tasks until only user tasks or waiting events remain.

    `do_engine_steps` ends with `refresh_timers`, which may make a due timer READY without running it;
    loop so a due timer's branch runs in the same operation.
    """
    for _ in range(MAX_ENGINE_ROUNDS):
        workflow.do_engine_steps()
        if not any(t.state == TaskState.READY and not t.task_spec.manual for t in _all_tasks(workflow)):
            return
    raise RuntimeError("workflow engine did not settle (timer cycle or engine-task loop?)")


def fire_timers(workflow: BpmnWorkflow) -> None:
    workflow.refresh_timers()
    advance(workflow)


def _all_tasks(workflow: BpmnWorkflow):
    """Every task of the workflow and its subprocesses, by a plain pass over the task dicts (Spiff's
    tree iterator costs several times more, and these checks run on every step)."""
    for wf in (workflow, *workflow.subprocesses.values()):
        yield from wf.tasks.values()


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    """READY manual (user) tasks of the workflow and its subprocesses."""
    return [t for t in _all_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual]


def find_task(workflow: BpmnWorkflow, guid: str):
    try:
        return workflow.get_task_from_id(UUID(guid))
    except (TaskNotFoundException, ValueError):
        return None


_TIMER_CLASSES = tuple(_CLOCK_TIMERS.values()) + tuple(_CLOCK_TIMERS)


def timer_due(task) -> datetime | None:
    """Due instant of a waiting timer task, from the value Spiff computed when it started waiting."""
    definition = task.task_spec.event_definition
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    return expressions.to_utc(datetime.fromisoformat(value))


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[Any, datetime]]:
    """task guid -> (spiff task, due instant) of every waiting timer event."""
    result = {}
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, _TIMER_CLASSES):
            due = timer_due(task)
            if due is not None:
                result[str(task.id)] = (task, due)
    return result


def element_states(workflow: BpmnWorkflow) -> tuple[set[str], set[str], set[str]]:
    """BPMN element ids (done, current, waiting) of a workflow, for the diagram: every completed task of
    the tree (tasks, events, gateways, service tasks), the READY user tasks, and the waiting timers."""
    done = {t.task_spec.bpmn_id for t in _all_tasks(workflow)
            if t.state == TaskState.COMPLETED and getattr(t.task_spec, "bpmn_id", None)}
    current = {t.task_spec.bpmn_id for t in ready_user_tasks(workflow)}
    waiting = {task.task_spec.bpmn_id for task, _ in waiting_timers(workflow).values()}
    return done, current, waiting


def waiting_timers_due(workflow: BpmnWorkflow) -> dict[str, datetime]:
    """task guid -> due instant of every waiting timer event (what the Timer rows mirror)."""
    return {guid: due for guid, (_, due) in waiting_timers(workflow).items()}


def timer_fired(task) -> bool:
    return bool(task._get_internal_data("event_fired", False)) or task.state in (
        TaskState.READY,
        TaskState.COMPLETED,
    )


def raw_step(
    state: str, parsed: ParsedDefinition, bpmn_id: str, data: dict, now: datetime | None = None
) -> str:
    """Benchmark hook: restore, complete the READY user task `bpmn_id` with `data`, advance, serialize."""
    with running(None, now or clock.now()):
        workflow = loads(state, parsed)
        task = next(t for t in ready_user_tasks(workflow) if t.task_spec.name == bpmn_id)
        task.data.update(data)
        task.run()
        advance(workflow)
        return dumps(workflow)
