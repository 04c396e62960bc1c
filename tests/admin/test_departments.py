"""Departments (单位/部门): name, short name, kind, parent, jurisdiction; validated and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import audit
from app.errors import ValidationFailed
from app.org.models import Department
from app.org.operations import create_department, update_department


def dept_form(world, **over):
    data = {"name": "黄口镇安监站", "short_name": "", "kind": "站", "parent_id": str(world.bureau.id),
            "region_id": str(world.town_b.id), "phone": "0557-5071230", "is_active": "1"}
    data.update(over)
    return data


def test_admin_creates_town_station(world, login, db):
    r = login(world.admin).post("/admin/departments/new", data=dept_form(world))
    assert r.status_code == 302
    d = db.session.scalar(select(Department).where(Department.name == "黄口镇安监站"))
    assert d.region_id == world.town_b.id and d.parent_id == world.bureau.id and d.kind == "站"
    [event] = audit.history(d)
    assert event.action == "department.created" and event.changes["region"] == [None, "萧县黄口镇"]


def test_department_list_shows_scope_only(world, login):
    html = login(world.admin).get("/admin/departments").get_data(as_text=True)
    assert "龙城镇安监站" in html and "执法大队" in html and "砀山县应急管理局" not in html


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"name": ""}, "name", "请填写单位名称"),
        ({"kind": "处"}, "kind", "请选择类型"),
        ({"kind": "局", "parent_id": "", "short_name": ""}, "short_name", "局须填写发文机关简称"),
        ({"parent_id": ""}, "parent_id", "内设机构和派出机构须选择上级单位"),
        ({"region_id": ""}, "region_id", "请选择管辖区域"),
        ({"region_id": "other"}, "region_id", "所选管辖区域不在您的管辖范围内"),
        ({"region_id": "village"}, "region_id", "管辖区域应为区县或乡镇/街道"),
        ({"parent_id": "town_station"}, "region_id", "管辖区域应在上级单位“龙城镇安监站”的管辖区域内"),
    ],
)
def test_department_validation(world, login, over, field, message):
    lookup = {"other": str(world.other_county.id), "village": str(world.village_a.id),
              "town_station": str(world.town_station.id)}
    over = {k: lookup.get(v, v) for k, v in over.items()}
    r = login(world.admin).post("/admin/departments/new", data=dept_form(world, **over))
    assert r.status_code == 422
    feedback = r.get_data(as_text=True).split(f'data-testid="error-{field}">', 1)[1].split("</div>", 1)[0]
    assert message in feedback


def test_parent_cycle_is_refused(world):
    with pytest.raises(ValidationFailed) as exc:
        update_department(world.bureau, dept_form(world, name="萧县应急管理局", kind="局", short_name="萧",
                                                  parent_id=world.brigade.id, region_id=world.county.id),
                          actor=world.admin)
    assert exc.value.field_errors["parent_id"] == "上级单位不能是本单位或其下级单位"


def test_edit_department_audits_changes(world, login, db):
    client = login(world.admin)
    d = world.legal_section
    r = client.post(f"/admin/departments/{d.id}/edit", data=dept_form(
        world, name="法制审核科", kind="科室", region_id=str(world.county.id), phone=""))
    assert r.status_code == 302
    db.session.expire_all()
    assert d.name == "法制审核科"
    [event] = audit.history(d)
    assert event.changes["name"] == ["法规科", "法制审核科"]


def test_out_of_scope_department_is_404(world, login):
    assert login(world.admin).get(f"/admin/departments/{world.other_bureau.id}/edit").status_code == 404


def test_operation_checks_actor_scope(world):
    with pytest.raises(ValidationFailed):
        create_department(dept_form(world), actor=world.town_officer)
