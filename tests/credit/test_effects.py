"""What a listing does while in force (app.credit.effects): publication, push, 联合惩戒 measures by kind, the
enterprise banner, departments' feedback — and undoing it all when the listing ends or is restored."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock, publication
from app.audit.models import AuditEvent
from app.credit import effects, measures, push
from app.credit.models import CreditPush, FeedbackStatus, ListingEnd, ListingStatus
from app.credit.operations import term
from app.credit.queries import active_listing, is_listed, listed_ids
from app.credit.rules import credit_pack
from app.documents import documents_for
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from app.org.operations import change_category
from app.workflow.models import HumanTask
from tests.factories.credit_effects import PERSON_ID

pytestmark = pytest.mark.usefixtures("frozen")


def _pack(listing):
    return credit_pack(listing.region_path, clock.today())


def _external_departments(codes):
    lib = measures.library()
    return list(dict.fromkeys(lib.get(c).department for c in codes if not lib.get(c).internal))


def _notices(user, kind):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def _in_force(world, listed, **kw):
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


# --- the library -------------------------------------------------------------------------------------------


def test_library_has_each_kind_with_its_department_and_the_statutory_measures():
    lib = measures.library()
    kinds = {m.kind for m in lib.measures}
    assert kinds == {"class_up", "banner", "interview", "external"}
    assert all(m.department == "本局" for m in lib.measures if m.internal)
    departments = {m.department for m in lib.measures if not m.internal}
    for d in (
        "发展改革",
        "自然资源",
        "生态环境",
        "人民银行",
        "金融监管",
        "住房城乡建设",
        "财政（政府采购）",
        "市场监管",
    ):
        assert d in departments
    assert all(
        "第七十八条" in lib.get(c).basis for c in ("project_approval", "insurance_premium", "land_supply")
    )
    assert set(lib.defaults()) >= {"inspection_class_up", "key_supervision", "interview"}
    assert measures.next_class("B") == "C" and measures.next_class("D") is None
    with pytest.raises(LookupError):
        lib.get("no_such_measure")


# --- take_effect -------------------------------------------------------------------------------------------


def test_take_effect_applies_each_measure_by_its_kind(world, listed):
    listing = _in_force(world, listed)
    pack, today = _pack(listing), clock.today()
    codes = measures.library().defaults()
    rows = {m.code: m for m in listing.measures}
    assert sorted(rows) == sorted(codes)

    # 本局: class one step up (B → C), the previous class kept; the banner; the 约谈 scheduled
    up = rows["inspection_class_up"]
    assert up.internal and up.status == FeedbackStatus.INTERNAL
    assert up.detail == {"previous": "B", "raised_to": "C"} and world.ent_a.category == "C"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "enterprise.category_changed")
    ).one()
    assert event.object_id == world.ent_a.id and event.changes == {"category": ["B", "C"]}
    assert rows["key_supervision"].status == FeedbackStatus.INTERNAL
    interview = rows["interview"]
    assert interview.interview_on == pack.end_of("interview_period", today)
    assert interview.detail["with"] == "张三"
    for officer in (world.officer, world.officer2, world.section_head):
        assert len(_notices(officer, "credit_interview")) == 1
    assert _notices(world.other_officer, "credit_interview") == []

    # other departments: one numbered 联合惩戒通知 each, the feedback window running
    departments = _external_departments(codes)
    joints = documents_for(listing, doc_type="credit_joint")
    assert len(joints) == len(departments) >= 2
    assert len({d.number.text for d in joints}) == len(joints)
    assert all("惩通" in d.number.text for d in joints)
    by_department = {d.content["department"]: d for d in joints}
    assert sorted(by_department) == sorted(departments)
    for m in listing.measures:
        if m.internal:
            assert m.document_id is None and m.feedback_due is None
            continue
        assert m.status == FeedbackStatus.WAITING
        assert m.notified_on == today and m.feedback_due == pack.end_of("feedback_period", today)
        doc = by_department[m.department]
        assert m.document_id == doc.id
        assert m.code in [x["code"] for x in doc.content["measures"]]
        assert doc.locked


def test_take_effect_publishes_with_the_id_masked_until_the_term_ends(world, listed):
    listing = _in_force(world, listed)
    entry = publication.current_for(listing, "credit_listing")
    assert entry is not None
    assert entry.expires_on == listing.term_end and entry.due_on == listing.publish_due
    fields = dict(entry.fields)
    assert fields["失信主体名称"] == world.ent_a.name
    assert fields["统一社会信用代码"] == world.ent_a.credit_code  # shown in full
    assert fields["身份证号"] == "340421********1234"
    assert PERSON_ID not in json.dumps(entry.fields, ensure_ascii=False) and PERSON_ID not in entry.title
    assert fields["一并列入人员"] == "张三（总经理）"
    assert "列入" in entry.title and world.ent_a.name in entry.title
    assert fields["管理期限"] == f"{listing.term_start.isoformat()}至{listing.term_end.isoformat()}"


def test_take_effect_pushes_a_file_with_the_national_fields(world, listed):
    listing = _in_force(world, listed)
    (row,) = listing.pushes
    assert row.action == "列入" and row.pushed_by_id == world.officer.id and row.count == 1
    path = push.path_of(row)
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == row.sha256 and push.verify(row)
    body = json.loads(data)
    assert (
        body["format"] == push.FORMAT
        and body["action"] == "列入"
        and body["fields"] == list(push.NATIONAL_FIELDS)
    )
    (record,) = body["records"]
    assert list(record) == list(push.NATIONAL_FIELDS) and record == row.record
    assert record["统一社会信用代码"] == world.ent_a.credit_code
    assert record["一并列入人员证件号码"] == PERSON_ID  # to the national platform, not the public
    assert record["管理期限截止日期"] == listing.term_end.isoformat() and record["移出日期"] == ""
    path.write_bytes(data + b" ")
    assert not push.verify(row)  # a file changed after the push no longer matches its record


def test_take_effect_starts_the_term_timer(world, listed):
    listing = _in_force(world, listed)
    inst = term.running_instance(listing)
    assert inst is not None


def test_take_effect_is_refused_before_the_listing_is_in_force_and_twice(world, listed):
    listing = listed()
    listing.status = ListingStatus.SERVING
    with pytest.raises(InvalidState):
        effects.take_effect(listing, actor=world.officer)
    assert listing.measures == [] and publication.current_for(listing, "credit_listing") is None
    listing.status = ListingStatus.LISTED
    effects.take_effect(listing, actor=world.officer)
    with pytest.raises(InvalidState):
        effects.take_effect(listing, actor=world.officer)
    assert db.session.scalar(select(func.count(CreditPush.id))) == 1


def test_an_unknown_measure_code_is_refused(world, listed):
    listing = listed(codes=["interview", "no_such_measure"])
    with pytest.raises(ValidationFailed):
        effects.take_effect(listing, actor=world.officer)


def test_only_internal_measures_issue_no_notice(world, listed):
    listing = _in_force(world, listed, codes=["key_supervision"])
    assert documents_for(listing, doc_type="credit_joint") == []
    assert [m.status for m in listing.measures] == [FeedbackStatus.INTERNAL]
    assert world.ent_a.category == "B"  # no class_up chosen


# --- the class: raised once, restored once -----------------------------------------------------------------


def test_class_at_the_top_is_not_raised_and_nothing_is_restored(world, listed):
    world.ent_a.category = "D"
    listing = _in_force(world, listed, codes=["inspection_class_up"])
    (m,) = listing.measures
    assert m.detail["raised_to"] is None and "最高" in m.detail["note"] and world.ent_a.category == "D"
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert world.ent_a.category == "D"


def test_two_listings_raise_the_class_once_and_restore_it_when_the_last_ends(world, listed):
    first = _in_force(world, listed, codes=["inspection_class_up"])
    second = _in_force(world, listed, codes=["inspection_class_up"])
    assert world.ent_a.category == "C"  # B → C once, not D
    assert second.measures[0].detail["held_by"] == first.measures[0].id
    effects.end_effects(first, ListingEnd.OVERTURNED, "处罚决定被撤销", actor=world.leader, on=clock.today())
    assert world.ent_a.category == "C"  # the second listing keeps it up
    assert first.measures[0].detail["restored"] is False
    effects.end_effects(second, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert world.ent_a.category == "B"


def test_a_class_changed_meanwhile_is_not_overwritten(world, listed):
    listing = _in_force(world, listed, codes=["inspection_class_up"])
    change_category(world.ent_a, "A", reason="年度分类分级调整", actor=world.officer)
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert world.ent_a.category == "A"
    assert listing.measures[0].detail["restored"] is False


def test_change_category_is_for_staff_in_scope_with_a_reason(world):
    with pytest.raises(ValidationFailed):
        change_category(world.ent_a, "C", reason="x", actor=world.manager_a)  # the enterprise itself
    with pytest.raises(ValidationFailed):
        change_category(world.ent_a, "C", reason="x", actor=world.other_officer)  # another county
    with pytest.raises(ValidationFailed):
        change_category(world.ent_a, "E", reason="x", actor=world.officer)
    with pytest.raises(ValidationFailed):
        change_category(world.ent_a, "C", reason=" ", actor=world.officer)
    assert world.ent_a.category == "B"
    assert change_category(world.ent_a, "C", reason="复核", actor=None) == "B"  # the system (a timer)
    assert world.ent_a.category == "C"


# --- end_effects -------------------------------------------------------------------------------------------


def test_overturn_withdraws_within_the_period_lifts_tells_each_department_and_pushes(world, listed):
    listing = _in_force(world, listed)
    codes = measures.library().defaults()
    departments = _external_departments(codes)
    clock.freeze(clock.today() + timedelta(days=40))
    on = clock.today()
    effects.end_effects(listing, ListingEnd.OVERTURNED, "行政复议撤销处罚决定", actor=world.leader, on=on)
    db.session.commit()

    assert listing.status == ListingStatus.REVOKED and listing.end_kind == ListingEnd.OVERTURNED
    assert listing.ended_on == on and listing.end_reason == "行政复议撤销处罚决定"
    assert publication.current_for(listing, "credit_listing") is None
    (entry,) = publication.history_for(listing, "credit_listing")
    assert entry.is_withdrawn and entry.withdraw_due_on == _pack(listing).end_of("withdraw_period", on)
    assert all(m.lifted_on == on and m.status == FeedbackStatus.LIFTED for m in listing.measures)
    assert world.ent_a.category == "B"
    removals = documents_for(listing, doc_type="credit_removal")
    assert sorted(d.content["department"] for d in removals) == sorted(departments)
    joints = {d.content["department"]: d for d in documents_for(listing, doc_type="credit_joint")}
    for d in removals:
        assert d.content["joint_no"] == joints[d.content["department"]].number.text
        assert d.content["end_kind"] == "撤销列入"
    for m in listing.measures:
        if not m.internal:
            assert m.lift_document_id in {d.id for d in removals}
    assert [p.action for p in listing.pushes] == ["列入", "撤销"]
    assert listing.pushes[-1].record["移出方式"] == "撤销列入"
    assert term.running_instance(listing) is None
    assert not is_listed(world.ent_a.id)


def test_expiry_withdraws_without_a_withdrawal_deadline(world, listed):
    listing = _in_force(world, listed)
    clock.freeze(listing.term_end + timedelta(days=1))
    effects.end_effects(listing, ListingEnd.EXPIRED, "管理期限届满", actor=None, on=listing.term_end)
    assert listing.status == ListingStatus.REMOVED and listing.ended_on == listing.term_end
    (entry,) = publication.history_for(listing, "credit_listing")
    assert entry.is_withdrawn and entry.withdraw_due_on is None
    assert [p.action for p in listing.pushes] == ["列入", "移出"]


def test_end_effects_is_refused_on_a_listing_not_in_force(world, listed):
    listing = _in_force(world, listed)
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    with pytest.raises(InvalidState):
        effects.end_effects(listing, ListingEnd.OVERTURNED, "再撤销", actor=world.leader, on=clock.today())
    other = _in_force(world, listed, enterprise=world.ent_b)
    with pytest.raises(ValidationFailed):
        effects.end_effects(other, ListingEnd.REPAIRED, "  ", actor=world.leader, on=clock.today())
    assert other.status == ListingStatus.LISTED


# --- restore_effects ---------------------------------------------------------------------------------------


def test_restore_puts_the_listing_back_with_its_original_term(world, listed):
    listing = _in_force(world, listed)
    term_end = listing.term_end
    clock.freeze(clock.today() + timedelta(days=400))
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert world.ent_a.category == "B" and not is_listed(world.ent_a.id)
    clock.freeze(clock.today() + timedelta(days=30))
    effects.restore_effects(listing, actor=world.leader)
    db.session.commit()

    assert listing.status == ListingStatus.LISTED and listing.term_end == term_end
    assert listing.ended_on is None and listing.end_kind is None
    entry = publication.current_for(listing, "credit_listing")
    assert entry is not None and entry.expires_on == term_end
    assert len(publication.history_for(listing, "credit_listing")) == 2
    live = [m for m in listing.measures if m.lifted_on is None]
    assert sorted(m.code for m in live) == sorted(measures.library().defaults())
    assert all(m.notified_on == clock.today() for m in live if not m.internal)
    assert world.ent_a.category == "C"
    assert [p.action for p in listing.pushes] == ["列入", "移出", "恢复列入"]
    assert term.running_instance(listing) is not None
    assert is_listed(world.ent_a.id)


def test_restore_after_the_term_is_over_ends_it_as_expired(world, listed):
    listing = _in_force(world, listed)
    term_end = listing.term_end
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    clock.freeze(term_end + timedelta(days=3))
    effects.restore_effects(listing, actor=world.leader)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.EXPIRED
    assert listing.ended_on == term_end
    assert publication.current_for(listing, "credit_listing") is None
    assert [p.action for p in listing.pushes] == ["列入", "移出", "恢复列入", "移出"]
    assert term.running_instance(listing) is None


def test_restore_is_refused_unless_the_listing_was_repaired(world, listed):
    listing = _in_force(world, listed)
    effects.end_effects(listing, ListingEnd.OVERTURNED, "撤销", actor=world.leader, on=clock.today())
    with pytest.raises(InvalidState):
        effects.restore_effects(listing, actor=world.leader)
    assert listing.status == ListingStatus.REVOKED


# --- feedback ----------------------------------------------------------------------------------------------


def _external(listing):
    return next(m for m in listing.measures if not m.internal)


def test_feedback_overdue_is_marked_by_the_sweep_and_told_once(world, listed):
    listing = _in_force(world, listed)
    waiting = [m for m in listing.measures if not m.internal]
    answered = waiting[0]
    effects.record_feedback(
        answered, {"feedback": "已暂停其项目审批", "feedback_on": clock.today()}, actor=world.officer
    )
    due = waiting[1].feedback_due
    assert effects.feedback_sweep(due) == 0  # on the last day it is not late
    assert effects.feedback_sweep(due + timedelta(days=1)) == len(waiting) - 1
    assert answered.status == FeedbackStatus.RECEIVED
    assert all(m.status == FeedbackStatus.OVERDUE for m in waiting[1:])
    n = len(_notices(world.officer, "credit_feedback_overdue"))
    assert n == len(waiting) - 1
    assert effects.feedback_sweep(due + timedelta(days=2)) == 0
    assert len(_notices(world.officer, "credit_feedback_overdue")) == n
    assert _notices(world.other_officer, "credit_feedback_overdue") == []
    # a late answer is still recorded, and no longer overdue
    late = waiting[1]
    clock.freeze(due + timedelta(days=3))
    effects.record_feedback(
        late, {"feedback": "已限制其贷款", "feedback_on": clock.today()}, actor=world.officer
    )
    assert late.status == FeedbackStatus.RECEIVED and late.feedback_by_id == world.officer.id


def test_the_sweep_leaves_ended_listings_alone(world, listed):
    listing = _in_force(world, listed)
    due = _external(listing).feedback_due
    effects.end_effects(listing, ListingEnd.OVERTURNED, "撤销", actor=world.leader, on=clock.today())
    assert effects.feedback_sweep(due + timedelta(days=5)) == 0


def test_the_sweep_is_registered_with_the_timer_worker():
    from app import periodic

    assert "credit.feedback" in periodic._SWEEPS


def test_record_feedback_scope_and_dates(world, listed):
    listing = _in_force(world, listed)
    m = _external(listing)
    ok = {"feedback": "已执行", "feedback_on": clock.today().isoformat()}
    with pytest.raises(PermissionDenied):
        effects.record_feedback(m, ok, actor=world.other_officer)  # another county
    with pytest.raises(PermissionDenied):
        effects.record_feedback(m, ok, actor=world.manager_a)  # the listed enterprise itself
    with pytest.raises(PermissionDenied):
        effects.record_feedback(m, ok, actor=world.supervisor)  # not a handling role
    with pytest.raises(ValidationFailed) as e:
        effects.record_feedback(
            m, {**ok, "feedback_on": (m.notified_on - timedelta(days=1)).isoformat()}, actor=world.officer
        )
    assert "feedback_on" in e.value.field_errors
    with pytest.raises(ValidationFailed):
        effects.record_feedback(
            m, {**ok, "feedback_on": (clock.today() + timedelta(days=1)).isoformat()}, actor=world.officer
        )
    with pytest.raises(ValidationFailed):
        effects.record_feedback(m, {**ok, "feedback_on": "不是日期"}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        effects.record_feedback(m, {**ok, "feedback": "  "}, actor=world.officer)
    internal = next(x for x in listing.measures if x.internal)
    with pytest.raises(InvalidState):
        effects.record_feedback(internal, ok, actor=world.officer)
    assert m.status == FeedbackStatus.WAITING and m.feedback is None
    effects.record_feedback(m, ok, actor=world.officer2)
    assert m.status == FeedbackStatus.RECEIVED and m.feedback == "已执行" and m.feedback_on == clock.today()
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    with pytest.raises(InvalidState):
        effects.record_feedback(m, ok, actor=world.officer)


# --- queries and the banner --------------------------------------------------------------------------------


def test_active_listing_and_listed_ids(world, listed):
    assert active_listing(world.ent_a.id) is None and listed_ids([world.ent_a.id]) == set()
    listing = _in_force(world, listed)
    assert active_listing(world.ent_a.id) is listing
    assert listed_ids([world.ent_a.id, world.ent_b.id, None]) == {world.ent_a.id}
    pending = listed(enterprise=world.ent_b)
    pending.status = ListingStatus.DECIDING
    assert listed_ids([world.ent_b.id]) == set()
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    assert active_listing(world.ent_a.id) is None


def _lookup(client, q):
    return {i["id"]: i for i in client.get("/enterprises/lookup", query_string={"q": q}).get_json()["items"]}


def test_the_banner_follows_a_listed_enterprise_only_and_leaves_with_the_listing(world, listed, login):
    listing = _in_force(world, listed)
    c = login(world.officer)
    page = c.get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-flag-banner"' in page
    assert effects.LISTED_LABEL in page and effects.KEY_LABEL in page
    other = c.get(f"/enterprises/{world.ent_b.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-flag' not in other
    items = _lookup(c, "有限公司")
    assert items[world.ent_a.id]["flags"] == [effects.LISTED_LABEL, effects.KEY_LABEL]
    assert "flags" not in items[world.ent_b.id] and "flags" not in items[world.ent_a2.id]
    listing_page = c.get("/enterprises").get_data(as_text=True)
    assert listing_page.count('data-testid="enterprise-flag"') == 2  # ent_a's two badges, nobody else's

    effects.end_effects(listing, ListingEnd.OVERTURNED, "撤销", actor=world.leader, on=clock.today())
    db.session.commit()
    page = c.get(f"/enterprises/{world.ent_a.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-flag' not in page
    assert "flags" not in _lookup(c, "有限公司")[world.ent_a.id]


def test_the_banner_without_the_key_supervision_measure_names_the_listing_only(world, listed, login):
    _in_force(world, listed, codes=["interview"])
    items = _lookup(login(world.officer), "龙城机械")
    assert items[world.ent_a.id]["flags"] == [effects.LISTED_LABEL]


def test_the_term_timer_ends_the_effects_at_exactly_the_end_of_the_term(world, listed):
    from tests.factories.workflow import tick_at

    listing = _in_force(world, listed)
    term_end = listing.term_end
    tick_at(term_end, hour=23)  # the last day: still in force
    assert listing.status == ListingStatus.LISTED and is_listed(world.ent_a.id)
    tick_at(term_end + timedelta(days=1), hour=0)
    assert listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.EXPIRED
    assert listing.ended_on == term_end
    assert world.ent_a.category == "B" and not is_listed(world.ent_a.id)
    assert publication.current_for(listing, "credit_listing") is None
    assert all(m.status == FeedbackStatus.LIFTED for m in listing.measures)
    assert len(documents_for(listing, doc_type="credit_removal")) == len(
        _external_departments(measures.library().defaults())
    )
    assert [p.action for p in listing.pushes] == ["列入", "移出"]
    assert term.running_instance(listing) is None


def test_the_banner_on_the_inbox_and_the_task_page(world, listed, login, started):
    _in_force(world, listed)
    inst_a, inst_b = started(world.ent_a), started(world.ent_b)
    c = login(world.officer)
    inbox = c.get("/inbox").get_data(as_text=True)
    assert inbox.count('data-testid="enterprise-flag"') == 2  # ent_a's row only (its two badges)
    task_a = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst_a.id)).one()
    task_b = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst_b.id)).one()
    page_a = c.get(f"/tasks/{task_a.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-flag-banner"' in page_a and effects.LISTED_LABEL in page_a
    page_b = c.get(f"/tasks/{task_b.id}").get_data(as_text=True)
    assert 'data-testid="enterprise-flag-banner"' not in page_b
