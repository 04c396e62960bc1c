"""站内消息 for the hazard loop: who is told, idempotently (one notice per key and user)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User, UserRole
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.hazards.models import Hazard, HazardNotification


def enterprise_managers(hazard: Hazard) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.enterprise_id == hazard.enterprise_id,
                UserRole.role == Role.ENTERPRISE,
                User.is_active_flag.is_(True),
            )
            .order_by(User.id)
        )
    )


def responsible_officers(hazard: Hazard) -> list[User]:
    """The registering officer and the co-signing officer of the 指令书."""
    users = [hazard.found_by]
    if hazard.order.co_officer is not None:
        users.append(hazard.order.co_officer)
    return [u for u in dict.fromkeys(users) if u is not None and u.is_active]


def section_heads(hazard: Hazard) -> list[User]:
    """Section heads of the issuing agency whose jurisdiction covers the hazard."""
    agency_id = hazard.order.agency_id
    candidates = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SECTION_HEAD, User.is_active_flag.is_(True))
        .order_by(User.id)
    ).all()
    out = []
    for u in candidates:
        if not in_scope(u, hazard.region_path, hazard.enterprise_id):
            continue
        if u.department is not None and u.department.agency.id != agency_id:
            continue
        out.append(u)
    return out


def leaders(hazard: Hazard) -> list[User]:
    candidates = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.LEADER, User.is_active_flag.is_(True))
        .order_by(User.id)
    ).all()
    return [u for u in candidates if in_scope(u, hazard.region_path, hazard.enterprise_id)]


def notify(
    users,
    hazard: Hazard | None,
    *,
    kind: str,
    key: str,
    title: str,
    body: str | None = None,
    level: str = "info",
) -> int:
    """Create one notice per user unless that (key, user) exists. Returns how many were created."""
    users = [u for u in dict.fromkeys(users) if u is not None]
    if not users:
        return 0
    have = set(
        db.session.scalars(
            select(HazardNotification.user_id).where(
                HazardNotification.key == key, HazardNotification.user_id.in_([u.id for u in users])
            )
        )
    )
    created = 0
    for u in users:
        if u.id in have:
            continue
        db.session.add(
            HazardNotification(
                user_id=u.id,
                hazard_id=hazard.id if hazard else None,
                kind=kind,
                key=key,
                title=title,
                body=body,
                level=level,
                created_at=utcnow(),
            )
        )
        created += 1
    if created:
        db.session.flush()
    return created


def unread_count(user: User) -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count())
            .select_from(HazardNotification)
            .where(HazardNotification.user_id == user.id, HazardNotification.read_at.is_(None))
        )
        or 0
    )


def for_user(user: User, limit: int = 100) -> list[HazardNotification]:
    return list(
        db.session.scalars(
            select(HazardNotification)
            .where(HazardNotification.user_id == user.id)
            .order_by(HazardNotification.created_at.desc(), HazardNotification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User) -> None:
    from sqlalchemy import update

    db.session.execute(
        update(HazardNotification)
        .where(HazardNotification.user_id == user.id, HazardNotification.read_at.is_(None))
        .values(read_at=utcnow())
    )
