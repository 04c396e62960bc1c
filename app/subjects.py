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

from collections.abc import Callable, Collection, Iterable
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
    summary_template: str = ""  # template rendering `subject` on the generic task page
    url: Callable[[object], str | None] | None = None  # the object's own page (None: no page for this user)
    label: str = ""  # what users call this kind of object (隐患)
    name: Callable[[object], str] | None = None  # how users name one (its code or document number)
    # the progress shown to outsiders (enterprise accounts) instead of the diagram and internal steps
    outsider_progress: Callable[[object], list[ProgressStep]] | None = None
    # ids -> the objects, in one query (lists of many subjects: the audit trail); default: `load` per id
    load_many: Callable[[Collection[int]], Iterable[Any]] | None = None
    # the object this one belongs to (a 整改 record's 隐患, an attachment's subject, a task's process)
    parent: Callable[[Any], SubjectRef | None] | None = None
    # user -> a SELECT of the ids of this type inside the user's data scope (the audit trail shows a viewer
    # of a sub-jurisdiction only events about these); None: no row of this type is scoped (hidden from them)
    scope: Callable[[Any], Any] | None = None


_views: dict[str, SubjectView] = {}


def register_subject(subject_type: str, view: SubjectView) -> None:
    _views[subject_type] = view


def view_of(subject_type: str | None) -> SubjectView | None:
    return _views.get(subject_type) if subject_type else None


def registered_types() -> list[str]:
    return sorted(_views)


def model_view(model: Any, *, label: str, name: Callable[[Any], str], url: Callable[[Any], str | None] | None = None,
               parent: Callable[[Any], SubjectRef | None] | None = None, options: Iterable[Any] = (),
               summary_template: str = "", scope: Callable[[Any], Any] | None = None) -> SubjectView:
    """A SubjectView for a model class whose rows are the subjects: loads one by primary key, many with
    one `IN` query (with `options`, e.g. the relationships `name` reads)."""
    from sqlalchemy import select

    opts = tuple(options)

    def load_many(ids: Collection[int]) -> list[Any]:
        return list(db.session.scalars(select(model).where(model.id.in_(sorted(ids))).options(*opts)).unique())

    return SubjectView(load=lambda object_id: db.session.get(model, object_id), summary_template=summary_template,
                       url=url, label=label, name=name, load_many=load_many, parent=parent, scope=scope)


def in_scope_clause(user: Any, type_col: Any, id_col: Any, *, skip: Collection[str] = ()) -> Any:
    """SQL condition: the (type_col, id_col) reference points at an object inside `user`'s data scope, by
    each registered type's `scope` (one `IN (SELECT …)` per type). Types without a scope, and references to
    no object, are outside. `skip` leaves types out (a type whose own scope goes through its owner's)."""
    from sqlalchemy import and_, false, or_

    parts = [and_(type_col == kind, id_col.in_(view.scope(user)))
             for kind, view in sorted(_views.items()) if view.scope is not None and kind not in skip]
    return or_(false(), *parts)


@dataclass(frozen=True)
class Subject:
    """One object as users name it: `label` 隐患, `name` YH2026000016, `context` the object it belongs to
    (隐患 YH2026000016 for one of its photos), `url` its page (or the page of what it belongs to)."""

    ref: SubjectRef
    label: str
    name: str
    url: str | None = None
    context: str = ""

    @property
    def title(self) -> str:
        return f"{self.label} {self.name}".strip()

    @property
    def text(self) -> str:
        return f"{self.title}（{self.context}）" if self.context else self.title

    def __str__(self) -> str:
        return self.text


UNKNOWN_LABEL = "其他记录"
MISSING_NAME = "（已删除）"
_MAX_DEPTH = 4  # attachment -> 整改 record -> 隐患: parents never nest deeper than a few levels


def _load(view: SubjectView, ids: Collection[int]) -> dict[int, Any]:
    if view.load_many is not None:
        return {int(obj.id): obj for obj in view.load_many(ids)}
    out = {}
    for object_id in ids:
        obj = view.load(object_id)
        if obj is not None:
            out[object_id] = obj
    return out


def describe(refs: Iterable[tuple[str | None, int | None]]) -> dict[SubjectRef, Subject]:
    """How users name each referenced object, batch-loaded: one query per subject type (and per type of
    the objects they belong to), never one per object. Unknown or deleted objects still get a name."""
    wanted = {SubjectRef(str(t), int(i)) for t, i in refs if t and i is not None}
    objects: dict[SubjectRef, Any] = {}
    parents: dict[SubjectRef, SubjectRef | None] = {}
    pending = set(wanted)
    for _ in range(_MAX_DEPTH):
        if not pending:
            break
        by_type: dict[str, set[int]] = {}
        for r in pending:
            by_type.setdefault(r.type, set()).add(r.id)
        found: set[SubjectRef] = set()
        for kind, ids in by_type.items():
            view = view_of(kind)
            if view is None:
                continue
            for object_id, obj in _load(view, ids).items():
                r = SubjectRef(kind, object_id)
                objects[r] = obj
                p = view.parent(obj) if view.parent is not None else None
                parents[r] = SubjectRef(str(p[0]), int(p[1])) if p is not None and p[0] and p[1] is not None else None
                if parents[r] is not None:
                    found.add(parents[r])  # type: ignore[arg-type]
        pending = {p for p in found if p not in objects and p not in parents}
        for r in pending:
            parents.setdefault(r, None)

    def own(r: SubjectRef) -> tuple[str, str, str | None]:
        view = view_of(r.type)
        if view is None:
            return UNKNOWN_LABEL, "", None
        obj = objects.get(r)
        if obj is None:
            return view.label or UNKNOWN_LABEL, MISSING_NAME, None
        name = view.name(obj) if view.name is not None else ""
        url = view.url(obj) if view.url is not None else None
        return view.label or UNKNOWN_LABEL, name, url

    out = {}
    for r in wanted:
        label, name, url = own(r)
        root, seen = r, {r}
        while (up := parents.get(root)) is not None and up not in seen:
            seen.add(up)
            root = up
            if url is None:
                url = own(up)[2]
        context = ""
        if root != r:
            root_label, root_name, _ = own(root)
            context = f"{root_label} {root_name}".strip()
        out[r] = Subject(ref=r, label=label, name=name, url=url, context=context)
    return out


def describe_one(obj_or_ref: Any) -> Subject:
    r = obj_or_ref if isinstance(obj_or_ref, tuple) else ref(obj_or_ref)
    r = SubjectRef(str(r[0]), int(r[1]))
    return describe([r])[r]


__all__ = [
    "ProgressStep", "Subject", "SubjectRef", "SubjectView", "describe", "describe_one", "in_scope_clause", "model_view",
    "ref",
    "register_subject", "registered_types", "type_of", "view_of",
]
