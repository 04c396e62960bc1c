"""Service tasks call Python handlers registered in code; the running operation they see.

A service task names its handler with the standard spiffworkflow operator element::

    <bpmn:serviceTask id="mark_overdue" name="标记逾期">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="cases.mark_overdue">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="case_id" type="int" value="case_id" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>

Handlers are registered with `@workflow.service("cases.mark_overdue")`; a handler gets a
`ServiceContext` (`.instance`, `.data` (copy of the task data), `.params` (parameter *expressions*
evaluated over task data), `.now`, `.bpmn_id`) and returns a dict merged into the task data, or None.
Built-in handler `workflow.set` returns its parameters (set variables without scripts).

`running(instance, now)` says which instance and which "now" a workflow operation runs for (handlers and
timers read them); `speculative()` marks steps that may be thrown away, where a handler must not run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.task import Task

from app.workflow import expressions
from app.workflow.expressions import current_now

__all__ = [
    "HANDLERS",
    "HandlerServiceTask",
    "ServiceContext",
    "SpeculativeRun",
    "handler_registered",
    "running",
    "service",
    "speculative",
]


@dataclass
class ServiceContext:
    """What a service handler sees."""

    instance: Any  # WorkflowInstance
    data: dict  # a copy of the task data
    params: dict  # evaluated spiffworkflow:parameter values
    now: datetime
    bpmn_id: str


Handler = Callable[[ServiceContext], dict | None]

HANDLERS: dict[str, Handler] = {}


def service(name: str) -> Callable[[Handler], Handler]:
    """Decorator registering a service-task handler under the name used in BPMN."""

    def register(fn: Handler) -> Handler:
        old = HANDLERS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(
                f"workflow service handler {name!r} registered twice ({old.__module__}, {fn.__module__})"
            )
        HANDLERS[name] = fn
        return fn

    return register


def handler_registered(name: str) -> bool:
    """True if a handler is registered under `name`. Domains register theirs in their `init_app`, before
    the BPMN checks run (app/domains.py), so a missing handler is an error, never a late import."""
    return name in HANDLERS


@service("workflow.set")
def _set_variables(ctx: ServiceContext) -> dict:
    """Built-in: set task-data variables to the evaluated parameters."""
    return dict(ctx.params)


# --- the running operation ---------------------------------------------------------------------------

_run_local = threading.local()


class running:  # noqa: N801 - used like a function: `with running(inst, now):`
    """Context manager: the instance and 'now' of the workflow operation (for handlers and timers)."""

    def __init__(self, instance: Any, now: datetime, actor: Any = None) -> None:
        self.instance, self.now, self.actor = instance, now, actor

    def __enter__(self) -> running:
        self._prev = (getattr(_run_local, "instance", None), getattr(_run_local, "actor", None))
        _run_local.instance, _run_local.actor = self.instance, self.actor
        self._token = expressions.set_now(self.now)
        return self

    def __exit__(self, *exc: object) -> None:
        expressions.reset_now(self._token)
        _run_local.instance, _run_local.actor = self._prev


def current_actor() -> Any:
    """Who runs the current workflow operation (None: a timer, the system)."""
    return getattr(_run_local, "actor", None)


class SpeculativeRun(Exception):
    """A service handler was about to run inside `speculative()`: rerun the step where it may stay."""


class speculative:  # noqa: N801 - used like a function: `with speculative():`
    """Context manager: the steps run inside may be thrown away (the optimistic attempt of a user-task
    step, see app.workflow.operations). Script tasks, gateways and timers change only the in-memory
    workflow; a service handler's effects (rows, notices, audit events) would stay, so it raises
    SpeculativeRun instead of running."""

    def __enter__(self) -> speculative:
        self._prev = getattr(_run_local, "speculative", False)
        _run_local.speculative = True
        return self

    def __exit__(self, *exc: object) -> None:
        _run_local.speculative = self._prev


class HandlerServiceTask(ServiceTask):
    """A service task calling the Python handler registered under its operator id."""

    def _execute(self, task: Task) -> bool:
        if getattr(_run_local, "speculative", False):
            raise SpeculativeRun(self.bpmn_id)
        engine = task.workflow.script_engine
        params = {name: engine.evaluate(task, p["value"]) for name, p in self.operation_params.items()}
        handler = HANDLERS.get(self.operation_name)
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
