"""app.db helpers: the likely() planner hint keeps its condition in the statement cache key."""

from __future__ import annotations

from sqlalchemy import false, select, true

from app.auth.models import User
from app.auth.roles import Role
from app.db import likely
from app.inbox import queries
from app.workflow.models import HumanTask


def test_likely_condition_is_part_of_the_cache_key():
    def key(condition):
        return select(HumanTask.id).where(likely(condition))._generate_cache_key()

    assert key(true()) != key(false())
    assert key(true()) != key(HumanTask.region_path.like("/a/%"))
    # same structure, other bound value: one cached statement, as for any parameter
    assert key(HumanTask.region_path.like("/a/%")) == key(HumanTask.region_path.like("/b/%"))


def test_inbox_scopes_do_not_leak_through_the_statement_cache(started, world, db):
    started(world.ent_a)
    started(world.ent_b)
    # an officer without a department sees nothing (scope likely(false)), a town officer their town
    # (likely(region_path LIKE ...)): same roles, so only the scope tells the two statements apart
    nowhere = User(username="unassigned", name="未分配执法", department=None)
    nowhere.set_password("x")
    nowhere.set_roles([Role.OFFICER])
    db.session.add(nowhere)
    db.session.commit()
    assert nowhere.scope_path is None
    for user, expected in ((world.town_officer, 1), (nowhere, 0), (world.officer, 2), (nowhere, 0)):
        assert queries.inbox(user, queries.InboxFilters()).total == expected, user.username
