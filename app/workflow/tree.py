"""The running workflow: SpiffWorkflow's task tree, made cheap to walk, and the engine steps on it.

Loops accumulate: each pass through a loop adds Spiff tasks to the same tree (~6 tasks / 2.5 KB per
rectify-review round; ~246 rounds hit Python's recursion limit). Domain processes must cap rounds
(e.g. a counter in task data checked by a gateway, escalating to a case).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.workflow.parsing import ParsedDefinition
from app.workflow.scripting import SCRIPT_ENGINE

__all__ = [
    "SafeLoopWorkflow",
    "advance",
    "all_tasks",
    "find_task",
    "fire_timers",
    "new_workflow",
    "ready_user_tasks",
]


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

    def _walk(self, state: int) -> Iterator[Task]:
        tasks = self.tasks
        stack = [(self.task_tree, 0)]
        while stack:
            task, depth = stack.pop()
            if task._children and task._state >= TaskState.FUTURE and depth < self._MAX_DEPTH:
                stack.extend([(tasks.get(child), depth + 1) for child in reversed(task._children)])
            if task._state & state:
                yield task

    def get_tasks(self, first_task: Task | None = None, **kwargs: Any) -> list[Task]:
        # BpmnTaskIterator also descends into subprocess trees: with subprocesses, SpiffWorkflow answers
        if (first_task is None and not self.subprocesses and kwargs.keys() == {"state"}
                and kwargs["state"] == TaskState.READY):
            return list(self._walk(TaskState.READY))
        return super().get_tasks(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        for task in self._walk(TaskState.WAITING):
            task.task_spec._update(task)


def new_workflow(parsed: ParsedDefinition, data: dict | None = None) -> SafeLoopWorkflow:
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
        if not any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(workflow)):
            return
    raise RuntimeError("workflow engine did not settle (timer cycle or engine-task loop?)")


def fire_timers(workflow: BpmnWorkflow) -> None:
    workflow.refresh_timers()
    advance(workflow)


def all_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
    """Every task of the workflow and its subprocesses, by a plain pass over the task dicts (Spiff's
    tree iterator costs several times more, and these checks run on every step)."""
    for wf in (workflow, *workflow.subprocesses.values()):
        yield from wf.tasks.values()


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """READY manual (user) tasks of the workflow and its subprocesses."""
    return [t for t in all_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual]


def find_task(workflow: BpmnWorkflow, guid: str) -> Task | None:
    try:
        return workflow.get_task_from_id(UUID(guid))
    except (TaskNotFoundException, ValueError):
        return None
