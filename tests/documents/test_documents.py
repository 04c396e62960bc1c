import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from app import audit, clock
from app.documents import (
    DOC_TYPES,
    DocType,
    DocumentLocked,
    DocumentNumber,
    OfficialDocument,
    documents_for,
    issue_document,
    numbering,
    register_doc_type,
    void_document,
)
from app.errors import InvalidState, ValidationFailed
from app.org.models import Department


def test_format_is_exact():
    assert numbering.format_number("萧", "责改", 2026, 12) == "（萧）应急责改〔2026〕12号"
    assert numbering.format_number("宁", "罚", 2019, 1) == "（宁）应急罚〔2019〕1号"


def test_sequence_per_agency_year_and_code_word(db, world):
    clock.freeze(date(2026, 5, 6))
    texts = [numbering.next_number(world.brigade, "责改").text for _ in range(3)]
    assert texts == ["（萧）应急责改〔2026〕1号", "（萧）应急责改〔2026〕2号", "（萧）应急责改〔2026〕3号"]
    assert numbering.next_number(world.bureau, "复查").text == "（萧）应急复查〔2026〕1号"
    assert numbering.next_number(world.town_station, "责改").text == "（萧）应急责改〔2026〕4号"  # same 局
    assert numbering.next_number(world.brigade, "责改", year=2027).text == "（萧）应急责改〔2027〕1号"
    assert numbering.next_number(world.other_bureau, "责改").text == "（砀）应急责改〔2026〕1号"
    db.session.commit()
    n = db.session.scalars(select(DocumentNumber).where(DocumentNumber.code_word == "责改",
                                                        DocumentNumber.year == 2026,
                                                        DocumentNumber.agency_id == world.bureau.id)).all()
    assert sorted(x.serial for x in n) == [1, 2, 3, 4]
    assert all(x.agency_id == world.bureau.id and x.status == "issued" for x in n)


def test_year_defaults_to_china_date(db, world):
    clock.freeze(date(2026, 12, 31))
    clock.advance(__import__("datetime").timedelta(hours=16))  # 2027-01-01 01:00 in China
    assert numbering.next_number(world.bureau, "罚").text == "（萧）应急罚〔2027〕1号"


def test_rollback_does_not_consume_a_number(db, world):
    clock.freeze(date(2026, 5, 6))
    numbering.next_number(world.bureau, "责改")
    db.session.commit()
    assert numbering.next_number(world.bureau, "责改").serial == 2
    db.session.rollback()
    assert numbering.next_number(world.bureau, "责改").serial == 2
    db.session.rollback()
    # the same for a whole issued document
    subject = world.ent_a
    issue_document("rectification_order", agency=world.brigade, subject=subject, content={"x": 1},
                   actor=world.officer)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OfficialDocument)) == 0
    assert audit.history(object_type="official_documents", object_id=1) == []
    assert numbering.next_number(world.bureau, "责改").text == "（萧）应急责改〔2026〕2号"


def test_voided_number_is_never_reused(db, world):
    clock.freeze(date(2026, 5, 6))
    first = numbering.next_number(world.bureau, "罚告")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        numbering.void(first, "  ", world.officer)
    numbering.void(first, "填写错误，重新制发", world.officer)
    db.session.commit()
    assert first.status == "voided" and first.status_label == "已作废"
    assert first.voided_by_id == world.officer.id and first.voided_at == clock.now()
    second = numbering.next_number(world.bureau, "罚告")
    assert second.serial == 2
    with pytest.raises(InvalidState):
        numbering.void(first, "再次作废", world.officer)
    [event] = audit.history(first)
    assert event.action == "document.number_voided" and "填写错误" in event.summary


def test_number_cannot_be_edited_or_deleted(db, world):
    number = numbering.next_number(world.bureau, "罚")
    db.session.commit()
    number.serial = 99
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()
    db.session.delete(number)
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()


