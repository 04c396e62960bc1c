"""A case-page form posted where the case does not stand (a hand-made request or a page left open): the case
page comes back with the reason in Chinese (HTTP 409, never a bare 422 on fields the page does not show), the
API answers 409 with the same reason; a form the page offers keeps what was typed when its input is wrong."""

from __future__ import annotations

import re

import pytest

from app import clock
from app.cases.models import CasePayment, PenaltyCase
from app.extensions import db
from tests.cases.walk import to_execution
from tests.factories.db import commit


def _text(r) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", r.get_data(as_text=True)))


def _form_error(r) -> str:
    m = re.search(r'data-testid="form-error">([^<]*)<', r.get_data(as_text=True))
    assert m, r.get_data(as_text=True)[:1500]
    return m.group(1)


TODAY = "2026-11-02"
STAGE = "本案当前处于“调查取证”阶段，不能办理此事项"
# (path, hand-made body, status, the reason the answer gives): a body whose fields do not pass gets the stage's
# reason (409); one whose fields pass reaches the operation, which refuses in its own words
OUT_OF_STAGE = [
    (
        "services",
        {"document_id": "1", "method": "直接送达", "served_on": TODAY},
        409,
        "本案尚无可送达当事人的文书",
    ),
    ("reminders", {}, 409, "缴款期限届满仍未缴清"),
    ("reminders/service", {"method": "直接送达"}, 409, "本案没有待送达的催告书"),
    ("enforcement", {}, 409, "催告书送达满10日"),
    ("remedies", {"kind": "行政复议"}, 409, "处罚决定书送达后方可登记行政复议或行政诉讼"),
    ("remedies/outcome", {}, 409, "本案没有未审结的行政复议或行政诉讼"),
    ("arrangements", {"reason": "资金困难"}, 409, "须在决定书送达后、缴款期限届满前申请"),
    ("payments", {"amount": "100"}, 409, "处罚决定书送达后、罚款缴清前方可登记缴款"),
    (
        "payments",
        {"paid_on": TODAY, "amount": "100", "receipt_no": "PJ9"},
        409,
        "决定书尚未送达，不能登记缴款",
    ),
    ("pauses/end", {"ended_on": TODAY}, 409, "没有未结束的不计入期间"),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "why"), OUT_OF_STAGE, ids=[f"{p}-{len(b)}" for p, b, *_ in OUT_OF_STAGE]
)
def test_a_form_out_of_stage_is_refused_with_the_reason(login, world, make_case, path, body, status, why):
    case = make_case().file().case  # 调查取证: no document to serve, nothing decided
    commit()
    officer = login(world.officer)
    r = officer.post(f"/cases/{case.id}/{path}", data=body)
    assert r.status_code == status, (path, r.status_code)
    message = _form_error(r)
    assert why in message, message
    assert "提交的内容未通过校验" not in message
    assert case.case_no in _text(r)  # the case page itself, not an error page

    api = officer.api("POST", f"/api/v1/cases/{case.id}/{path}", json={"data": body})
    assert api.status_code == status, (path, api.get_json())
    assert why in api.get_json()["error"] and "field_errors" not in api.get_json()
    assert db.session.query(CasePayment).count() == 0


def test_the_stage_reason_names_the_stage_and_the_form(login, world, make_case):
    case = make_case().file().case
    commit()
    r = login(world.officer).post(f"/cases/{case.id}/reminders", data={})
    assert _form_error(r) == (
        f"{STAGE}（制发罚款缴纳催告书）：缴款期限届满仍未缴清、且此前的催告书已送达的，方可制发催告书。"
    ), _form_error(r)


def test_who_is_checked_before_when(login, world, make_case):
    case = make_case().file().case
    commit()
    body = {"paid_on": TODAY, "amount": "100", "receipt_no": "PJ9"}
    assert login(world.other_officer).post(f"/cases/{case.id}/payments", data=body).status_code == 404
    assert login(world.legal).post(f"/cases/{case.id}/payments", data=body).status_code == 403
    assert login(world.manager_a).post(f"/cases/{case.id}/payments", data=body).status_code == 403
    api = login(world.legal).api("POST", f"/api/v1/cases/{case.id}/payments", json={"data": body})
    assert api.status_code == 403


def test_evidence_after_the_decision_is_refused(login, world, make_case):
    w = to_execution(world, make_case)
    r = login(world.officer).post(
        f"/cases/{w.case.id}/evidence", data={"kind": "书证", "title": "营业执照复印件"}
    )
    assert r.status_code == 409
    assert "证据在立案后、作出处罚决定前登记" in _form_error(r)
    assert "“执行”" in _form_error(r) or "阶段" in _form_error(r)


def test_a_form_the_page_offers_still_keeps_what_was_typed(login, world, make_case):
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    officer = login(world.officer)
    r = officer.post(
        f"/cases/{case.id}/payments",
        data={"paid_on": clock.today().isoformat(), "amount": "40000", "receipt_no": "PJ-77"},
    )
    assert r.status_code == 422 and "超过应缴金额" in _text(r) and 'value="PJ-77"' in r.get_data(as_text=True)
    r = officer.post(
        f"/cases/{case.id}/payments",
        data={"paid_on": clock.today().isoformat(), "amount": "30000", "receipt_no": "PJ-78"},
    )
    assert r.status_code == 302
    commit()
    # paid in full: the form is no longer offered; a stale copy of it is answered with the reason
    html = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="form-case_payment"' not in html
    r = officer.post(f"/cases/{case.id}/payments", data={"paid_on": clock.today().isoformat(), "amount": "1"})
    assert r.status_code == 409 and "罚款缴清前方可登记缴款" in _form_error(r)
    r = officer.post(
        f"/cases/{case.id}/payments",
        data={"paid_on": clock.today().isoformat(), "amount": "1", "receipt_no": "PJ-79"},
    )
    assert r.status_code == 422 and "超过应缴金额" in _form_error(r)  # the operation's own words
    assert db.session.query(CasePayment).filter_by(case_id=case.id).count() == 1
