"""Case pages: the scoped list and detail (another county's officer and another enterprise get 404), the
enterprise's own terms (its filed cases, never a proposal nor an internal document), the case-page forms
(each refused for the wrong user, bad input kept with the Chinese message next to the field), proposals
(立案 / 不予立案), and the gates on the generic task page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from app import clock
from app.auth.roles import Role
from app.cases.models import CaseProposal, CaseStatus, PenaltyCase, ProposalStatus
from app.cases.operations.execution import balance
from app.documents import documents_for
from app.extensions import db
from tests.cases.walk import task_of, to_execution, to_legal_review
from tests.factories.db import commit
from tests.factories.files import JPEG
from tests.factories.org import _user


def _text(r) -> str:
    return r.get_data(as_text=True)


def _rows(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-case-id="(\d+)"', html)}


# --- scope ----------------------------------------------------------------------------------------


def test_list_and_detail_are_scoped(login, world, make_case):
    filed = make_case().file().case
    pending = make_case(name="待批准立案的案件").case  # 立案审批中: no 立案日 yet
    commit()

    officer = login(world.officer)
    page = officer.get("/cases/")
    assert page.status_code == 200
    assert _rows(_text(page)) == {filed.id}
    assert "待批准立案的案件" in _text(page)  # shown apart, above the list (立案审批中)
    detail = officer.get(f"/cases/{filed.id}")
    assert detail.status_code == 200 and filed.case_no in _text(detail)
    waiting = _text(officer.get(f"/cases/{pending.id}"))
    assert "尚未立案（立案审批中）" in waiting and "由他人办理" in waiting
    approve = task_of(pending, "approve_filing")
    assert f'href="/tasks/{approve.id}"' in _text(login(world.section_head).get(f"/cases/{pending.id}"))

    other = login(world.other_officer)
    assert _rows(_text(other.get("/cases/"))) == set()
    assert other.get(f"/cases/{filed.id}").status_code == 404
    assert other.get(f"/cases/{pending.id}").status_code == 404

    manager = login(world.manager_a)
    assert _rows(_text(manager.get("/cases/"))) == {filed.id}
    assert manager.get(f"/cases/{filed.id}").status_code == 200
    assert manager.get(f"/cases/{pending.id}").status_code == 404  # not filed: still internal
    assert login(world.manager_b).get(f"/cases/{filed.id}").status_code == 404


def test_enterprise_reads_its_case_in_its_own_terms(login, world, make_case):
    w = to_legal_review(world, make_case)
    from tests.cases.walk import review

    review(world, w.case)
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    docs = {d.doc_type: d for d in documents_for(case)}
    manager = login(world.manager_a)
    html = _text(manager.get(f"/cases/{case.id}"))
    assert "办理进度" in html and "已送达行政处罚告知书" in html
    # no internal record: officers' trail, evidence list, 法制审核, 案卷目录
    for internal in ("执法全过程记录", "证据清单", "法制审核意见书", "卷内目录", "询问笔录"):
        assert internal not in html, internal
    # the notice served on it opens; the 法制审核意见书 is 404 through the case's document URL and directly
    assert manager.get(f"/cases/{case.id}/documents/{docs['penalty_notice'].id}").status_code == 302
    assert manager.get(f"/documents/{docs['penalty_notice'].id}").status_code == 200
    assert manager.get(f"/cases/{case.id}/documents/{docs['legal_review'].id}").status_code == 404
    assert manager.get(f"/documents/{docs['legal_review'].id}").status_code in (403, 404)
    # the officer opens both
    officer = login(world.officer)
    assert officer.get(f"/cases/{case.id}/documents/{docs['legal_review'].id}").status_code == 302
    # a document of another case is not this case's
    other = make_case().file().case
    commit()
    assert officer.get(f"/cases/{other.id}/documents/{docs['legal_review'].id}").status_code == 404


def test_enterprise_never_sees_proposals(login, world, make_proposal):
    p = make_proposal()
    commit()
    manager = login(world.manager_a)
    assert manager.get("/cases/proposals").status_code == 403
    assert manager.get(f"/cases/proposals/{p.id}").status_code == 404
    assert login(world.other_officer).get(f"/cases/proposals/{p.id}").status_code == 404


# --- the case page ---------------------------------------------------------------------------------


def test_case_page_shows_the_record(login, world, make_case):
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    assert case.case_no in html and CaseStatus.EXECUTING in html
    assert "34130001" in html and "34130002" in html  # the officers' certificates
    assert "30,000.00" in html or "30000" in html
    assert "叁万元整" in html  # 大写
    assert "询问笔录（李四）" in html and "是否记录隐患排查情况" in html  # the evidence with its Q&A
    assert "系统核验通过" in html  # the 法制审核 checklist
    assert "卷内目录" in html and "立案审批表" in html
    assert "送达回执" in html
    assert "尚欠 30000" in html
    assert 'data-testid="history"' in html and "审批立案" in html


def test_surcharge_is_shown_to_the_day(login, world, make_case):
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    clock.freeze(case.payment_due + timedelta(days=3))
    b = balance(case)
    assert b.surcharge.days == 3
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    assert "逾期 3 日" in html and str(b.surcharge.amount) in html and f"尚欠 {b.owed}" in html


def test_officer_sees_and_follows_own_task_buttons_only(login, world, make_case):
    w = to_legal_review(world, make_case)
    commit()
    task = task_of(w.case, "legal_review")
    legal = _text(login(world.legal).get(f"/cases/{w.case.id}"))
    assert f'href="/tasks/{task.id}"' in legal
    officer = _text(login(world.officer).get(f"/cases/{w.case.id}"))
    assert f'href="/tasks/{task.id}"' not in officer and "由他人办理" in officer


# --- case-page forms -------------------------------------------------------------------------------


def test_evidence_with_files_shows_each_hash(login, world, make_case):
    case = make_case().file().case
    commit()
    officer = login(world.officer)
    r = officer.post(
        f"/cases/{case.id}/evidence",
        data={
            "kind": "书证",
            "title": "安全生产台账复印件",
            "collected_on": clock.today().isoformat(),
            "files": (io.BytesIO(JPEG), "台账.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302 and "done=evidence" in r.headers["Location"]
    html = _text(officer.get(r.headers["Location"]))
    assert "证据已登记" in html and "安全生产台账复印件" in html
    import hashlib

    assert hashlib.sha256(JPEG).hexdigest() in html


def test_bad_evidence_keeps_what_was_typed(login, world, make_case):
    case = make_case().file().case
    commit()
    r = login(world.officer).post(
        f"/cases/{case.id}/evidence",
        data={
            "kind": "询问笔录",
            "title": "询问笔录（张三）",
            "collected_on": clock.today().isoformat(),
            "qa-0-question": "你在公司担任什么职务？",
            "qa-0-answer": "安全员",
            "rights_explained": "y",
        },
    )
    html = _text(r)
    assert r.status_code == 422
    assert "询问笔录（张三）" in html and "你在公司担任什么职务？" in html
    assert "逐页签名" in html and "is-invalid" in html
    assert len(db.session.get(PenaltyCase, case.id).evidence_items) == 0


def test_future_date_is_refused_next_to_the_field(login, world, make_case):
    case = make_case().file().case
    commit()
    r = login(world.officer).post(
        f"/cases/{case.id}/pauses",
        data={
            "kind": "鉴定",
            "started_on": (clock.today() + timedelta(days=3)).isoformat(),
            "reason": "委托鉴定",
        },
    )
    assert r.status_code == 422 and "委托鉴定" in _text(r)


def test_pause_and_resume_move_the_clock(login, world, make_case):
    case = make_case().file().case
    commit()
    due = case.decision_due
    officer = login(world.officer)
    r = officer.post(
        f"/cases/{case.id}/pauses", data={"kind": "鉴定", "started_on": clock.today().isoformat()}
    )
    assert r.status_code == 302
    html = _text(officer.get(f"/cases/{case.id}"))
    assert "暂停计算中" in html and "（进行中）" in html
    clock.freeze(clock.today() + timedelta(days=10))
    r = officer.post(f"/cases/{case.id}/pauses/end", data={"ended_on": clock.today().isoformat()})
    assert r.status_code == 302
    commit()
    from app.cases import legal_time
    from app.cases.rules import pack_for

    case = db.session.get(PenaltyCase, case.id)
    start = case.filed_on + timedelta(
        days=1
    )  # a pause begun on the filing day starts the next (refresh_clock)
    expected = legal_time.decision_due(
        case.filed_on, [(start, clock.today())], 0, pack_for(case.region_path, start)
    )
    assert case.decision_due == expected and expected > due  # (rolled over 2027 春节 by the legal clock)


def test_case_forms_are_refused_to_others(login, world, make_case):
    case = make_case().file().case
    commit()
    data = {"kind": "书证", "title": "x", "collected_on": clock.today().isoformat()}
    assert login(world.other_officer).post(f"/cases/{case.id}/evidence", data=data).status_code == 404
    assert login(world.manager_a).post(f"/cases/{case.id}/evidence", data=data).status_code == 403
    assert login(world.legal).post(f"/cases/{case.id}/evidence", data=data).status_code == 403
    assert login(world.town_officer).post(f"/cases/{case.id}/evidence", data=data).status_code == 403
    assert len(db.session.get(PenaltyCase, case.id).evidence_items) == 0


def test_only_the_legal_reviewer_sets_the_limitation(login, world, make_case):
    case = make_case().file().case
    commit()
    data = {"five_years": "yes", "reason": "涉及公民生命健康安全且有危害后果"}
    assert login(world.officer).post(f"/cases/{case.id}/limitation", data=data).status_code == 403
    r = login(world.legal).post(f"/cases/{case.id}/limitation", data={"five_years": "yes", "reason": ""})
    assert r.status_code == 422 and "认定理由" in _text(r)
    assert login(world.legal).post(f"/cases/{case.id}/limitation", data=data).status_code == 302
    commit()
    assert db.session.get(PenaltyCase, case.id).five_year_limitation is True


def test_service_and_payment_through_the_page(login, world, make_case):
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    decision = documents_for(case, doc_type="penalty_decision")[0]
    officer = login(world.officer)
    r = officer.post(
        f"/cases/{case.id}/services",
        data={
            "document_id": str(decision.id),
            "method": "留置送达",
            "served_on": clock.today().isoformat(),
            "recipient": "李四",
        },
    )
    assert r.status_code == 422 and "见证人" in _text(r) and "李四" in _text(r)
    r = officer.post(
        f"/cases/{case.id}/services",
        data={
            "document_id": str(decision.id),
            "method": "邮寄送达",
            "served_on": clock.today().isoformat(),
            "recipient": "李四",
            "post_no": "EMS1234567",
        },
    )
    assert r.status_code == 302, _text(r)[:2000]
    r = officer.post(
        f"/cases/{case.id}/payments",
        data={"paid_on": clock.today().isoformat(), "amount": "40000", "receipt_no": "PJ1"},
    )
    assert r.status_code == 422 and "超过应缴金额" in _text(r) and "PJ1" in _text(r)
    r = officer.post(
        f"/cases/{case.id}/payments",
        data={"paid_on": clock.today().isoformat(), "amount": "30000", "receipt_no": "PJ1"},
    )
    assert r.status_code == 302
    commit()
    case = db.session.get(PenaltyCase, case.id)
    assert case.paid_on == clock.today() and len(case.services) == 3  # 告知书, 决定书, and this one


# --- the gates on the generic task page ------------------------------------------------------------


def test_officer_cannot_review_or_decide_through_the_task_page(login, world, make_case):
    w = to_legal_review(world, make_case)
    commit()
    task = task_of(w.case, "legal_review")
    officer = login(world.officer)
    assert (
        officer.post(f"/tasks/{task.id}", data={"review_opinion": "agree", "reasons": "同意"}).status_code
        == 403
    )
    commit()
    assert task_of(w.case, "legal_review").id == task.id
    legal = login(world.legal)
    r = legal.post(
        f"/tasks/{task.id}",
        data={
            "review_opinion": "agree",
            "reasons": "事实清楚",
            "confirmed": [
                "subject",
                "notice",
                "hearing",
                "not_heavier",
                "double",
                "band",
                "limitation",
                "facts",
                "evidence",
                "law",
                "procedure",
                "discretion",
            ],
        },
    )
    assert r.status_code in (302, 422), _text(r)[:500]
    if r.status_code == 422:  # the checklist keys of the form are the gate's: confirm every one shown
        from app.cases import gates

        keys = [i.key for i in gates.checklist(db.session.get(PenaltyCase, w.case.id), clock.today())]
        r = legal.post(
            f"/tasks/{task.id}", data={"review_opinion": "agree", "reasons": "事实清楚", "confirmed": keys}
        )
        assert r.status_code == 302, _text(r)[:2000]
    commit()
    decide = task_of(db.session.get(PenaltyCase, w.case.id), "decide")
    assert (
        officer.post(f"/tasks/{decide.id}", data={"decision": "decide", "opinion": "同意"}).status_code == 403
    )
    assert (
        login(world.legal)
        .post(f"/tasks/{decide.id}", data={"decision": "decide", "opinion": "同意"})
        .status_code
        == 403
    )
    commit()
    assert db.session.get(PenaltyCase, w.case.id).decided_on is None


def test_a_reviewer_who_is_a_case_officer_is_refused(login, world, make_case):
    world.legal.set_roles([Role.OFFICER, Role.LEGAL_REVIEWER])
    # another qualified reviewer is left (立案 refuses a team holding every one of them)
    _user("legal2", "孙法制", [Role.LEGAL_REVIEWER], world.legal_section, cert="34130009")
    commit()
    w = to_legal_review(world, make_case, officer_ids=[world.officer.id, world.legal.id])
    commit()
    task = task_of(w.case, "legal_review")
    from app.cases import gates

    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    r = login(world.legal).post(
        f"/tasks/{task.id}", data={"review_opinion": "agree", "reasons": "同意", "confirmed": keys}
    )
    assert r.status_code in (403, 409, 422)
    assert "承办人员" in _text(r)
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    assert case.review_passed is False and task_of(case, "legal_review").id == task.id


def test_the_party_states_its_case_through_the_task_page(login, world, make_case):
    w = make_case()
    w.file().evidence().report().notify()
    commit()
    task = task_of(w.case, "state_case")
    manager = login(world.manager_a)
    page = manager.get(f"/cases/{w.case.id}")
    assert f'href="/tasks/{task.id}"' in _text(page)
    assert manager.get(f"/tasks/{task.id}").status_code == 200
    r = manager.post(
        f"/tasks/{task.id}", data={"statement": "stated", "content": "我公司已整改，请求从轻处罚"}
    )
    assert r.status_code == 302, _text(r)[:2000]
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    assert [s.content for s in case.statements] == ["我公司已整改，请求从轻处罚"]
    # another enterprise's manager cannot even see the task
    assert login(world.manager_b).get(f"/tasks/{task.id}").status_code == 404


# --- proposals -------------------------------------------------------------------------------------


def test_proposals_list_keeps_open_items_first(login, world, make_proposal, make_case):
    make_case().file()  # its proposal is filed
    open_one = make_proposal(facts="待处理的线索")
    commit()
    html = _text(login(world.section_head).get("/cases/proposals"))
    rows = re.findall(r'data-proposal-id="(\d+)"', html)
    assert rows[0] == str(open_one.id) and "待处理的线索" in html
    assert login(world.officer).get("/cases/").status_code == 200
    assert "1 待处理" in _text(login(world.officer).get("/cases/"))


def test_register_file_and_decline_proposals(login, world):
    officer = login(world.officer)
    assert officer.get("/cases/proposals/new").status_code == 200
    r = officer.post(
        "/cases/proposals/new", data={"enterprise_id": str(world.ent_a.id), "source": "举报", "facts": ""}
    )
    assert r.status_code == 422 and "违法事实" in _text(r)
    r = officer.post(
        "/cases/proposals/new",
        data={"enterprise_id": str(world.ent_other.id), "source": "举报", "facts": "举报未培训"},
    )
    assert r.status_code == 422 and "举报未培训" in _text(r)  # another county's enterprise: refused, kept
    r = officer.post(
        "/cases/proposals/new",
        data={
            "enterprise_id": str(world.ent_a.id),
            "source": "举报",
            "facts": "举报未开展安全培训",
            "act_date": (clock.today() - timedelta(days=5)).isoformat(),
        },
    )
    assert r.status_code == 302
    commit()
    p = db.session.query(CaseProposal).one()
    page = _text(officer.get(f"/cases/proposals/{p.id}"))
    assert "立案审批表" in page and "举报未开展安全培训" in page
    # 立案 with one officer: refused next to the field, what was typed kept
    r = officer.post(
        f"/cases/proposals/{p.id}/file",
        data={
            "name": "某公司涉嫌未培训案",
            "facts": "未培训",
            "provisions": "第二十八条",
            "act_date": p.act_date.isoformat(),
            "officer_ids": [str(world.officer.id)],
        },
    )
    assert r.status_code == 422 and "某公司涉嫌未培训案" in _text(r)
    r = officer.post(
        f"/cases/proposals/{p.id}/file",
        data={
            "name": "某公司涉嫌未培训案",
            "facts": "未培训",
            "provisions": "第二十八条",
            "act_date": p.act_date.isoformat(),
            "officer_ids": [str(world.officer.id), str(world.officer2.id)],
        },
    )
    assert r.status_code == 302, _text(r)[:2000]
    commit()
    case = db.session.query(PenaltyCase).one()
    assert case.status == CaseStatus.FILING and f"/cases/{case.id}" in r.headers["Location"]

    other = CaseProposal(
        source="举报",
        enterprise_id=world.ent_a.id,
        region_path=world.ent_a.region_path,
        facts="另一条线索",
        received_on=clock.today(),
    )
    db.session.add(other)
    commit()
    assert officer.post(f"/cases/proposals/{other.id}/decline", data={"reason": "不属实"}).status_code == 403
    head = login(world.section_head)
    r = head.post(f"/cases/proposals/{other.id}/decline", data={"reason": ""})
    assert r.status_code == 422 and "不予立案理由" in _text(r)
    assert (
        head.post(f"/cases/proposals/{other.id}/decline", data={"reason": "经核查不属实"}).status_code == 302
    )
    commit()
    assert db.session.get(CaseProposal, other.id).status == ProposalStatus.DECLINED


# --- list filters and paging -----------------------------------------------------------------------


def test_list_filters(login, world, make_case):
    a = make_case(name="甲公司涉嫌未培训案").file().case
    b = make_case(name="乙公司涉嫌未记录案").file().case
    commit()
    officer = login(world.officer)
    assert _rows(_text(officer.get("/cases/", query_string={"q": "未培训"}))) == {a.id}
    assert _rows(_text(officer.get("/cases/", query_string={"q": b.case_no}))) == {b.id}
    assert _rows(_text(officer.get("/cases/", query_string={"status": "调查取证"}))) == {a.id, b.id}
    assert _rows(_text(officer.get("/cases/", query_string={"status": "已结案"}))) == set()
    assert _rows(_text(officer.get("/cases/", query_string={"overdue": "1"}))) == set()
    assert _rows(_text(officer.get("/cases/", query_string={"town": world.town_a.path}))) == {a.id, b.id}
    assert _rows(_text(officer.get("/cases/", query_string={"town": world.town_b.path}))) == set()
    assert _rows(_text(officer.get("/cases/", query_string={"industry": "危险化学品"}))) == set()
    assert _rows(_text(officer.get("/cases/", query_string={"enterprise_id": world.ent_a.id}))) == {
        a.id,
        b.id,
    }
    assert _rows(_text(officer.get("/cases/", query_string={"filed_from": clock.today().isoformat()}))) == {
        a.id,
        b.id,
    }
    assert (
        _rows(
            _text(
                officer.get(
                    "/cases/", query_string={"filed_to": (clock.today() - timedelta(days=1)).isoformat()}
                )
            )
        )
        == set()
    )
    # bad values: 422 naming the parameter
    r = officer.get("/cases/", query_string={"status": "乱写"})
    assert r.status_code == 422 and "案件状态" in _text(r)
    assert officer.get("/cases/", query_string={"after": "bad"}).status_code == 422
    assert officer.get("/cases/", query_string={"page": "99"}).status_code == 422
    assert officer.get("/cases/", query_string={"enterprise_id": world.ent_other.id}).status_code == 422


def test_keyset_paging_walks_every_case_once(world, make_case):
    from app.cases import queries

    ids = []
    for i in range(5):
        clock.freeze(clock.today() + timedelta(days=1))
        ids.append(make_case(name=f"案件{i}").file().case.id)
    db.session.get(PenaltyCase, ids[1]).is_overdue = True
    commit()
    seen, after = [], ""
    while True:
        page = queries.case_page(
            world.officer, queries.CaseFilters.from_args({"after": after} if after else {}), per_page=2
        )
        seen += [c.id for c in page.items]
        if not page.next_after:
            break
        after = page.next_after
    assert seen == [ids[1], ids[4], ids[3], ids[2], ids[0]]  # overdue first, then newest 立案日
    assert page.total == 5
    back = queries.case_page(
        world.officer, queries.CaseFilters.from_args({"before": page.prev_before}), per_page=2
    )
    assert [c.id for c in back.items] == [ids[3], ids[2]]


# --- the admin user form: 执法证有效期 and 法律职业资格 -------------------------------------------------


def _user_form(world, **over) -> dict:
    data = {
        "username": "newlegal",
        "name": "新法制",
        "phone": "13900000001",
        "roles": [Role.OFFICER.value],
        "department_id": str(world.brigade.id),
        "enterprise_id": "",
        "cert_no": "34130098",
        "cert_expires_on": "2030-06-30",
        "legal_qualification_no": "",
        "password": "Xiao@County9",
        "password_confirm": "Xiao@County9",
    }
    data.update(over)
    return data


def test_admin_records_certificate_expiry_and_legal_qualification(login, world):
    from sqlalchemy import select

    from app.auth.models import User

    admin = login(world.admin)
    page = _text(admin.get("/admin/users/new"))
    assert "执法证有效期至" in page and "法律职业资格证书编号" in page
    # a bad date and a qualification for a non-reviewer: both refused next to their fields, nothing typed lost
    r = admin.post(
        "/admin/users/new",
        data=_user_form(world, cert_expires_on="2030-13-45", legal_qualification_no="A20183401000999"),
    )
    html = _text(r)
    assert r.status_code == 422
    assert "执法证有效期至应为日期" in html and "仅适用于法制审核人员" in html
    assert "A20183401000999" in html and "新法制" in html and "2030-13-45" in html
    r = admin.post(
        "/admin/users/new",
        data=_user_form(
            world,
            roles=[Role.OFFICER.value, Role.LEGAL_REVIEWER.value],
            legal_qualification_no="A20183401000999",
        ),
    )
    assert r.status_code == 302, _text(r)[:2000]
    commit()
    user = db.session.scalar(select(User).where(User.username == "newlegal"))
    assert (
        user.cert_expires_on.isoformat() == "2030-06-30" and user.legal_qualification_no == "A20183401000999"
    )
    assert user.cert_valid_on(clock.today())
    edit = _text(admin.get(f"/admin/users/{user.id}/edit"))
    assert 'value="2030-06-30"' in edit and 'value="A20183401000999"' in edit
    form = _user_form(
        world,
        roles=[Role.OFFICER.value, Role.LEGAL_REVIEWER.value],
        cert_expires_on="2026-01-01",
        legal_qualification_no="A20183401000999",
    )
    del form["username"], form["password"], form["password_confirm"]
    assert admin.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    commit()
    user = db.session.get(User, user.id)
    assert not user.cert_valid_on(clock.today())  # expired: no longer offered as a case officer
    from app.cases.choices import officers

    assert user.id not in [uid for uid, _label in officers(world.section_head, {})]


def test_a_referred_hazard_is_an_open_proposal_linking_to_its_hazard(login, world, make_hazard, upload):
    from tests.cases.test_referral import _proposal, _refer

    h = _refer(make_hazard, world, upload)
    p = _proposal(h)
    commit()
    head = login(world.section_head)
    listing = _text(head.get("/cases/proposals"))
    assert f'data-proposal-id="{p.id}"' in listing and "隐患移送" in listing
    page = _text(head.get(f"/cases/proposals/{p.id}"))
    assert f'href="/hazards/{h.id}"' in page and "立案审批表" in page and "不予立案" in page
    assert login(world.other_officer).get(f"/cases/proposals/{p.id}").status_code == 404
