"""The yearly cap counted across every source (举报 exempt but recorded, cancelled not counted), budgets in
bulk equal to one by one, classify_all (registry class follows for the current year, overrides stay,
who may run it) and override_class (section head in scope, reason required, audited before/after)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.roles import Role
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.caps import budget, budgets, class_of, classify_all, override_class
from app.inspections.models import EnterpriseClass, InspectionSource, InspectionStatus
from app.org.credit_code import make_credit_code
from app.org.models import Enterprise
from tests.factories.auth import PASSWORD_HASH
from tests.factories.db import sql_log

# --- the cap ---------------------------------------------------------------------------------------------


def test_every_source_counts_the_tipoff_is_exempt_and_cancelled_ones_do_not_count(
    world, frozen, classify_rows
):
    ent = world.ent_a  # 非高危 B: cap 2
    b = budget(ent, 2026)
    assert (b.klass, b.cap, b.used, b.exempt, b.remaining, b.over) == ("B", 2, 0, 0, 2, False)
    classify_rows.inspection(ent, source=InspectionSource.PLAN)
    classify_rows.inspection(ent, source=InspectionSource.REPORT)  # exempt, recorded
    classify_rows.inspection(ent, source=InspectionSource.RANDOM, status=InspectionStatus.CANCELLED)
    classify_rows.inspection(ent, source=InspectionSource.COVERT, year=2025)  # another year
    b = budget(ent, 2026)
    assert (b.used, b.exempt, b.remaining, b.over) == (1, 1, 1, False)
    classify_rows.inspection(ent, source=InspectionSource.COVERT, status=InspectionStatus.DONE)
    b = budget(ent, 2026)
    assert (b.used, b.remaining, b.over) == (2, 0, True)
    # approved over the cap: still counted, shown as beyond it
    classify_rows.inspection(ent, source=InspectionSource.ASSIGNED, status=InspectionStatus.PENDING_APPROVAL)
    b = budget(ent, 2026)
    assert (b.used, b.remaining, b.over, b.exceeded) == (3, 0, True, 1)
    for source in (InspectionSource.RECHECK, InspectionSource.CAMPAIGN):
        classify_rows.inspection(ent, source=source)
    assert budget(ent, 2026).used == 5
    assert budget(ent, 2025).used == 1


def test_budgets_in_bulk_equal_one_by_one(world, frozen, classify_rows):
    ents = [world.ent_a, world.ent_a2, world.ent_b, world.ent_other]
    for i, ent in enumerate(ents):
        for _ in range(i):
            classify_rows.inspection(ent, source=InspectionSource.RANDOM)
        classify_rows.inspection(ent, source=InspectionSource.REPORT)
    classify_rows.inspection(world.ent_b, status=InspectionStatus.CANCELLED)
    bulk = budgets([e.id for e in ents] + [999_999], 2026)
    assert set(bulk) == {e.id for e in ents}
    for ent in ents:
        assert bulk[ent.id] == budget(ent, 2026)
    assert bulk[world.ent_a2.id].klass == "C" and bulk[world.ent_a2.id].cap == 8  # 危化, 较大 without 标准化


def test_budgets_read_in_two_statements_once_classes_are_stored(world, frozen, classify_rows):
    ids = [world.ent_a.id, world.ent_b.id, world.ent_a2.id]
    budgets(ids, 2026)  # computes and stores the classes
    with sql_log() as seen:
        budgets(ids, 2026)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 2


def test_class_of_is_stored_on_first_need(world, frozen):
    ec = class_of(world.ent_a, 2027)
    assert ec.id is not None and ec.year == 2027 and ec.rule_version.startswith("全国默认")
    assert class_of(world.ent_a, 2027) is ec
    assert db.session.scalar(select(EnterpriseClass).where(EnterpriseClass.year == 2027)).id == ec.id


# --- classify_all ------------------------------------------------------------------------------------------


def test_classify_all_sets_the_registry_class_for_the_current_year(world, frozen, classify_rows):
    classify_rows.listing(world.ent_b)  # B → C
    result = classify_all(world.county.path, 2026, actor=world.section_head)
    db.session.commit()  # audit events join the chain at commit
    assert result["total"] == 3 and result["created"] == 3  # not the other county's enterprise
    assert world.ent_b.category == "C" and world.ent_a2.category == "C" and world.ent_a.category == "B"
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enterprise.category_changed")
    ).all()
    assert len(changed) == 1 and "2026年度分类分级计算结果" in changed[0].summary
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "inspections.classified")).one()
    assert (
        db.session.scalar(select(EnterpriseClass).where(EnterpriseClass.enterprise_id == world.ent_other.id))
        is None
    )
    # next year's classes are computed, the registry's class is left alone
    world.ent_b.risk_grade = "重大"
    classify_all(world.county.path, 2027, actor=world.section_head)
    assert class_of(world.ent_b, 2027).klass == "D" and world.ent_b.category == "C"


def test_classify_all_keeps_an_override_and_refreshes_the_computed_class(world, frozen):
    ec = class_of(world.ent_a, 2026)
    override_class(ec, "D", "该企业近期多次被群众投诉，加密检查", actor=world.section_head)
    world.ent_a.risk_grade = "低"
    classify_all(world.county.path, 2026, actor=world.section_head)
    assert (ec.computed_class, ec.klass, ec.max_inspections) == ("A", "D", 6)
    assert world.ent_a.category == "D"


@pytest.mark.parametrize("who", ["officer", "leader", "manager_a", "other_section_head"])
def test_classify_all_is_a_section_heads_action_in_scope(world, frozen, who):
    actor = _other_section_head(world) if who == "other_section_head" else getattr(world, who)
    with pytest.raises(PermissionDenied):
        classify_all(world.county.path, 2026, actor=actor)
    assert db.session.scalar(select(EnterpriseClass)) is None


def test_classify_all_reads_a_fixed_number_of_statements(world, frozen, classify_rows):
    _many(world, 60)
    classify_all(world.county.path, 2026, actor=None)
    with sql_log() as seen:
        classify_all(world.county.path, 2026, actor=None)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 8, selects


def test_a_recomputation_without_changes_writes_nothing(world, frozen):
    classify_all(world.county.path, 2026, actor=world.section_head)
    db.session.commit()
    with sql_log() as seen:
        result = classify_all(world.county.path, 2026, actor=world.section_head)
        db.session.flush()
    assert result["changed"] == 0 and result["registry"] == 0
    assert not [s for s in seen if s.lstrip().upper().startswith(("UPDATE", "INSERT INTO ENTERPRISE"))]


# --- override ---------------------------------------------------------------------------------------------


def test_override_by_a_section_head_is_audited_and_the_computed_class_stays(world, frozen, classify_rows):
    ec = class_of(world.ent_a, 2026)
    classify_rows.inspection(world.ent_a)
    override_class(ec, "C", "企业存在多处重大隐患苗头，提高检查频次", actor=world.section_head)
    assert (ec.computed_class, ec.klass, ec.max_inspections, ec.planned_frequency) == ("B", "C", 4, 2)
    assert ec.overridden_by_id == world.section_head.id and ec.overridden_at is not None
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inspections.class_overridden")
    ).one()
    assert event.changes["class"] == ["B", "C"] and event.changes["max_inspections"] == [2, 4]
    assert "提高检查频次" in event.summary and "计算类别B类" in event.summary
    b = budget(world.ent_a, 2026)
    assert (b.klass, b.cap, b.used, b.remaining, b.overridden) == ("C", 4, 1, 3, True)
    assert world.ent_a.category == "C"  # the current year's class is the registry's


def _other_section_head(world) -> User:
    u = User(username="other_head", name="褚科长", department=world.other_bureau, password_hash=PASSWORD_HASH)
    u.set_roles([Role.SECTION_HEAD, Role.OFFICER])
    db.session.add(u)
    db.session.flush()
    return u


@pytest.mark.parametrize("who", ["officer", "leader", "manager_a", "other_section_head", "supervisor"])
def test_override_denied_to_others(world, frozen, who):
    ec = class_of(world.ent_a, 2026)
    actor = _other_section_head(world) if who == "other_section_head" else getattr(world, who)
    with pytest.raises(PermissionDenied):
        override_class(ec, "D", "理由充分的调整", actor=actor)
    db.session.commit()
    assert (ec.klass, ec.override_reason) == ("B", None)
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inspections.class_overridden")
    ).all()


@pytest.mark.parametrize(
    "klass, reason, field, message",
    [
        ("B", "", "reason", "请填写调整类别的理由"),
        ("B", "  ", "reason", "请填写"),
        ("E", "理由充分的调整", "klass", "A、B、C、D"),
        ("C", "太差", "reason", "过于简单"),
    ],
)
def test_override_needs_a_class_and_a_reason(world, frozen, klass, reason, field, message):
    ec = class_of(world.ent_a, 2026)
    with pytest.raises(ValidationFailed) as exc:
        override_class(ec, klass, reason, actor=world.section_head)
    assert message in exc.value.field_errors[field]
    assert ec.override_reason is None


def _many(world, n: int) -> None:
    towns = [world.town_a, world.town_b]
    industries = [("工贸", "机械"), ("危险化学品", "生产"), ("非煤矿山", "露天矿山"), ("工贸", "冶金")]
    grades = ["低", "一般", "较大", "重大"]
    rows = []
    for i in range(n):
        town = towns[i % 2]
        industry, sub = industries[i % 4]
        rows.append(
            dict(
                name=f"测试企业{i:05d}",
                credit_code=make_credit_code(town.code[:6], 1000 + i),
                industry=industry,
                sub_sector=sub,
                risk_grade=grades[i % 4],
                category="B",
                region_id=town.id,
                region_path=town.path,
                standardization_grade=["一级", "二级", None][i % 3] if industry == "危险化学品" else None,
            )
        )
    db.session.execute(Enterprise.__table__.insert(), rows)
    db.session.flush()


def test_year_bounds(world, frozen):
    with pytest.raises(ValidationFailed):
        classify_all(world.county.path, 2029, actor=world.section_head)
    assert db.session.scalar(select(EnterpriseClass)) is None


def test_a_class_computed_twice_at_once_keeps_the_first(world, frozen):
    """Two first needs of one class (two requests): the second insert yields, both read the stored row."""
    from app.inspections.operations.classification import store_missing

    first = class_of(world.ent_a, 2026)
    db.session.commit()
    assert store_missing([world.ent_a], 2026) == 1  # as if it had not seen the stored row
    rows = db.session.scalars(
        select(EnterpriseClass).where(EnterpriseClass.enterprise_id == world.ent_a.id)
    ).all()
    assert [r.id for r in rows] == [first.id] and rows[0].klass == "B"
