"""Sending and reading notices. Flush, never commit: the caller's transaction (a timer tick, a request)
holds the notice together with the change it tells about."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, update

from app import subjects
from app.auth.models import User
from app.db import Precompiled, utcnow
from app.extensions import db
from app.notifications.models import Level, Notification

_NOTIFICATIONS = cast(Table, Notification.__table__)
_INSERT = Precompiled(
    lambda insert: insert(_NOTIFICATIONS)
    .on_conflict_do_nothing(index_elements=["key", "user_id"])
    .returning(_NOTIFICATIONS.c.id)
)


def notify(
    users: Iterable[User | None],
    subject,
    *,
    kind: str,
    key: str,
    title: str,
    body: str | None = None,
    level: str = Level.INFO,
) -> int:
    """Tell each user once: a notice is created for every user who has none with this `key` yet. Returns
    how many were created.

    `subject` is the business object the notice is about (a model instance, a `subjects.SubjectRef`, or
    None); its page is where the notice links to. `key` names the occasion (the kind, the object's id and
    what makes it unique: a deadline, a date). It is stored behind the subject's type ("cases:overdue:12:
    2026-11-09"), so two domains' keys never collide: one notice per user, subject type and key.
    """
    level = Level(level)
    recipients: list[User] = [u for u in dict.fromkeys(users) if u is not None]
    if not recipients:
        return 0
    ref = _ref(subject)
    if ref is not None:
        key = f"{ref.type}:{key}"
    rows = [
        {"user_id": u.id, "subject_type": ref.type if ref else None, "subject_id": ref.id if ref else None,
         "kind": kind, "key": key, "title": title, "body": body, "level": level, "created_at": utcnow()}
        for u in recipients
    ]
    # One statement: a user who has this key already is skipped by the unique (key, user_id), the rows
    # created come back (a retried request, a timer firing twice: nothing new, nothing raised).
    return len(_INSERT.execute(db.session.connection(), rows).all())


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notices read (all of them, or those of `ids` that are theirs). Returns how
    many changed."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(ids))
    result = db.session.connection().execute(stmt.values(read_at=utcnow()))
    return int(result.rowcount)


def _ref(subject) -> subjects.SubjectRef | None:
    if subject is None:
        return None
    if isinstance(subject, subjects.SubjectRef):
        return subject
    return subjects.ref(subject)
