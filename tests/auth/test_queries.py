"""users_with_role: the active holders of a role whose scope covers a place, in one query that agrees with
permissions.in_scope."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.org.models import Enterprise
from tests.factories.db import commit


def names(users) -> set[str]:
    return {u.username for u in users}


def test_officers_covering_an_enterprise(world):
    a, b = world.ent_a, world.ent_b  # ent_a lies in the town station's town, ent_b does not
    assert names(users_with_role(Role.OFFICER, region_path=a.region_path, enterprise_id=a.id)) == {
        "officer", "officer2", "town_officer", "section_head"
    }
    assert names(users_with_role(Role.OFFICER, region_path=b.region_path, enterprise_id=b.id)) == {
        "officer", "officer2", "section_head"
    }
    other = world.ent_other
    assert names(users_with_role(Role.OFFICER, region_path=other.region_path)) == {"other_officer"}


def test_inactive_users_and_the_excluded_one_are_never_returned(world, db):
    a = world.ent_a
    world.officer2.is_active_flag = False
    commit()
    found = users_with_role(Role.OFFICER, region_path=a.region_path, exclude_id=world.officer.id)
    assert names(found) == {"town_officer", "section_head"}
    assert [u.id for u in found] == sorted(u.id for u in found)  # by id unless asked otherwise


def test_enterprise_managers_of_one_enterprise(world):
    assert names(users_with_role(Role.ENTERPRISE, enterprise_id=world.ent_a.id)) == {"manager_a"}
    assert names(users_with_role(Role.ENTERPRISE, enterprise_id=world.ent_a2.id)) == set()
    # the region alone never covers an enterprise user: their scope is their enterprise
    assert names(users_with_role(Role.ENTERPRISE, region_path=world.ent_a.region_path)) == set()


def test_staff_of_one_agency(world):
    assert names(users_with_role(Role.OFFICER, agency_id=world.bureau.id)) == {
        "officer", "officer2", "town_officer", "section_head"
    }
    assert names(users_with_role(Role.OFFICER, agency_id=world.other_bureau.id)) == {"other_officer"}
    assert names(users_with_role(Role.OFFICER)) == {
        "officer", "officer2", "town_officer", "section_head", "other_officer"
    }
    assert names(
        users_with_role(Role.SECTION_HEAD, region_path=world.ent_b.region_path, agency_id=world.other_bureau.id)
    ) == set()


def test_an_admin_without_department_covers_everything(world, db):
    root = User(username="root", name="总管理员", password_hash="x")
    root.set_roles([Role.ADMIN])
    db.session.add(root)
    commit()
    assert names(users_with_role(Role.ADMIN, region_path=world.ent_other.region_path)) == {"root"}
    assert names(users_with_role(Role.ADMIN, region_path=world.ent_a.region_path)) == {"root", "admin"}


def test_agrees_with_in_scope(world, db):
    world.town_officer.is_active_flag = False
    commit()
    users = list(db.session.scalars(select(User).where(User.is_active_flag.is_(True))))
    for e in db.session.scalars(select(Enterprise)):
        for role in Role:
            expected = {
                u.username
                for u in users
                if role in u.roles
                and (
                    (role == Role.ENTERPRISE and u.enterprise_id == e.id)
                    or (role != Role.ENTERPRISE and in_scope(u, e.region_path, e.id))
                )
            }
            assert names(users_with_role(role, region_path=e.region_path, enterprise_id=e.id)) == expected, (
                e.name,
                role,
            )


def test_the_roles_of_the_users_found_still_load_when_asked_for(world):
    a = world.ent_a
    found = users_with_role(Role.OFFICER, region_path=a.region_path, enterprise_id=a.id)
    assert found and all(Role.OFFICER in u.roles for u in found)
    assert {r for u in found for r in u.roles} >= {Role.SECTION_HEAD}  # section_head holds both
    # the same question with other values reuses its prebuilt statement and answers for those values
    b = world.ent_b
    assert "town_officer" not in names(users_with_role(Role.OFFICER, region_path=b.region_path, enterprise_id=b.id))
