"""User.load_active: what Flask-Login loads on every request (roles and jurisdiction read with the user
row), and that edits made in the same session win over what was read."""

from app.auth.models import User
from app.auth.roles import Role
from tests.factories.db import sql_log


def _fresh(db, user_id):
    db.session.expunge_all()
    return User.load_active(user_id)


def test_loads_roles_and_jurisdiction_in_one_statement(world, db):
    county_path, head_id = world.county.path, world.section_head.id
    db.session.expunge_all()
    with sql_log() as statements:
        user = User.load_active(head_id)
        assert user.roles == {Role.SECTION_HEAD, Role.OFFICER}
        assert user.scope_path == county_path
        assert not user.is_enterprise_user
    assert len(statements) == 1, statements


def test_enterprise_user_and_admin_without_department(world, db):
    admin_id = world.admin.id
    manager = _fresh(db, world.manager_a.id)
    assert manager.roles == {Role.ENTERPRISE} and manager.is_enterprise_user and manager.scope_path is None
    admin = _fresh(db, admin_id)
    admin.department = None
    assert admin.scope_path == ""  # admin without a department sees everything


def test_inactive_or_unknown_user_is_not_loaded(world, db):
    world.officer.is_active_flag = False
    db.session.commit()
    assert _fresh(db, world.officer.id) is None
    assert _fresh(db, 999_999) is None


def test_role_change_in_the_session_wins(world, db):
    user = _fresh(db, world.officer.id)
    assert user.roles == {Role.OFFICER}
    user.set_roles([Role.OFFICER, Role.LEGAL_REVIEWER])
    assert user.roles == {Role.OFFICER, Role.LEGAL_REVIEWER}
    db.session.commit()  # expires role_rows: the value read at load must not come back
    assert user.roles == {Role.OFFICER, Role.LEGAL_REVIEWER}
    assert _fresh(db, world.officer.id).roles == {Role.OFFICER, Role.LEGAL_REVIEWER}


def test_department_change_in_the_session_wins(world, db):
    county, town, station_id = world.county.path, world.town_a.path, world.town_station.id
    user = _fresh(db, world.officer.id)
    assert user.scope_path == county
    user.department = db.session.get(type(world.town_station), station_id)
    assert user.scope_path == town
    db.session.commit()  # expired: the department id no longer matches what was read at load
    assert user.scope_path == town


def test_a_user_read_in_this_transaction_is_not_read_again_until_it_expires(world, db):
    """The second officer a step names is often read twice (the domain's check, then the hazard layer's):
    once is enough while the row is current; after a commit (expired) or with a session version (every
    request's login check) it is read again."""
    officer_id = world.officer.id
    db.session.expunge_all()
    first = User.load_active(officer_id)
    with sql_log() as statements:
        assert User.load_active(officer_id) is first
    assert statements == []
    with sql_log() as statements:
        User.load_active(officer_id, session_version=first.session_version)
    assert len(statements) == 1
    first.is_active_flag = False
    db.session.commit()  # expired: read again, and now refused
    assert User.load_active(officer_id) is None
