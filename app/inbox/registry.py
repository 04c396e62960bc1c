"""What the generic task page needs from each domain: how to show a subject, how to complete a task.

Domains register here (at import of their `tasks` module) so the inbox never imports domain code by
name. A task with no registered handler is completed generically (workflow step + audit event).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

# domain modules that register subjects and task handlers when imported
DOMAIN_TASK_MODULES = ["app.hazards.tasks"]


@dataclass(frozen=True)
class SubjectView:
    load: Callable[[int], object | None]  # subject_id -> object
    summary_template: str  # template rendering `subject`
    url: Callable[[object], str] | None = None


_subjects: dict[str, SubjectView] = {}
_handlers: dict[tuple[str, str], Callable] = {}
_loaded = False


def register_subject(subject_type: str, view: SubjectView) -> None:
    _subjects[subject_type] = view


def register_task_handlers(process_id: str, handlers: dict[str, Callable]) -> None:
    """handlers: {bpmn task id: fn(task, data, *, actor)} doing domain writes + workflow step + audit."""
    for bpmn_id, fn in handlers.items():
        _handlers[(process_id, bpmn_id)] = fn


def _load_domains() -> None:
    global _loaded
    if _loaded:
        return
    for name in DOMAIN_TASK_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        hooks = getattr(module, "workflow_hooks", None)
        if isinstance(hooks, dict):
            for key, fn in hooks.items():
                process_id, _, bpmn_id = key.rpartition(":") if ":" in key else ("*", "", key)
                _handlers[(process_id, bpmn_id)] = fn
        register = getattr(module, "register_inbox", None)
        if callable(register):
            register()
    _loaded = True


def subject_view(subject_type: str) -> SubjectView | None:
    _load_domains()
    return _subjects.get(subject_type)


def task_handler(process_id: str, bpmn_id: str) -> Callable | None:
    _load_domains()
    return _handlers.get((process_id, bpmn_id)) or _handlers.get(("*", bpmn_id))
