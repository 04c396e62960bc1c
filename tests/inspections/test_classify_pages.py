"""The 分类分级 pages: the year's list (filters, both classes shown, budgets, id-cursor pages), 重新计算 and the
override form (section head only; Chinese errors next to the field), the budget macro, and the inspector
library (certificate status; dates recorded by an admin or a section head, audited)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections import classes_routes
from app.inspections.caps import budget, class_of, classify_all
from app.inspections.inspectors import CertStatus, cert_status, set_certificate
from app.inspections.models import EnterpriseClass, InspectionSource

# --- the class list ----------------------------------------------------------------------------------------


def test_the_list_shows_the_years_class_the_registry_class_and_the_budget(
    world, frozen, login, classify_rows
):
    classify_all(world.county.path, 2026, actor=None)
    classify_rows.inspection(world.ent_a2, source=InspectionSource.RANDOM)
    classify_rows.inspection(world.ent_a2, source=InspectionSource.REPORT)
    world.ent_b.category = "D"  # raised afterwards (e.g. by a credit listing)
    db.session.commit()
    html = login(world.officer).get("/inspections/classes").get_data(as_text=True)
    assert "2026年度分类分级" in html
    assert html.count('data-testid="class-row"') == 3 and world.ent_other.name not in html
    assert "C类 1/8 +举报1 余7" in html  # ent_a2: 危化, 较大 → C, cap 8
    assert "台账类别与年度类别不一致" in html  # ent_b: registry D, year B
    assert 'data-testid="recompute"' not in html  # an officer does not recompute
    only = login(world.officer).get("/inspections/classes?differs=1").get_data(as_text=True)
    assert only.count('data-testid="class-row"') == 1 and world.ent_b.name in only


def test_the_class_pages_cite_the_table_without_the_rule_files_markers(world, frozen, login):
    """Trial: the 参数 line showed the rule file's maintainers' markers ([S19], [M:low，规格 §5.2 S16]), the
    English key "frequency" and the pack's name twice."""
    classify_all(world.county.path, 2026, actor=None)
    db.session.commit()
    ec = class_of(world.ent_a2, 2026)
    client = login(world.section_head)
    for url in ("/inspections/classes", f"/inspections/classes/{ec.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "国办发〔2024〕54号" in html, url
        assert "[S" not in html and "[M:" not in html and "frequency" not in html, url
    detail = client.get(f"/inspections/classes/{ec.id}").get_data(as_text=True)
    assert detail.count(f"{ec.rule_version}：{ec.rule_version}") == 0


def test_filters_by_town_industry_and_class(world, frozen, login):
    classify_all(world.county.path, 2026, actor=None)
    db.session.commit()
    client = login(world.section_head)
    by_town = client.get(f"/inspections/classes?town={world.town_b.path}").get_data(as_text=True)
    assert by_town.count('data-testid="class-row"') == 1 and world.ent_b.name in by_town
    by_industry = client.get("/inspections/classes?industry=危险化学品").get_data(as_text=True)
    assert by_industry.count('data-testid="class-row"') == 1 and world.ent_a2.name in by_industry
    by_class = client.get("/inspections/classes?class=C").get_data(as_text=True)
    assert by_class.count('data-testid="class-row"') == 1 and world.ent_a2.name in by_class
    bad = client.get("/inspections/classes?class=E")
    assert bad.status_code == 422 and "A, B, C, D" in bad.get_data(as_text=True)


def test_pages_by_id_cursor(world, frozen, login, monkeypatch):
    classify_all(world.county.path, 2026, actor=None)
    db.session.commit()
    monkeypatch.setattr(classes_routes, "PER_PAGE", 2)
    client = login(world.section_head)
    first = client.get("/inspections/classes").get_data(as_text=True)
    assert first.count('data-testid="class-row"') == 2
    ids = [ec.id for ec in db.session.scalars(select(EnterpriseClass).order_by(EnterpriseClass.id))]
    assert f"after={ids[1]}" in first
    second = client.get(f"/inspections/classes?after={ids[1]}").get_data(as_text=True)
    assert second.count('data-testid="class-row"') == 1 and f"before={ids[2]}" in second
    back = client.get(f"/inspections/classes?before={ids[2]}").get_data(as_text=True)
    assert back.count('data-testid="class-row"') == 2


def test_enterprise_users_are_refused(world, frozen, login):
    assert login(world.manager_a).get("/inspections/classes").status_code == 403
    assert login(world.manager_a).get("/inspections/inspectors").status_code == 403


# --- 重新计算 ------------------------------------------------------------------------------------------------


def test_a_section_head_recomputes_the_year(world, frozen, login):
    client = login(world.section_head)
    page = client.get("/inspections/classes").get_data(as_text=True)
    assert "2026年度尚未计算分类分级" in page and 'data-testid="recompute"' in page
    r = client.post("/inspections/classes/recompute", data={"year": "2026"})
    assert r.status_code == 302
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已重新计算2026年度分类分级：3家企业" in html
    assert html.count('data-testid="class-row"') == 3


@pytest.mark.parametrize("who", ["officer", "leader", "manager_a"])
def test_others_cannot_recompute(world, frozen, login, who):
    r = login(getattr(world, who)).post("/inspections/classes/recompute", data={"year": "2026"})
    assert r.status_code == 403
    assert db.session.scalar(select(EnterpriseClass)) is None


def test_recompute_refuses_a_year_out_of_range(world, frozen, login):
    r = login(world.section_head).post("/inspections/classes/recompute", data={"year": "1999"})
    assert r.status_code == 422


# --- the override form ------------------------------------------------------------------------------------


def test_override_form_puts_the_chinese_error_next_to_the_reason(world, frozen, login):
    ec = class_of(world.ent_a, 2026)
    db.session.commit()
    client = login(world.section_head)
    url = f"/inspections/classes/{ec.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="form-inspection_class_override"' in page and "基础类别" in page
    r = client.post(url, data={"klass": "D", "reason": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-testid="error-reason">必填项不能为空' in html
    db.session.expire_all()
    assert db.session.get(EnterpriseClass, ec.id).override_reason is None
    r = client.post(url, data={"klass": "D", "reason": "企业主要负责人更换且隐患整改拖延，提高频次"})
    assert r.status_code == 302
    db.session.expire_all()
    ec = db.session.get(EnterpriseClass, ec.id)
    assert (ec.klass, ec.computed_class, ec.max_inspections) == ("D", "B", 6)
    html = client.get(url + "?done=overridden").get_data(as_text=True)
    assert "已调整类别" in html and "企业主要负责人更换" in html and "6 次" in html


@pytest.mark.parametrize("who", ["officer", "leader"])
def test_override_form_is_not_offered_and_refused_to_others(world, frozen, login, who):
    ec = class_of(world.ent_a, 2026)
    db.session.commit()
    client = login(getattr(world, who))
    page = client.get(f"/inspections/classes/{ec.id}").get_data(as_text=True)
    assert "调整分类分级类别" not in page and 'data-testid="budget-box"' in page
    r = client.post(f"/inspections/classes/{ec.id}", data={"klass": "D", "reason": "理由充分的调整"})
    assert r.status_code == 403


def test_another_countys_class_is_not_found(world, frozen, login):
    ec = class_of(world.ent_other, 2026)
    db.session.commit()
    assert login(world.section_head).get(f"/inspections/classes/{ec.id}").status_code == 404


# --- the budget macro ----------------------------------------------------------------------------------------


def test_budget_box_macro(world, frozen, classify_rows, app):
    for _ in range(2):
        classify_rows.inspection(world.ent_a)
    classify_rows.inspection(world.ent_a, source=InspectionSource.REPORT)
    b = budget(world.ent_a, 2026)
    with app.test_request_context():
        html = render_template_string(
            '{% from "inspections/_budget.html" import budget_box %}{{ budget_box(b) }}', b=b
        )
    assert 'data-testid="budget-over"' in html and "已达年度检查上限" in html
    assert 'data-testid="budget-exempt">1 次' in html and 'data-testid="budget-remaining">0 次' in html


# --- the inspector library ------------------------------------------------------------------------------------


def test_certificate_status():
    from app.auth.models import User

    today = date(2026, 11, 2)
    u = User(cert_no="34130009", cert_expires_on=today + timedelta(days=31))
    assert cert_status(u, today) == CertStatus.VALID
    u.cert_expires_on = today + timedelta(days=30)
    assert cert_status(u, today) == CertStatus.EXPIRING
    u.cert_expires_on = today - timedelta(days=1)
    assert cert_status(u, today) == CertStatus.EXPIRED
    u.cert_expires_on = None
    assert cert_status(u, today) == CertStatus.MISSING
    assert cert_status(User(cert_no=None, cert_expires_on=today), today) == CertStatus.MISSING


def test_library_lists_the_jurisdictions_officers_with_status(world, frozen, login):
    world.officer2.cert_expires_on = clock.today() + timedelta(days=10)
    world.town_officer.cert_expires_on = clock.today() - timedelta(days=1)
    db.session.commit()
    html = login(world.officer).get("/inspections/inspectors").get_data(as_text=True)
    for u in (world.officer, world.officer2, world.town_officer, world.section_head):
        assert u.name in html
    assert world.other_officer.name not in html and world.leader.name not in html
    assert "30天内到期" in html and "已过期" in html
    assert 'data-testid="edit-cert"' not in html  # an officer does not edit
    expired = login(world.officer).get("/inspections/inspectors?status=已过期").get_data(as_text=True)
    assert expired.count('data-testid="inspector-row"') == 1 and world.town_officer.name in expired


def test_a_section_head_records_certificate_dates_audited(world, frozen, login):
    client = login(world.section_head)
    assert 'data-testid="edit-cert"' in client.get("/inspections/inspectors").get_data(as_text=True)
    url = f"/inspections/inspectors/{world.officer.id}/cert"
    r = client.post(url, data={"cert_issued_on": "2026-05-01", "cert_expires_on": "2026-04-30"})
    assert r.status_code == 422 and "有效期至应晚于发证日期" in r.get_data(as_text=True)
    r = client.post(url, data={"cert_issued_on": "2026-05-01", "cert_expires_on": "2031-04-30"})
    assert r.status_code == 302
    db.session.expire_all()
    assert world.officer.cert_issued_on == date(2026, 5, 1) and world.officer.cert_expires_on == date(
        2031, 4, 30
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inspections.certificate_recorded")
    ).one()
    assert event.changes["cert_expires_on"] == ["2031-12-31", "2031-04-30"]


def test_certificate_dates_denied_to_officers_and_other_counties(world, frozen, login):
    assert login(world.officer).get(f"/inspections/inspectors/{world.officer2.id}/cert").status_code == 403
    assert (
        login(world.section_head).get(f"/inspections/inspectors/{world.other_officer.id}/cert").status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        set_certificate(world.other_officer, {"cert_expires_on": date(2030, 1, 1)}, actor=world.section_head)
    with pytest.raises(ValidationFailed) as exc:
        set_certificate(world.officer, {"cert_issued_on": None, "cert_expires_on": None}, actor=world.admin)
    assert exc.value.field_errors["cert_expires_on"] == "请填写执法证有效期至"


def test_the_class_list_reads_the_year_by_index_in_id_order(app, world, frozen):
    from tests.factories.db import is_postgres, query_plans

    if is_postgres(app):
        pytest.skip("SQLite plan text")
    classify_all(world.county.path, 2026, actor=None)
    db.session.commit()
    with query_plans() as plans:
        classes_routes.class_page(world.officer, classes_routes.ClassFilters(year=2026))
        classes_routes.class_page(
            world.officer, classes_routes.ClassFilters(year=2026, town=world.town_a.path, klass="B")
        )
    pages = [p for s, p in plans if "enterprise_classes" in s and "count(" not in s]
    assert pages
    for plan in pages:
        assert "USING INDEX ix_enterprise_classes_year" in plan and "TEMP B-TREE" not in plan
        assert "SCAN enterprise_classes" not in plan
