"""The contract between a BPMN user task and its domain: what completing the task does.

A domain registers one handler per (process id, user task id)::

    @workflow.user_task("<process id>", "<user task id>")
    def handle(task: HumanTask, data: dict, *, actor) -> None:
        ...  # the domain's operation: its rows, workflow.complete_task(task, data, actor=actor), audit

A task whose completion needs nothing but the workflow step and an audit event says so in its BPMN
(`<spiffworkflow:property name="generic" value="true" />`): it is completed generically. At start-up every
user task of every deployed BPMN must have one or the other (`check`); the app refuses to start otherwise,
naming the file and the task, so a task never silently skips its domain's rows and status.

A domain may also give a user task the facts its decision needs, shown on the task page (and pre-filled
form values, on the page and in the API's task detail)::

    @workflow.task_facts("<process id>", "<user task id>")
    def facts(task: HumanTask, *, actor) -> TaskFacts | None:
        return TaskFacts(template="<domain>/tasks/x.html", title="…", context={...}, initial={...})

Most handlers only load the task's subject and call the operation the domain's pages call; a domain binds
them all at once::

    bind_operations(
        "<process id>", {"<user task id>": operation, ...}, load=subject_loader(Model, "…"), module=__name__
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import NotFound
from app.extensions import db

UserTaskHandler = Callable[..., None]  # fn(task: HumanTask, data: dict, *, actor) -> None

_handlers: dict[tuple[str, str], UserTaskHandler] = {}


def user_task(process_id: str, bpmn_id: str) -> Callable[[UserTaskHandler], UserTaskHandler]:
    """Decorator registering the domain handler of one user task."""

    def register(fn: UserTaskHandler) -> UserTaskHandler:
        key = (process_id, bpmn_id)
        old = _handlers.get(key)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(
                f"用户任务 {process_id}:{bpmn_id} 的处理函数重复注册（{old.__module__}、{fn.__module__}）"
            )
        _handlers[key] = fn
        return fn

    return register


def subject_loader(model: Any, label: str) -> Callable[[Any], Any]:
    """A loader of a task's subject: the `model` row of task.subject_id, NotFound("任务对应的<label>不存在")
    when there is none."""

    def load(task: Any) -> Any:
        obj = db.session.get(model, task.subject_id) if task.subject_id else None
        if obj is None:
            raise NotFound(f"任务对应的{label}不存在")
        return obj

    return load


def bind_operations(
    process_id: str,
    operations: Mapping[str, Callable[..., Any]],
    *,
    load: Callable[[Any], Any],
    module: str,
) -> None:
    """Register, for each user task `bpmn_id` of `operations`, a handler that loads the subject (`load(task)`)
    and calls `operation(subject, data, actor=actor, task=task)`. The handler is named
    "<process id>__<bpmn id>" in `module` (the domain's module: pass `__name__`)."""
    for bpmn_id, operation in operations.items():
        user_task(process_id, bpmn_id)(_operation_handler(process_id, bpmn_id, operation, load, module))


def _operation_handler(
    process_id: str, bpmn_id: str, operation: Callable[..., Any], load: Callable[[Any], Any], module: str
) -> UserTaskHandler:
    def handle(task: Any, data: dict, *, actor: Any) -> None:
        operation(load(task), data, actor=actor, task=task)

    handle.__name__ = handle.__qualname__ = f"{process_id}__{bpmn_id}"
    handle.__module__ = module
    return handle


def handler_for(process_id: str, bpmn_id: str) -> UserTaskHandler | None:
    """The domain handler, or None for a task declared generic (checked at start-up)."""
    return _handlers.get((process_id, bpmn_id))


@dataclass(frozen=True)
class TaskFacts:
    """The facts for one task's decision: a template rendered on the task page (it sees `facts`, so
    `facts.context` holds what it needs) under `title`, and `initial` form values shown the first time the
    form is displayed (never over values the user submitted)."""

    template: str | None = None
    title: str = "办理依据"
    context: dict = field(default_factory=dict)
    initial: dict = field(default_factory=dict)


TaskFactsProvider = Callable[..., "TaskFacts | None"]  # fn(task: HumanTask, *, actor) -> TaskFacts | None

_facts: dict[tuple[str, str], TaskFactsProvider] = {}


def task_facts(process_id: str, bpmn_id: str) -> Callable[[TaskFactsProvider], TaskFactsProvider]:
    """Decorator registering the domain's facts for one user task (at most one provider per task)."""

    def register(fn: TaskFactsProvider) -> TaskFactsProvider:
        key = (process_id, bpmn_id)
        old = _facts.get(key)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(
                f"用户任务 {process_id}:{bpmn_id} 的办理依据重复注册（{old.__module__}、{fn.__module__}）"
            )
        _facts[key] = fn
        return fn

    return register


def facts_for(task: Any, *, actor: Any) -> TaskFacts | None:
    """The facts the task's domain registered for it (None when it registered none)."""
    fn = _facts.get((task.instance.process_id, task.bpmn_id))
    return fn(task, actor=actor) if fn is not None else None


def check(definitions: Iterable[Any]) -> list[str]:
    """Problems: user tasks with neither a registered handler nor `generic` in their BPMN, and handlers
    registered for tasks that no deployed BPMN has (a typo would otherwise never run)."""
    problems = []
    known: set[tuple[str, str]] = set()
    for parsed in definitions:
        for bpmn_id, meta in parsed.user_tasks.items():
            known.add((parsed.process_id, bpmn_id))
            has_handler = (parsed.process_id, bpmn_id) in _handlers
            if meta.generic and has_handler:
                problems.append(
                    f"{parsed.file_name}: 用户任务“{meta.name}”（{bpmn_id}）声明为通用办理，却注册了处理函数"
                )
            elif not meta.generic and not has_handler:
                problems.append(
                    f"{parsed.file_name}: 用户任务“{meta.name}”（{bpmn_id}）没有注册处理函数"
                    "（@workflow.user_task），也未在 BPMN 中声明 generic"
                )
    process_ids = {p for p, _ in known}
    for process_id, bpmn_id in sorted(_handlers):
        if process_id in process_ids and (process_id, bpmn_id) not in known:
            problems.append(f"流程 {process_id} 没有用户任务 {bpmn_id}，但为它注册了处理函数")
    for process_id, bpmn_id in sorted(_facts):
        if process_id in process_ids and (process_id, bpmn_id) not in known:
            problems.append(f"流程 {process_id} 没有用户任务 {bpmn_id}，但为它注册了办理依据")
    return problems
