"""Sessions end (issue #11 item 2): after a logout, a password change, an admin password reset, a role change
or a deactivation, a copied session cookie no longer works, on pages or the API, from anywhere. The user
who changes their own password (or an admin their own roles) stays logged in on the device they use."""

from flask import session
from flask_login import login_user

from app.auth.models import User
from app.auth.operations import end_sessions
from app.auth.roles import Role
from tests.factories.auth import PASSWORD
from tests.factories.db import sql_log

PAGE, API = "/notifications", "/api/v1/inbox"
NEW_PASSWORD = "Neu#2026pass"


def _copy(app, logged_in):
    """A second browser with the session cookie copied, from another address and User-Agent."""
    thief = app.test_client()
    thief.environ_base.update({"REMOTE_ADDR": "203.0.113.66", "HTTP_USER_AGENT": "curl/8.0"})
    thief.set_cookie("session", logged_in.client.get_cookie("session").value)
    return thief


def _works(client) -> bool:
    page, api = client.get(PAGE), client.get(API)
    if page.status_code == 200 and api.status_code == 200:
        return True
    assert page.status_code == 302 and "/login" in page.headers["Location"], page.status_code
    assert api.status_code == 401 and api.get_json()["error"] == "未登录或登录已过期"
    return False


def test_copied_cookie_works_until_logout_then_ends(app, world, login):
    officer = login(world.officer)
    thief = _copy(app, officer)
    assert _works(thief)  # the copy is a real session as long as the user's sessions live
    officer.post("/logout")
    assert not _works(thief)
    assert not _works(officer.client)


def test_logout_ends_the_users_other_sessions_too(app, world, login):
    laptop, phone = login(world.officer), login(world.officer)
    phone.post("/logout")
    assert not _works(laptop.client)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, world, login, db):
    officer = login(world.officer)
    other_device = login(world.officer)
    thief = _copy(app, officer)
    r = officer.post("/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                "password_confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert not _works(thief)
    assert not _works(other_device.client)
    assert _works(officer.client)  # re-issued with the new version
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).check_password(NEW_PASSWORD)


def test_password_page_is_linked_from_every_page(app, world, login):
    officer = login(world.officer)
    html = officer.get(PAGE).get_data(as_text=True)
    assert 'href="/account/password"' in html
    page = officer.get("/account/password")
    assert page.status_code == 200 and "当前密码" in page.get_data(as_text=True)


def test_password_change_needs_the_current_password(app, world, login):
    officer = login(world.officer)
    thief = _copy(app, officer)
    r = officer.post("/account/password", data={"current_password": "wrong", "password": NEW_PASSWORD,
                                                "password_confirm": NEW_PASSWORD})
    assert r.status_code == 422 and "当前密码不正确" in r.get_data(as_text=True)
    assert _works(thief)  # nothing changed, nothing ended


def test_admin_password_reset_ends_every_session(app, world, login):
    legal = login(world.legal)
    thief = _copy(app, legal)
    admin = login(world.admin)
    r = admin.post(f"/admin/users/{world.legal.id}/password",
                   data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 303
    assert not _works(thief)
    assert not _works(legal.client)
    assert _works(admin.client)


def test_admin_resetting_own_password_stays_logged_in(app, world, login):
    admin = login(world.admin)
    thief = _copy(app, admin)
    r = admin.post(f"/admin/users/{world.admin.id}/password",
                   data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 303
    assert not _works(thief)
    assert admin.get("/admin/users").status_code == 200


def _edit_form(user, roles):
    return {"name": user.name, "phone": user.phone or "", "cert_no": user.cert_no or "",
            "department_id": user.department_id or "", "enterprise_id": user.enterprise_id or "", "roles": roles}


def test_role_change_ends_every_session(app, world, login):
    officer = login(world.officer)
    thief = _copy(app, officer)
    admin = login(world.admin)
    r = admin.post(f"/admin/users/{world.officer.id}/edit",
                   data=_edit_form(world.officer, [Role.OFFICER.value, Role.LEGAL_REVIEWER.value]))
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert not _works(thief)
    assert not _works(officer.client)


def test_editing_only_the_phone_keeps_sessions(app, world, login):
    officer = login(world.officer)
    admin = login(world.admin)
    form = _edit_form(world.officer, sorted(world.officer.roles)) | {"phone": "0557-1234567"}
    assert admin.post(f"/admin/users/{world.officer.id}/edit", data=form).status_code == 302
    assert _works(officer.client)


def test_admin_changing_own_roles_stays_logged_in(app, world, login):
    admin = login(world.admin)
    thief = _copy(app, admin)
    r = admin.post(f"/admin/users/{world.admin.id}/edit",
                   data=_edit_form(world.admin, [Role.ADMIN.value, Role.LEADER.value]))
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert not _works(thief)
    assert admin.get("/admin/users").status_code == 200


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, world, login):
    officer = login(world.officer)
    thief = _copy(app, officer)
    admin = login(world.admin)
    admin.post(f"/admin/users/{world.officer.id}/active", data={"active": "0"})
    assert not _works(thief)
    admin.post(f"/admin/users/{world.officer.id}/active", data={"active": "1"})
    assert not _works(thief)
    assert not _works(officer.client)


def test_session_id_carries_the_version(app, world, db):
    officer = world.officer
    assert officer.get_id() == f"{officer.id}:{officer.session_version}"
    db.session.expire_all()
    assert User.load_session(f"{officer.id}:1").username == "officer"
    assert User.load_session(f"{officer.id}:2") is None
    assert User.load_session(str(officer.id)) is None  # a session from before versions: log in again
    assert User.load_session("x:1") is None and User.load_session("") is None


def test_session_check_adds_no_statement(world, db):
    """The version is compared on the row Flask-Login's user load reads anyway: still one statement."""
    officer_id = world.officer.id
    db.session.expire_all()
    with sql_log() as statements:
        assert User.load_session(f"{officer_id}:1") is not None
    assert len(statements) == 1, statements
    db.session.expire_all()
    with sql_log() as statements:
        assert User.load_session(f"{officer_id}:7") is None
    assert len(statements) == 1, statements


def test_remember_cookie_ends_too(app, world, db):
    """A remember-me cookie holds the same versioned id, so it ends with the sessions."""
    with app.test_request_context():
        login_user(world.officer, remember=True)
        remembered = session["_user_id"]
    db.session.expire_all()
    assert User.load_session(remembered) is not None
    end_sessions(db.session.get(User, world.officer.id))
    db.session.commit()
    db.session.expire_all()
    assert User.load_session(remembered) is None
