"""The rules of publishing and withdrawing (国办发〔2018〕118号, 行政处罚法 Art.48)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app import audit, clock
from app.errors import Conflict, InvalidState, ValidationFailed
from app.publication import (
    Publication,
    PublicationKind,
    PublicationStatus,
    current_for,
    history_for,
    is_late,
    withdraw,
)
from app.publication import operations as ops


@pytest.fixture(autouse=True)
def _today():
    clock.freeze(date(2026, 5, 12))  # a Tuesday


def test_publish_stores_the_fields_in_the_kind_order_with_numbers_masked(db, world, kind, put):
    entry = put(
        values={
            "身份证号": "340421199001011234",
            "行政相对人名称": "张三",
            "联系电话": "13812345678",
            "统一社会信用代码": "913413220000000010",
        },
        decided_on=date(2026, 5, 8),
    )
    db.session.commit()
    db.session.expire_all()
    assert [label for label, _ in entry.fields] == list(kind.fields)
    stored = dict(entry.fields)
    assert stored["身份证号"] == "340421********1234"  # stored masked: no page or export can leak it
    assert stored["联系电话"] == "138****5678"
    assert stored["统一社会信用代码"] == "913413220000000010"
    assert stored["处罚内容"] == ""
    assert entry.title == "行政决定：张三"
    assert entry.status == PublicationStatus.PUBLISHED
    assert entry.published_on == date(2026, 5, 12) and entry.decided_on == date(2026, 5, 8)
    assert entry.expires_on == date(2027, 5, 8)  # the kind's 365-day term from the decision
    assert entry.published_by_id == world.officer.id


def test_a_title_holding_a_number_is_masked_too(db, put):
    entry = put(title="对张三（340421199001011234）的行政决定")
    assert entry.title == "对张三（340421********1234）的行政决定"


def test_publish_is_recorded_on_the_subject(db, world, put):
    entry = put()
    [event] = [e for e in audit.history(world.ent_a) if e.action == ops.PUBLISHED]
    assert event.data["publication_id"] == entry.id and event.data["late"] is False
    assert event.actor_id == world.officer.id


def test_publishing_again_while_published_is_refused(db, world, put, other_kind):
    first = put()
    with pytest.raises(InvalidState, match="不能重复公示.*请先撤回原公示"):
        put()
    assert current_for(world.ent_a, "test_decision") is first
    # another kind about the same subject, or the same kind about another subject, is a different entry
    put(kind=other_kind, values={"检查对象": world.ent_a.name, "检查结果": "未发现问题"})
    put(world.ent_b)
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 3


def test_a_changed_decision_is_withdrawn_and_published_anew(db, world, put):
    first = put()
    withdraw(first, "行政复议决定变更处罚内容", actor=world.leader, due_on=date(2026, 5, 15))
    second = put(values={"行政相对人名称": world.ent_a.name, "处罚内容": "警告"})
    db.session.commit()
    assert current_for(world.ent_a, "test_decision") is second
    assert [p.id for p in history_for(world.ent_a)] == [first.id, second.id]  # the withdrawn row is kept
    assert first.status == PublicationStatus.WITHDRAWN
    assert first.withdraw_reason == "行政复议决定变更处罚内容"
    assert first.withdrawn_by_id == world.leader.id and first.withdrawn_on == date(2026, 5, 12)
    assert first.withdraw_due_on == date(2026, 5, 15)
    actions = [e.action for e in audit.history(world.ent_a)]
    assert actions == [ops.PUBLISHED, ops.WITHDRAWN, ops.PUBLISHED]


def test_withdraw_needs_a_reason_and_happens_once(db, world, put):
    entry = put()
    with pytest.raises(ValidationFailed) as err:
        withdraw(entry, "  ", actor=world.leader, due_on=None)
    assert err.value.field_errors == {"reason": "请填写撤回原因"}
    assert entry.status == PublicationStatus.PUBLISHED
    withdraw(entry, "决定被撤销", actor=world.leader, due_on=None)
    with pytest.raises(InvalidState, match="已于2026年05月12日撤回"):
        withdraw(entry, "再次撤回", actor=world.leader, due_on=None)


def test_a_publication_row_is_never_deleted(db, put):
    entry = put()
    db.session.commit()
    db.session.delete(entry)
    with pytest.raises(InvalidState, match="不可删除"):
        db.session.flush()


def test_late_publication_and_late_withdrawal(db, world, put):
    on_time = put(decided_on=date(2026, 5, 8), due_on=date(2026, 5, 12))
    late = put(world.ent_b, decided_on=date(2026, 4, 20), due_on=date(2026, 4, 29))
    assert not is_late(on_time)
    assert is_late(late)
    [event] = [e for e in audit.history(world.ent_b) if e.action == ops.PUBLISHED]
    assert event.data["late"] is True and "超过法定公示期限" in event.summary
    withdraw(on_time, "决定被撤销", actor=world.leader, due_on=date(2026, 5, 11))  # 3 working days ran out
    assert is_late(on_time)


def test_the_database_refuses_a_second_published_entry_in_a_race(db, world, put, monkeypatch):
    put()
    db.session.commit()
    monkeypatch.setattr(ops, "current_for", lambda *_a, **_k: None)  # both requests saw nothing published
    with pytest.raises(Conflict, match="刚刚已由他人公示"):
        put()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 1


def test_bad_input_is_refused(db, world, kind, put):
    with pytest.raises(ValueError, match="没有这些公示项：罚没金额"):
        put(values={"罚没金额": "1"})
    with pytest.raises(ValueError, match="未登记的公示种类"):
        put(kind="no_such_kind")
    with pytest.raises(ValidationFailed, match="公示截止期已过"):
        put(expires_on=date(2026, 5, 11))
    with pytest.raises(ValidationFailed, match="决定日期不能晚于今天"):
        put(decided_on=date(2026, 5, 13))
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_a_kind_checks_its_own_definition():
    with pytest.raises(ValueError, match="脱敏项不在公示项中"):
        PublicationKind(code="x", name="x", fields=("名称",), mask={"电话"})
    with pytest.raises(ValueError, match="不能为空或重复"):
        PublicationKind(code="x", name="x", fields=("名称", "名称"))
    term = PublicationKind(
        code="x", name="x", fields=("名称",), term=lambda decided, _v: date(decided.year + 3, 1, 1)
    )
    assert term.expiry(date(2026, 5, 8), {}) == date(2029, 1, 1)
    assert PublicationKind(code="x", name="x", fields=("名称",)).expiry(date(2026, 5, 8), {}) is None
