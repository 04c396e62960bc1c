"""A user's notices: the unread count (navbar badge) and the newest first, page by page."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification

PAGE_SIZE = 50


def unread_count(user: User, *, cap: int | None = None) -> int:
    """How many of the user's notices are unread (index ix_notifications_user_unread). With `cap`, counting
    stops after cap + 1 rows: a badge says "99+", it does not count a backlog of thousands."""
    unread = select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if cap is not None:
        unread = unread.limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(unread.subquery())) or 0


def for_user(user: User, *, limit: int = PAGE_SIZE, before: int | None = None) -> list[Notification]:
    """The user's notices, newest first (index ix_notifications_user_newest). `before`: the id of the last
    notice of the previous page; the page after it seeks there, it does not count rows off."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if before is not None:
        edge = (
            select(Notification.created_at)
            .where(Notification.id == before, Notification.user_id == user.id)
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                Notification.created_at < edge,
                and_(Notification.created_at == edge, Notification.id < before),
            )
        )
    return list(
        db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    )


def get_own(user: User, notification_id: int) -> Notification | None:
    """The notice if it is the user's (anyone else's is as good as missing)."""
    n = db.session.get(Notification, notification_id)
    return n if n is not None and n.user_id == user.id else None