def test_missing_short_name_falls_back_to_config_or_fails(db, world, app, monkeypatch):
    world.bureau.short_name = None
    assert numbering.next_number(world.brigade, "检记").text.startswith("（萧）应急检记〔")
    monkeypatch.setitem(app.config, "AGENCY_SHORT_NAME", "")
    with pytest.raises(ValidationFailed, match="简称"):
        numbering.next_number(world.brigade, "检记")
    with pytest.raises(ValidationFailed, match="代字"):
        numbering.next_number(world.other_bureau, "责 改")


def test_doc_type_registry_has_the_catalogue():
    words = {dt.name: dt.code_word for dt in DOC_TYPES.values()}
    assert words["现场检查记录"] == "检记"
    assert words["现场处理措施决定书"] == "现决"
    assert words["责令限期整改指令书"] == "责改"
    assert words["整改复查意见书"] == "复查"
    assert words["挂牌督办通知书"] == "督办"
    assert words["立案审批表"] == "立"
    assert words["行政处罚告知书"] == "罚告"
    assert words["行政处罚决定书"] == "罚"
    assert words["法制审核意见书"] == "法审"
    assert words["送达回执"] == "回"
    assert DocType("x_y", "某文书", "某").template_name == "documents/x_y.html"


# a doc type of this test module, so the page tests do not depend on templates other domains register
TEST_TYPE = register_doc_type(DocType("test_order", "测试整改指令书", "测改", template="documents/generic.html"))


def _issue(world, **kw):
    args = dict(agency=world.brigade, subject=world.ent_a, actor=world.officer,
                content={"party": world.ent_a.name, "deadline": date(2026, 6, 1),
                         "items": ["灭火器过期", "安全出口堵塞"], "_labels": {"party": "被检查单位", "deadline": "整改期限"}})
    args.update(kw)
    return issue_document(TEST_TYPE.code, **args)


def test_issue_document_numbers_snapshots_and_audits(db, world):
    clock.freeze(date(2026, 5, 6))
    doc = _issue(world)
    db.session.commit()
    assert doc.number.text == "（萧）应急测改〔2026〕1号"
    assert doc.title == "测试整改指令书" and doc.locked and not doc.voided
    assert doc.agency_id == world.bureau.id and doc.issued_by_id == world.officer.id
    assert (doc.subject_type, doc.subject_id) == ("enterprises", world.ent_a.id)
    assert doc.content["deadline"] == "2026-06-01"
    [event] = audit.history(doc)
    assert event.action == "document.issued" and event.data["number"] == doc.number.text
    assert "测试整改指令书" in event.summary
    other = issue_document("rectification_review", agency=world.brigade, subject=world.ent_a, content={},
                           actor=world.officer)
    issue_document(TEST_TYPE.code, agency=world.brigade, subject=world.ent_b, content={}, actor=world.officer)
    db.session.commit()
    assert documents_for(world.ent_a) == [doc, other]
    assert documents_for(world.ent_a, doc_type="rectification_review") == [other]
    assert audit.verify().ok


def test_unknown_doc_type_is_rejected(db, world):
    with pytest.raises(ValidationFailed, match="未知的文书种类"):
        issue_document("nope", agency=world.bureau, subject=None, content={}, actor=world.officer)


def test_locked_document_cannot_be_edited(db, world):
    doc = _issue(world)
    db.session.commit()
    doc.content = {"party": "另一家公司"}
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()
    spare = numbering.next_number(world.bureau, "责改")
    doc.number = spare
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()
    doc.locked = False
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()
    db.session.delete(doc)
    with pytest.raises(DocumentLocked):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert doc.content["party"] == world.ent_a.name


def test_void_document_marks_it_and_keeps_the_number(db, world):
    doc = _issue(world)
    db.session.commit()
    void_document(doc, "送达前发现当事人名称错误", world.officer)
    db.session.commit()
    assert doc.voided and doc.number.is_voided
    assert documents_for(world.ent_a, include_voided=False) == []
    assert [e.action for e in audit.history(doc)] == ["document.issued", "document.number_voided"]
    assert _issue(world).number.serial == 2


