"""One reference to a business object (a 隐患, a case, a 指令书 …) for every platform package: the workflow
instance's subject, the audit trail's object, an attachment's or a document's owner all store the same
(subject type, id). The type is the model's table name (or its `__subject_type__`, for an object that is
not a table row), so it is never derived twice in two ways.

A domain registers how its subject types are shown (`register_subject`): the generic task page's summary,
the link to the object's page, the name users know it by (for the audit trail), and the progress an
outsider (an enterprise account) is shown instead of the internal process: its own case in its own terms,
never the BPMN diagram or the agency's internal steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from app.extensions import db


class SubjectRef(NamedTuple):
    type: str
    id: int


def type_of(obj_or_model: Any) -> str:
    """The subject type of a model class or instance: `__subject_type__` if set, else its table name."""
    kind = getattr(obj_or_model, "__subject_type__", None) or getattr(obj_or_model, "__tablename__", None)
    if not kind:
        raise TypeError(f"{getattr(obj_or_model, '__name__', type(obj_or_model).__name__)} has no __tablename__")
    return str(kind)


def ref(obj: Any) -> SubjectRef:
    """(type, id) of a model instance; flushes a new object to get its id."""
    if getattr(obj, "id", None) is None:
        db.session.flush()
    if getattr(obj, "id", None) is None:
        raise ValueError(f"{obj!r} has no id")
    return SubjectRef(type_of(obj), int(obj.id))


@dataclass(frozen=True)
class ProgressStep:
    """One step of the progress an outsider is shown (已下达整改指令, 整改中（期限 …）…)."""

    label: str
    state: str = "done"  # done | current | failed | todo
    when: date | datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class SubjectView:
    load: Callable[[int], object | None]  # subject id -> object
    summary_template: str  # template rendering `subject` on the generic task page
    url: Callable[[object], str] | None = None  # the object's own page
    label: str = ""  # what users call this kind of object (隐患)
    name: Callable[[object], str] | None = None  # how users name one (its code or document number)
    # the progress shown to outsiders (enterprise accounts) instead of the diagram and internal steps
    outsider_progress: Callable[[object], list[ProgressStep]] | None = None


_views: dict[str, SubjectView] = {}


def register_subject(subject_type: str, view: SubjectView) -> None:
    _views[subject_type] = view


def view_of(subject_type: str | None) -> SubjectView | None:
    return _views.get(subject_type) if subject_type else None


__all__ = ["ProgressStep", "SubjectRef", "SubjectView", "ref", "register_subject", "type_of", "view_of"]
