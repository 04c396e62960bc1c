"""Admin creates and edits enterprises: server-side validation next to fields, scope, uniqueness, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import audit
from app.errors import ValidationFailed
from app.org import operations
from app.org.credit_code import make_credit_code
from app.org.models import Enterprise

CODE = make_credit_code("341322", 777001)


def form(world, **over):
    data = {
        "name": "萧县新登记化工有限公司", "credit_code": CODE, "industry": "危险化学品", "sub_sector": "使用",
        "risk_grade": "较大", "category": "C", "status": "在业", "region_id": str(world.town_b.id),
        "address": "萧县黄口镇站前路8号", "legal_rep": "周一", "main_person": "周一", "main_person_phone": "13800000001",
        "safety_manager": "吴二", "phone": "0557-5123456", "staff_count": "40", "remarks": "",
    }
    data.update(over)
    return data


def test_admin_creates_enterprise_and_it_is_audited(world, login, db):
    client = login(world.admin)
    assert client.get("/enterprises/new").status_code == 200
    r = client.post("/enterprises/new", data=form(world))
    assert r.status_code == 302
    ent = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == CODE))
    assert r.headers["Location"].endswith(f"/enterprises/{ent.id}")
    assert ent.region_path == world.town_b.path and ent.staff_count == 40 and ent.remarks is None
    [event] = audit.history(ent)
    assert event.action == "enterprise.created" and event.actor_id == world.admin.id
    assert event.changes["name"] == [None, "萧县新登记化工有限公司"]
    assert event.changes["region"] == [None, "萧县黄口镇"]


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"name": ""}, "name", "请填写企业名称"),
        ({"credit_code": CODE[:17] + ("1" if CODE[17] != "1" else "2")}, "credit_code", "校验位错误"),
        ({"credit_code": "123"}, "credit_code", "应为18位"),
        ({"industry": ""}, "industry", "请选择行业"),
        ({"industry": "农业"}, "industry", "行业应为"),
        ({"sub_sector": "冶金"}, "sub_sector", "细分行业应为"),
        ({"risk_grade": "特大"}, "risk_grade", "风险等级应为"),
        ({"category": "E"}, "category", "分类分级应为"),
        ({"region_id": ""}, "region_id", "请选择"),
        ({"staff_count": "-1"}, "staff_count", "从业人数应为0至1000000之间的整数"),
        ({"staff_count": "abc"}, "staff_count", "从业人数应为整数"),
        ({"main_person_phone": "abc"}, "main_person_phone", "主要负责人电话格式不正确"),
    ],
)
def test_validation_errors_are_shown_next_to_fields(world, login, db, over, field, message):
    r = login(world.admin).post("/enterprises/new", data=form(world, **over))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in html
    feedback = html.split(f'data-testid="error-{field}">', 1)[1].split("</div>", 1)[0]
    assert message in feedback
    assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == CODE)) is None
    # what the user typed is kept
    if over.get(field) not in (None, "") and field not in ("region_id", "industry", "risk_grade", "category",
                                                         "sub_sector"):
        assert f'value="{over[field]}"' in html


def test_duplicate_credit_code_is_refused(world, login):
    r = login(world.admin).post("/enterprises/new", data=form(world, credit_code=world.ent_a.credit_code.lower()))
    assert r.status_code == 422
    assert f"该统一社会信用代码已登记为“{world.ent_a.name}”" in r.get_data(as_text=True)


def test_region_must_be_town_or_village_in_scope(world, login):
    client = login(world.admin)
    r = client.post("/enterprises/new", data=form(world, region_id=str(world.county.id)))
    assert r.status_code == 422 and "请选择乡镇/街道或村/社区" in r.get_data(as_text=True)
    r = client.post("/enterprises/new", data=form(world, region_id=str(world.ent_other.region_id)))
    assert r.status_code == 422 and "所选属地不在您的管辖范围内" in r.get_data(as_text=True)
    r = client.post("/enterprises/new", data=form(world, region_id="99999"))
    assert r.status_code == 422


def test_form_offers_only_towns_in_scope(world, login):
    html = login(world.admin).get("/enterprises/new").get_data(as_text=True)
    assert "龙城镇" in html and "城东村" in html and "砀城镇" not in html


def test_admin_edits_enterprise_with_audited_changes(world, login, db):
    client = login(world.admin)
    ent = world.ent_a
    page = client.get(f"/enterprises/{ent.id}/edit").get_data(as_text=True)
    assert ent.credit_code in page
    data = {k: ("" if getattr(ent, k) is None else str(getattr(ent, k))) for k in operations.ENTERPRISE_FIELDS}
    data.update(region_id=str(world.town_b.id), risk_grade="较大", staff_count="99")
    r = client.post(f"/enterprises/{ent.id}/edit", data=data)
    assert r.status_code == 302
    db.session.expire_all()
    assert ent.risk_grade == "较大" and ent.region_path == world.town_b.path
    [event] = audit.history(ent)
    assert event.action == "enterprise.updated"
    assert event.changes == {"risk_grade": ["一般", "较大"], "staff_count": [None, 99],
                             "region": ["萧县龙城镇城东村", "萧县黄口镇"]}
    # the history is shown on the detail page with Chinese field names
    html = client.get(f"/enterprises/{ent.id}").get_data(as_text=True)
    assert "修改企业信息" in html and "风险等级" in html


def test_edit_keeping_own_credit_code_is_fine_and_no_change_no_event(world, admin_actor=None):
    ent = world.ent_a
    data = {k: getattr(ent, k) for k in operations.ENTERPRISE_FIELDS}
    data["region_id"] = ent.region_id
    operations.update_enterprise(ent, data, actor=world.admin)
    assert audit.history(ent) == []


def test_edit_out_of_scope_enterprise_is_404(world, login):
    client = login(world.admin)
    assert client.get(f"/enterprises/{world.ent_other.id}/edit").status_code == 404
    assert client.post(f"/enterprises/{world.ent_other.id}/edit", data=form(world)).status_code == 404


def test_operation_requires_scope_for_the_actor(world):
    with pytest.raises(ValidationFailed) as exc:
        operations.create_enterprise(form(world, region_id=world.town_b.id), actor=world.town_officer)
    assert exc.value.field_errors == {"region_id": "所选属地不在您的管辖范围内"}


@pytest.mark.parametrize("username", ["officer", "town_officer", "legal", "leader", "section_head", "supervisor",
                                      "manager_a"])
def test_create_and_edit_are_admin_only(world, login, db, username):
    client = login(getattr(world, username))
    assert client.get("/enterprises/new").status_code == 403
    assert client.post("/enterprises/new", data=form(world)).status_code == 403
    assert client.get(f"/enterprises/{world.ent_a.id}/edit").status_code == 403
    assert client.post(f"/enterprises/{world.ent_a.id}/edit", data=form(world)).status_code == 403
    assert db.session.scalar(select(Enterprise).where(Enterprise.credit_code == CODE)) is None