def test_concurrent_numbering_gives_distinct_consecutive_numbers(db, world, app):
    """2 threads × 20 numbers, each in its own transaction: 40 distinct consecutive serials."""
    clock.freeze(date(2026, 5, 6))
    agency_id = world.brigade.id
    got: list[str] = []
    errors = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                agency = db.session.get(Department, agency_id)
                barrier.wait()
                for _ in range(20):
                    got.append(numbering.next_number(agency, "责改").text)
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(got) == sorted(f"（萧）应急责改〔2026〕{i}号" for i in range(1, 41))
    serials = db.session.scalars(select(DocumentNumber.serial).order_by(DocumentNumber.serial)).all()
    assert serials == list(range(1, 41))


# --- the printable page --------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("town_officer", 200), ("manager_a", 200),
                                             ("manager_b", 404), ("other_officer", 404)])
def test_document_page_respects_subject_visibility(db, world, login, who, status):
    doc = _issue(world)
    db.session.commit()
    r = login(getattr(world, who)).get(f"/documents/{doc.id}")
    assert r.status_code == status
    if status == 200:
        html = r.get_data(as_text=True)
        assert doc.number.text in html
        assert "测试整改指令书" in html and "被检查单位" in html and "灭火器过期" in html
        # the A4 print styles are a static file (Content-Security-Policy: no inline <style>, issue #11 item 6)
        assert '<link rel="stylesheet" href="/static/documents.css">' in html and "<style" not in html
        css = login(getattr(world, who)).get("/static/documents.css").get_data(as_text=True)
        assert "FangSong, STFangsong, 'Noto Serif CJK SC', serif" in css
        assert 'counter(pages)' in css and "size: A4" in css


def test_document_without_registered_subject_check_is_hidden(db, world, login):
    class Thing:
        __subject_type__ = "mystery"
        id = 5

    doc = issue_document("legal_review", agency=world.bureau, subject=Thing(), content={"a": 1}, actor=world.legal)
    db.session.commit()
    assert login(world.officer).get(f"/documents/{doc.id}").status_code == 404


def test_document_without_subject_is_visible_to_agency_staff_only(db, world, login):
    doc = issue_document("case_filing", agency=world.bureau, subject=None, content={"案由": "测试"},
                         actor=world.officer)
    db.session.commit()
    assert login(world.legal).get(f"/documents/{doc.id}").status_code == 200


def test_document_without_subject_hidden_from_other_agency(db, world, login):
    doc = issue_document("case_filing", agency=world.bureau, subject=None, content={}, actor=world.officer)
    db.session.commit()
    assert login(world.other_officer).get(f"/documents/{doc.id}").status_code == 404


def test_missing_document_is_404(db, world, login):
    assert login(world.officer).get("/documents/999").status_code == 404


def test_voided_document_page_shows_stamp(db, world, login):
    doc = _issue(world)
    void_document(doc, "错误", world.officer)
    db.session.commit()
    html = login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'data-testid="voided"' in html


def test_audit_then_number_does_not_deadlock_with_number_then_audit(db, world, app):
    """A: audit.record, then next_number; B: next_number (holds the counter), then audit at commit.
    With the chain lock taken only at commit, A simply waits for B's counter; nothing deadlocks."""
    agency_id, user_id = world.bureau.id, world.officer.id
    b_has_counter = threading.Event()
    errors, results = [], {}

    def a():
        try:
            with app.app_context():
                from app.auth.models import User

                user = db.session.get(User, user_id)
                audit.record(user, "a.first", None, summary="A 先记录")
                assert b_has_counter.wait(30)
                results["a"] = numbering.next_number(db.session.get(Department, agency_id), "责改").serial
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    def b():
        try:
            with app.app_context():
                agency = db.session.get(Department, agency_id)
                results["b"] = numbering.next_number(agency, "责改").serial
                b_has_counter.set()
                threading.Event().wait(0.3)  # let A block on the counter
                audit.record(None, "b.second", None, summary="B 取号后记录")
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert results == {"b": 1, "a": 2}
    result = audit.verify()
    assert result.ok and result.checked == 2
