"""Domain rules that follow the workflow: after every stored step of an instance (start, a user task, a
timer, cancel), the rules registered for its process run in the same transaction with what the workflow
now stands at. A domain sets its object's status here, in one place, never by hand next to each step.

    @workflow.on_change("<process id>", ...)
    def follow(change: workflow.Change) -> None:
        obj = db.session.get(Model, change.instance.subject_id)
        obj.status = STATUS[...]                      # from change.ready / change.finished
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.workflow.models import WorkflowInstance


@dataclass(frozen=True)
class Change:
    instance: WorkflowInstance
    ready: frozenset[str]  # bpmn ids of the READY user tasks after the step
    finished: bool  # the instance reached its end
    actor: Any  # who moved it; None when a timer did


ChangeRule = Callable[[Change], None]
_rules: dict[str, list[ChangeRule]] = {}


def on_change(*process_ids: str) -> Callable[[ChangeRule], ChangeRule]:
    """Decorator registering a rule run after every step of these processes."""

    def register(fn: ChangeRule) -> ChangeRule:
        for process_id in process_ids:
            rules = _rules.setdefault(process_id, [])
            if all((r.__module__, r.__qualname__) != (fn.__module__, fn.__qualname__) for r in rules):
                rules.append(fn)
        return fn

    return register


def has_rules(process_id: str) -> bool:
    return process_id in _rules


def changed(instance: WorkflowInstance, ready: frozenset[str], finished: bool, actor: Any) -> None:
    rules = _rules.get(instance.process_id)
    if rules:
        change = Change(instance, ready, finished, actor)
        for rule in rules:
            rule(change)
