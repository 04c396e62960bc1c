"""Defects the review found in the credit domain (issue #14), each with its fix:

1. a department's 联合惩戒 feedback already received was silently overwritten by a second registration;
2. a 第五项 listing (the unit's main 负责人 alone) applied the unit's measures to the enterprise and pushed the
   unit as the subject;
3. the API gave the listed enterprise the 列入决定's date, measures and status 待送达 before the 列入决定书 was
   served (its page hides them);
4. the enterprise could download the 负责人's fraud evidence (撤销移出 evidence) and its list showed 待送达.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.credit import effects
from app.credit.models import FeedbackStatus
from app.errors import InvalidState, ValidationFailed
from app.extensions import db

pytestmark = pytest.mark.usefixtures("frozen")


def _in_force(world, listed, **kw):
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def _external(listing):
    return next(m for m in listing.measures if not m.internal)


# --- 1. feedback already received ------------------------------------------------------------------------


def test_a_second_feedback_is_refused_naming_who_recorded_the_first(world, listed, login):
    listing = _in_force(world, listed)
    m = _external(listing)
    today = clock.today().isoformat()
    effects.record_feedback(m, {"feedback": "已实施A", "feedback_on": today}, actor=world.officer)
    db.session.commit()
    with pytest.raises(InvalidState, match=f"已由{world.officer.name}于.*登记") as e:
        effects.record_feedback(m, {"feedback": "已实施B", "feedback_on": today}, actor=world.section_head)
    assert "更正理由" in str(e.value)
    db.session.rollback()
    db.session.refresh(m)
    assert m.feedback == "已实施A" and m.feedback_by_id == world.officer.id
    # the API (a stale page, a second client) is told the same, with 409
    r = login(world.section_head).api(
        "POST",
        f"/api/v1/credit/listings/{listing.id}/measures/{m.id}/feedback",
        json={"data": {"feedback": "已实施B", "feedback_on": today}},
    )
    assert r.status_code == 409 and world.officer.name in r.get_json()["error"], r.get_json()
    db.session.expire_all()
    assert db.session.get(type(m), m.id).feedback == "已实施A"


def test_a_correction_needs_its_reason_and_is_audited_with_what_it_replaced(world, listed):
    listing = _in_force(world, listed)
    m = _external(listing)
    today = clock.today()
    effects.record_feedback(m, {"feedback": "已实施A", "feedback_on": today.isoformat()}, actor=world.officer)
    with pytest.raises(InvalidState, match="更正理由"):  # a blank reason is no correction
        effects.record_feedback(
            m,
            {"feedback": "已实施B", "feedback_on": today.isoformat(), "correction_reason": "  "},
            actor=world.officer,
        )
    # a correction reason on a first registration is not a correction: refused, nothing to correct
    other = next(x for x in listing.measures if not x.internal and x.id != m.id)
    with pytest.raises(ValidationFailed) as e:
        effects.record_feedback(
            other,
            {"feedback": "已实施", "feedback_on": today.isoformat(), "correction_reason": "笔误"},
            actor=world.officer,
        )
    assert "correction_reason" in e.value.field_errors
    effects.record_feedback(
        m,
        {
            "feedback": "已实施B",
            "feedback_on": today.isoformat(),
            "correction_reason": "A为录入笔误，以部门来函为准",
        },
        actor=world.section_head,
    )
    db.session.commit()
    assert (
        m.feedback == "已实施B"
        and m.status == FeedbackStatus.RECEIVED
        and m.feedback_by_id == world.section_head.id
    )
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == effects.FEEDBACK_CORRECTED)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.actor_id == world.section_head.id
    assert "A为录入笔误" in event.summary
    data = event.data if isinstance(event.data, dict) else json.loads(event.data)
    assert data["previous"]["feedback"] == "已实施A" and data["previous"]["by"] == world.officer.id
    assert data["reason"] == "A为录入笔误，以部门来函为准"


def test_the_feedback_date_of_a_correction_is_checked_like_the_first(world, listed):
    listing = _in_force(world, listed)
    m = _external(listing)
    today = clock.today()
    effects.record_feedback(m, {"feedback": "已实施A", "feedback_on": today.isoformat()}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        effects.record_feedback(
            m,
            {
                "feedback": "B",
                "feedback_on": (today + timedelta(days=1)).isoformat(),
                "correction_reason": "更正",
            },
            actor=world.officer,
        )
    assert m.feedback == "已实施A"


def test_the_page_offers_the_correction_and_refuses_a_plain_second_registration(world, listed, login):
    listing = _in_force(world, listed)
    m = _external(listing)
    today = clock.today().isoformat()
    effects.record_feedback(m, {"feedback": "已实施A", "feedback_on": today}, actor=world.officer)
    db.session.commit()
    client = login(world.section_head)
    html = client.get(f"/credit/{listing.id}").get_data(as_text=True)
    assert f'data-testid="form-feedback-{m.id}"><summary>更正反馈</summary>' in html
    url = f"/credit/{listing.id}/measures/{m.id}/feedback"
    r = client.post(url, data={"feedback": "已实施B", "feedback_on": today})
    assert r.status_code == 409 and world.officer.name in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(m), m.id).feedback == "已实施A"
    r = client.post(url, data={"feedback": "已实施B", "feedback_on": today, "correction_reason": "来函更正"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(m), m.id).feedback == "已实施B"


# --- 3. the enterprise before the 列入决定书 is served (API = page) ------------------------------------------


def _decided(make_listing):
    """A listing the 负责人 decided to list, its 列入决定书 not yet served (待送达)."""
    w = make_listing(criterion="9").to_decide().decide()
    db.session.commit()
    return w.listing


def test_the_api_gives_the_enterprise_what_its_page_shows_before_service(world, make_listing, login):
    listing = _decided(make_listing)
    assert listing.status == "待送达" and listing.decided_on is not None and listing.measure_codes
    party = login(world.manager_a)
    page = party.get(f"/credit/{listing.id}").get_data(as_text=True)
    assert (
        "待送达" not in page
        and "审查中" in page
        and "列入决定" not in page.split('data-testid="progress"')[0]
    )
    body = party.get(f"/api/v1/credit/listings/{listing.id}").get_json()
    assert body["listing"]["status"] == "审查中"
    assert body["listing"]["decided_on"] is None and body["measure_codes"] == [] and body["reasons"] is None
    assert "待送达" not in json.dumps(body, ensure_ascii=False)
    # the list, page and API, and its status filter: 审查中, never 待送达 (nor 核查中/待决定)
    listed_page = party.get("/credit/").get_data(as_text=True)
    assert "审查中" in listed_page and "待送达" not in listed_page
    items = party.get("/api/v1/credit/listings").get_json()["items"]
    [item] = [i for i in items if i["id"] == listing.id]
    assert item["status"] == "审查中" and item["decided_on"] is None
    for status in ("审查中", "待送达"):
        found = party.get("/api/v1/credit/listings", query_string={"status": status}).get_json()["items"]
        assert [i["id"] for i in found] == [listing.id] and found[0]["status"] == "审查中"
    found = party.get("/api/v1/credit/listings", query_string={"status": "核查中"}).get_json()["items"]
    assert [i["id"] for i in found] == [listing.id]  # one word for the three internal stages
    # staff still see the real status and the decision
    staff = login(world.officer).get(f"/api/v1/credit/listings/{listing.id}").get_json()
    assert staff["listing"]["status"] == "待送达" and staff["listing"]["decided_on"] is not None
    assert staff["measure_codes"] == listing.measure_codes


def test_after_service_the_enterprise_sees_the_decision_and_its_status(world, make_listing, login):
    w = make_listing(criterion="9").listed()
    db.session.commit()
    body = login(world.manager_a).get(f"/api/v1/credit/listings/{w.listing.id}").get_json()
    assert body["listing"]["status"] == "已列入" and body["listing"]["decided_on"] is not None
    assert body["measure_codes"] == w.listing.measure_codes


# --- 4. the fraud evidence of a revoked early removal is internal ----------------------------------------


def test_the_enterprise_cannot_download_the_revocation_evidence(world, listed, upload, login):
    from datetime import date

    from app import attachments
    from app.credit.operations import repair as repair_ops
    from tests.factories.files import PDF

    listing = _in_force(world, listed)
    clock.freeze(date(2027, 11, 3))
    commitment = upload(world.manager_a, PDF, "信用承诺书.pdf", "application/pdf")
    repair = repair_ops.apply_repair(
        listing, {"statement": "已整改", "commitment": [commitment]}, actor=world.manager_a
    )
    repair_ops.verify_repair(
        repair,
        {
            "verification": "属实",
            "proposal": "grant",
            "corrected_confirmed": True,
            "corrected_evidence": "现场核查",
            "paid_confirmed": True,
            "paid_evidence": "已缴清",
        },
        actor=world.officer,
    )
    repair_ops.decide_repair(repair, {"repair_decision": "grant", "reason": "符合"}, actor=world.leader)
    clock.freeze(date(2028, 3, 1))
    evidence = upload(world.leader, PDF, "伪造许可证鉴定意见.pdf", "application/pdf")
    repair_ops.revoke_repair(repair, {"reason": "许可证系伪造", "evidence": [evidence]}, actor=world.leader)
    db.session.commit()
    assert [a.id for a in attachments.attachments_for(repair, "revoke_evidence")] == [evidence]
    party, officer = login(world.manager_a), login(world.officer)
    assert party.get(f"/attachments/{evidence}").status_code == 404
    assert officer.get(f"/attachments/{evidence}").status_code == 200
    assert party.get(f"/attachments/{commitment}").status_code == 200  # its own 信用承诺书 stays its own
    assert login(world.manager_b).get(f"/attachments/{commitment}").status_code == 404
    assert login(world.other_officer).get(f"/attachments/{evidence}").status_code == 404


# --- 2. 第五项: the unit's main 负责人 listed alone ---------------------------------------------------------


def _head_listed(make_listing, **decide):
    w = make_listing(criterion="5").to_decide().decide(**decide).serve_decision()
    db.session.commit()
    return w.listing


def test_the_decision_of_a_head_only_listing_takes_only_measures_concerning_a_person(world, make_listing):
    from app.credit import measures
    from app.errors import ValidationFailed as Invalid

    lib = measures.library()
    person = lib.defaults(head_only=True)
    assert set(person) == {"interview", "position_ban"} and all(lib.get(c).person for c in person)
    w = make_listing(criterion="5").to_decide()
    with pytest.raises(Invalid) as e:
        w.decide(measure_codes=["interview", "inspection_class_up"])
    assert "measure_codes" in e.value.field_errors and "分类分级" in e.value.field_errors["measure_codes"]
    db.session.rollback()


def test_a_head_only_listing_applies_no_unit_measure_and_names_the_person(world, make_listing, login):
    from app.credit.models import ListingStatus
    from app.documents import documents_for

    category = world.ent_a.category
    listing = _head_listed(make_listing)  # the defaults: the person's measures
    assert listing.status == ListingStatus.LISTED
    codes = sorted(m.code for m in listing.measures)
    assert codes == ["interview", "position_ban"]
    db.session.refresh(world.ent_a)
    assert world.ent_a.category == category  # no class raise
    # no 重点监管 banner and the enterprise is not 严重失信主体: its 主要负责人 is listed
    flags = effects.enterprise_flags([world.ent_a.id]).get(world.ent_a.id, [])
    assert flags == [effects.HEAD_LISTED_LABEL]
    from app.credit.queries import active_listing, is_listed

    assert not is_listed(world.ent_a.id) and active_listing(world.ent_a.id) is None
    # the 联合惩戒通知 names the person (自然人), ID masked, the unit only as where the person works
    [joint] = documents_for(listing, doc_type="credit_joint")
    db.session.commit()
    html = login(world.officer).get(f"/documents/{joint.id}").get_data(as_text=True)
    name, id_no = listing.person_name, listing.person_id_no
    assert f"{name}（自然人）" in html and "该单位未列入" in html
    assert id_no not in html and f"{id_no[:6]}********{id_no[-4:]}" in html
    # the 约谈 notification names the person
    from app.notifications.models import Notification

    note = db.session.scalars(select(Notification).where(Notification.kind == "credit_interview")).first()
    assert note is not None and name in note.title and name in note.body


def test_the_push_of_a_head_only_listing_names_the_person_with_the_id_in_full(world, make_listing):
    from app.credit import push

    listing = _head_listed(make_listing)
    [row] = listing.pushes
    record = json.loads(push.path_of(row).read_text(encoding="utf-8"))["records"][0]
    assert record["失信主体名称"] == listing.person_name and record["主体类别"] == "自然人"
    assert record["证件号码"] == listing.person_id_no and record["证件类型"] == "居民身份证"
    assert record["统一社会信用代码"] == "" and record["法定代表人"] == ""
    assert record["所在单位名称"] == world.ent_a.name and record["一并列入人员姓名"] == ""
    assert set(record["惩戒措施"].split("；")) == {
        m.name for m in listing.measures
    }  # the person's measures only


def test_a_unit_listing_still_takes_the_unit_measures_and_pushes_the_unit(world, make_listing):
    from app.credit import push

    w = make_listing(criterion="9").listed()
    db.session.commit()
    codes = {m.code for m in w.listing.measures}
    assert {"inspection_class_up", "key_supervision"} <= codes
    assert effects.enterprise_flags([world.ent_a.id])[world.ent_a.id] == [
        effects.LISTED_LABEL,
        effects.KEY_LABEL,
    ]
    record = w.listing.pushes[0].record
    assert (
        record["失信主体名称"] == world.ent_a.name and record["证件号码"] == "" and push.FORMAT.endswith("/2")
    )
