"""User administration: roles, department/enterprise binding, 执法证号, passwords, deactivation, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import audit
from app.auth.models import User
from app.auth.operations import create_user, password_problem, reset_password, set_user_active, update_user
from app.auth.roles import Role
from app.errors import ValidationFailed
from tests.factories.auth import PASSWORD, csrf_from

NEW_PASSWORD = "Xiao@County9"


def user_form(world, **over):
    data = {"username": "newofficer", "name": "新执法", "phone": "13900000000", "roles": [Role.OFFICER.value],
            "department_id": str(world.brigade.id), "enterprise_id": "", "cert_no": "34130099",
            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    data.update(over)
    return data


def can_log_in(app, username, password) -> bool:
    """Log in with a fresh client."""
    c = app.test_client()
    token = csrf_from(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    return r.status_code == 302


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("SafeLoop@2026", True),
        (PASSWORD, True),
        ("Abcdefg1", True),
        ("abc@1234", True),
        ("Ab@1234", False),  # too short
        ("abcdefgh1", False),  # two classes
        ("ABCDEFGH", False),
        ("P@ssw0rd", False),  # common
        ("Xnewofficer@1", False),  # contains the user name
    ],
)
def test_password_strength(password, ok):
    assert (password_problem(password, username="newofficer") is None) == ok


def test_admin_creates_officer_through_the_form(app, world, login, db):
    client = login(world.admin)
    r = client.post("/admin/users/new", data=user_form(world))
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newofficer"))
    assert user.roles == {"officer"} and user.department_id == world.brigade.id and user.cert_no == "34130099"
    [event] = audit.history(user)
    assert event.action == "user.created"
    assert "password" not in str(event.changes) and user.password_hash not in str(event.changes)
    assert can_log_in(app, "newofficer", NEW_PASSWORD)


def test_roles_are_a_multi_select(world, login, db):
    r = login(world.admin).post("/admin/users/new", data=user_form(
        world, roles=[Role.OFFICER.value, Role.SECTION_HEAD.value]))
    assert r.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "newofficer")).roles == {"officer", "section_head"}


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"username": ""}, "username", "用户名应为3–50位"),
        ({"username": "officer"}, "username", "该用户名已被使用"),
        ({"username": "OFFICER"}, "username", "该用户名已被使用"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"roles": []}, "roles", "请至少选择一个角色"),
        ({"roles": ["boss"]}, "roles", "未知角色"),
        ({"cert_no": ""}, "cert_no", "执法人员须填写执法证号"),
        ({"department_id": ""}, "department_id", "请选择所属单位"),
        ({"department_id": "999999"}, "department_id", "请选择管辖范围内的单位"),
        ({"enterprise_id": "1"}, "enterprise_id", "执法部门人员不能绑定企业"),
        ({"roles": [Role.ENTERPRISE.value], "department_id": "", "cert_no": ""}, "enterprise_id",
         "企业安全管理人员必须绑定所属企业"),
        ({"roles": [Role.ENTERPRISE.value, Role.OFFICER.value]}, "roles", "不能同时拥有执法部门角色"),
        ({"password": "abc", "password_confirm": "abc"}, "password", "密码至少8位"),
        ({"password_confirm": "Other@Pass1"}, "password_confirm", "两次输入的密码不一致"),
        ({"phone": "phone!"}, "phone", "格式不正确"),
    ],
)
def test_user_validation_messages_next_to_fields(world, login, db, over, field, message):
    r = login(world.admin).post("/admin/users/new", data=user_form(world, **over))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    feedback = html.split(f'data-testid="error-{field}">', 1)[1].split("</div>", 1)[0]
    assert message in feedback
    assert db.session.scalar(select(User).where(User.username == (over.get("username") or "newofficer"))) in (
        None, world.officer)


def test_enterprise_account_bound_to_enterprise_in_scope(world, db):
    user = create_user(user_form(world, username="qiye_new", roles=[Role.ENTERPRISE.value], department_id="",
                                 cert_no="", enterprise_id=str(world.ent_b.id)), actor=world.admin)
    assert user.is_enterprise_user and user.enterprise_id == world.ent_b.id and user.department_id is None
    with pytest.raises(ValidationFailed) as exc:
        create_user(user_form(world, username="qiye_out", roles=[Role.ENTERPRISE.value], department_id="",
                              cert_no="", enterprise_id=str(world.ent_other.id)), actor=world.admin)
    assert exc.value.field_errors["enterprise_id"] == "请选择管辖范围内的企业"


def test_edit_user_changes_roles_and_department_with_audit(world, login, db):
    client = login(world.admin)
    u = world.officer2
    r = client.post(f"/admin/users/{u.id}/edit", data={
        "name": "赵执法", "phone": "", "roles": [Role.OFFICER.value, Role.LEGAL_REVIEWER.value],
        "department_id": str(world.legal_section.id), "enterprise_id": "", "cert_no": "34130002"})
    assert r.status_code == 302
    db.session.expire_all()
    assert u.roles == {"officer", "legal_reviewer"} and u.department_id == world.legal_section.id
    [event] = audit.history(u)
    assert event.action == "user.updated"
    assert event.changes["department"] == ["执法大队", "法规科"]
    assert event.changes["roles"] == ["执法人员", "执法人员、法制审核人员"]


def test_admin_cannot_drop_own_admin_role_or_deactivate_self(world, db):
    with pytest.raises(ValidationFailed) as exc:
        update_user(world.admin, {"name": "管理员", "roles": [Role.LEADER.value],
                                  "department_id": world.bureau.id}, actor=world.admin)
    assert "不能取消自己的系统管理员角色" in exc.value.field_errors["roles"]
    with pytest.raises(ValidationFailed):
        set_user_active(world.admin, False, actor=world.admin)


def test_deactivate_and_reactivate(app, world, login, db):
    client = login(world.admin)
    r = client.post(f"/admin/users/{world.officer2.id}/active", data={"active": "0"})
    assert r.status_code == 303
    db.session.expire_all()
    assert not world.officer2.is_active
    assert not can_log_in(app, "officer2", PASSWORD)
    assert [e.action for e in audit.history(world.officer2)] == ["user.deactivated"]  # before any login
    client.post(f"/admin/users/{world.officer2.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert world.officer2.is_active and can_log_in(app, "officer2", PASSWORD)


def test_password_reset_requires_strength_and_works(app, world, login, db):
    client = login(world.admin)
    uid = world.manager_b.id
    r = client.post(f"/admin/users/{uid}/password", data={"password": "short", "password_confirm": "short"})
    assert r.status_code == 422 and "密码至少8位" in r.get_data(as_text=True)
    r = client.post(f"/admin/users/{uid}/password", data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 303
    assert can_log_in(app, "manager_b", NEW_PASSWORD) and not can_log_in(app, "manager_b", PASSWORD)
    [event] = [e for e in audit.history(world.manager_b) if e.action.startswith("user.")]
    assert event.action == "user.password_reset" and NEW_PASSWORD not in str(event.summary)


def test_reset_password_mismatch(world):
    with pytest.raises(ValidationFailed) as exc:
        reset_password(world.officer, NEW_PASSWORD, NEW_PASSWORD + "x", actor=world.admin)
    assert exc.value.field_errors == {"password_confirm": "两次输入的密码不一致"}


def test_users_out_of_scope_are_invisible(world, login):
    client = login(world.admin)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "officer2" in html and "manager_a" in html and "other_officer" not in html
    assert client.get(f"/admin/users/{world.other_officer.id}/edit").status_code == 404
    assert client.post(f"/admin/users/{world.other_officer.id}/active", data={"active": "0"}).status_code == 404
    assert world.other_officer.is_active


def test_user_list_filters(world, login):
    client = login(world.admin)
    html = client.get("/admin/users?role=enterprise_manager").get_data(as_text=True)
    assert "manager_a" in html and "officer2" not in html
    html = client.get("/admin/users?q=李安全").get_data(as_text=True)
    assert "manager_a" in html and "manager_b" not in html
