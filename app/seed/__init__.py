"""Demo data. `seed_demo()` loads the registry, then every domain's demo seeder, once.

A domain registers its seeder in its `init_app` with `seed.register_seeder(fn)`. Seeders run in the order
the domains are listed (app/domains.py); each is called with the dict returned by `seed_registry()`
(towns, departments, enterprises, users …) and may add keys to it for the seeders after it. Seeders flush,
never commit.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.roles import ROLE_LABELS
from app.extensions import db
from app.org.models import Region
from app.seed.registry import DEMO_ACCOUNTS, DEMO_PASSWORD, FEATURED_ENTERPRISE, seed_registry

Seeder = Callable[[dict], object]

DEMO_SEEDERS: list[Seeder] = []


def register_seeder(seeder: Seeder) -> None:
    """Add a domain's demo seeder (once; registering it again, as a second app does, changes nothing)."""
    if seeder not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seeder)


def is_seeded() -> bool:
    """True when the database already holds data (any region or user): the demo never overwrites it."""
    regions = db.session.scalar(select(func.count()).select_from(Region)) or 0
    users = db.session.scalar(select(func.count()).select_from(User)) or 0
    return bool(regions or users)


def seed_demo() -> dict | None:
    """Load the demo county if the database is empty; None if it was not. Flushes, the caller commits."""
    if is_seeded():
        return None
    ctx = seed_registry()
    for seeder in DEMO_SEEDERS:
        seeder(ctx)
    from app import audit

    audit.register_action_labels({"system.demo_seeded": "载入演示数据"})
    audit.record(None, "system.demo_seeded", None, summary="载入演示数据（萧县）",
                 data={"enterprises": len(ctx["enterprises"]), "users": len(ctx["users"])})
    return ctx


def demo_accounts() -> list[dict]:
    """Rows for the printed demo accounts table (only accounts that exist)."""
    rows = []
    for username, *_ in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            continue
        if user.enterprise is not None:
            unit, scope = user.enterprise.name, "本企业"
        elif user.department is not None:
            unit, scope = user.department.name, user.department.region.full_name() or user.department.region.name
        else:
            unit, scope = "—", "全部"
        rows.append({
            "username": username,
            "name": user.name,
            "roles": "、".join(ROLE_LABELS[r] for r in sorted(user.roles, key=list(ROLE_LABELS).index)),
            "unit": unit,
            "scope": scope,
            "active": user.is_active,
        })
    return rows


__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "DEMO_SEEDERS", "FEATURED_ENTERPRISE", "demo_accounts", "is_seeded",
           "register_seeder", "seed_demo", "seed_registry"]
