"""The case page's 执行 and 办案期限 forms (延期/分期 application by the party and by the officer, its approval,
复议/诉讼 and outcome, 催告书 and its service, 强制执行申请 in its window, 延长办案期限), the proposal page's links
to 当场处罚 / 不予处罚 / 移送, 先行登记保存 on the case page, and the 负责人's 提请关闭 page; their API twins.
Each: works for its user, shown only at its stage, refused to another county's officer (404), the wrong role
(403) and another enterprise (404), and a bad submission keeps what was typed with the message by its field."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app import clock
from app.cases import legal_time
from app.cases.models import (
    CaseClosureProposal,
    ClosureProposalStatus,
    EnforcementStep,
    PaymentArrangement,
    PenaltyCase,
)
from app.cases.operations import execution as ex
from app.cases.rules import pack_for
from app.extensions import db
from tests.cases.walk import to_execution
from tests.factories.clock import at
from tests.factories.db import commit

DUE = date(2026, 11, 17)  # served on the frozen day 2026-11-02 + 15 days


def _text(r) -> str:
    return r.get_data(as_text=True)


def on(d: date) -> None:
    clock.freeze(at(d))


def executing(world, make_case) -> PenaltyCase:
    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    assert case.payment_due == DUE
    return case


def _reload(case_id: int) -> PenaltyCase:
    db.session.expire_all()
    return db.session.get(PenaltyCase, case_id)


# --- 延期 / 分期 ---------------------------------------------------------------------------------------


def test_party_applies_for_deferral_on_its_own_case_and_section_head_approves(login, world, make_case):
    case = executing(world, make_case)
    on(date(2026, 11, 10))
    manager = login(world.manager_a)
    page = _text(manager.get(f"/cases/{case.id}"))
    assert 'data-testid="form-case_arrangement_apply"' in page and "现缴款期限：2026-11-17" in page
    r = manager.post(
        f"/cases/{case.id}/arrangements",
        data={"kind": "延期", "new_due": "2026-12-31", "reason": "资金周转困难"},
    )
    assert r.status_code == 302 and "done=arrangement_applied" in r.headers["Location"]
    html = _text(manager.get(r.headers["Location"]))
    assert "延期（分期）缴纳申请已提交" in html and "待审批" in html
    assert 'data-testid="form-case_arrangement_apply"' not in html  # one pending at a time

    # only a section head / leader of the jurisdiction sees and uses the approval
    assert 'data-testid="form-case_arrangement_decide"' not in _text(
        login(world.officer2).get(f"/cases/{case.id}")
    )
    assert (
        login(world.officer2)
        .post(f"/cases/{case.id}/arrangements/decision", data={"approved": "yes"})
        .status_code
        == 403
    )
    assert (
        login(world.other_officer)
        .post(f"/cases/{case.id}/arrangements/decision", data={"approved": "yes"})
        .status_code
        == 404
    )
    assert (
        manager.post(f"/cases/{case.id}/arrangements/decision", data={"approved": "yes"}).status_code == 403
    )
    head = login(world.section_head)
    assert 'data-testid="form-case_arrangement_decide"' in _text(head.get(f"/cases/{case.id}"))
    r = head.post(f"/cases/{case.id}/arrangements/decision", data={"approved": "no", "opinion": ""})
    assert r.status_code == 422
    assert "不予批准的，请写明理由" in _text(r) and "is-invalid" in _text(r)
    assert 'data-testid="approved-no" checked' in _text(r)
    r = head.post(f"/cases/{case.id}/arrangements/decision", data={"approved": "yes", "opinion": "同意延期"})
    assert r.status_code == 302
    case = _reload(case.id)
    assert case.payment_due == date(2026, 12, 31)
    assert case.arrangements[0].approved is True and case.arrangements[0].document_id is not None
    # the party reads the decision and opens its 批准书 from its own case page
    html = _text(manager.get(f"/cases/{case.id}"))
    doc_id = case.arrangements[0].document_id
    assert "已批准" in html and f'href="/cases/{case.id}/documents/{doc_id}"' in html
    assert manager.get(f"/cases/{case.id}/documents/{doc_id}").status_code == 302
    assert "现缴款期限：2026-12-31" in html  # a further application counts from the new deadline


def test_arrangement_refused_to_others_and_bad_input_kept(login, world, make_case):
    case = executing(world, make_case)
    on(date(2026, 11, 10))
    data = {"kind": "延期", "new_due": "2026-12-31", "reason": "困难"}
    assert login(world.manager_b).post(f"/cases/{case.id}/arrangements", data=data).status_code == 404
    assert login(world.other_officer).post(f"/cases/{case.id}/arrangements", data=data).status_code == 404
    assert login(world.legal).post(f"/cases/{case.id}/arrangements", data=data).status_code == 403
    assert 'data-testid="form-case_arrangement_apply"' not in _text(
        login(world.legal).get(f"/cases/{case.id}")
    )
    # 分期 whose amounts do not add up: refused next to the schedule, the rows kept
    r = login(world.officer).post(
        f"/cases/{case.id}/arrangements",
        data={
            "kind": "分期",
            "schedule-0-date": "2026-11-30",
            "schedule-0-amount": "10000",
            "schedule-1-date": "2026-12-31",
            "schedule-1-amount": "10000",
            "reason": "资金紧张需分期",
        },
    )
    html = _text(r)
    assert r.status_code == 422
    assert "合计20000.00元，应等于罚款数额30000" in html or "应等于罚款数额30000" in html
    assert "资金紧张需分期" in html and "2026-11-30" in html and "invalid-feedback" in html
    assert db.session.scalar(select(PaymentArrangement.id)) is None
    # after the deadline the form is gone and the route refuses it
    on(DUE + timedelta(days=1))
    assert 'data-testid="form-case_arrangement_apply"' not in _text(
        login(world.manager_a).get(f"/cases/{case.id}")
    )
    r = login(world.manager_a).post(f"/cases/{case.id}/arrangements", data=data)
    assert r.status_code == 422 and "缴款期限已于2026年11月17日届满" in _text(r)


# --- 复议 / 诉讼 ---------------------------------------------------------------------------------------


def test_remedy_filing_and_outcome(login, world, make_case):
    case = executing(world, make_case)
    on(date(2026, 11, 20))
    officer = login(world.officer)
    assert 'data-testid="form-case_remedy_file"' in _text(officer.get(f"/cases/{case.id}"))
    for who, code in (
        (world.other_officer, 404),
        (world.manager_a, 403),
        (world.legal, 403),
        (world.manager_b, 404),
    ):
        assert login(who).post(f"/cases/{case.id}/remedies", data={"kind": "行政复议"}).status_code == code, (
            who
        )
    r = officer.post(
        f"/cases/{case.id}/remedies",
        data={"kind": "行政复议", "body": "", "filed_on": "2026-11-20", "note": "当事人不服"},
    )
    assert r.status_code == 422 and "当事人不服" in _text(r) and "is-invalid" in _text(r)
    r = officer.post(
        f"/cases/{case.id}/remedies",
        data={"kind": "行政复议", "body": "萧县人民政府", "filed_on": "2026-11-20"},
    )
    assert r.status_code == 302 and "done=remedy_filed" in r.headers["Location"]
    html = _text(officer.get(f"/cases/{case.id}"))
    assert "审理中，期间不加处罚款" in html
    assert (
        'data-testid="form-case_remedy_file"' not in html and 'data-testid="form-case_remedy_decide"' in html
    )
    # 变更 without a document number: refused next to ref, the new fine kept
    line = case.lines[0]
    on(date(2026, 11, 30))
    bad = {
        "outcome": "变更",
        "outcome_on": "2026-11-30",
        "ref": "",
        "lines-0-id": str(line.id),
        "lines-0-fine": "12345",
    }
    head = login(world.section_head)  # changing the decided penalty: the 承办机构负责人 records it
    r = head.post(f"/cases/{case.id}/remedies/outcome", data=bad)
    assert r.status_code == 422 and "请填写复议决定书或裁判文书文号" in _text(r) and "12345" in _text(r)
    assert login(world.other_officer).post(f"/cases/{case.id}/remedies/outcome", data=bad).status_code == 404
    assert login(world.leader).post(f"/cases/{case.id}/remedies/outcome", data=bad).status_code == 403
    good = {**bad, "ref": "萧政复决〔2026〕9号"}
    assert officer.post(f"/cases/{case.id}/remedies/outcome", data=good).status_code == 403
    r = head.post(f"/cases/{case.id}/remedies/outcome", data=good)
    assert r.status_code == 302
    case = _reload(case.id)
    assert case.remedies[0].outcome == "变更" and case.lines[0].decided_fine == Decimal("12345")


# --- 催告 and 强制执行 -------------------------------------------------------------------------------------


def test_reminder_only_after_the_deadline_then_service_and_enforcement_in_its_window(login, world, make_case):
    case = executing(world, make_case)
    officer = login(world.officer)
    on(DUE)
    html = _text(officer.get(f"/cases/{case.id}"))
    assert (
        'data-testid="form-case_reminder"' not in html and 'data-testid="form-case_enforcement"' not in html
    )
    assert (
        officer.post(f"/cases/{case.id}/reminders", data={"confirmed": "y"}).status_code == 422
    )  # op refuses
    on(DUE + timedelta(days=3))
    html = _text(officer.get(f"/cases/{case.id}"))
    assert 'data-testid="form-case_reminder"' in html and 'data-testid="overdue-since"' in html
    assert 'data-testid="enforcement-window"' in html  # the window's dates are shown once overdue
    assert 'data-testid="form-case_reminder"' not in _text(login(world.legal).get(f"/cases/{case.id}"))
    assert login(world.legal).post(f"/cases/{case.id}/reminders", data={"confirmed": "y"}).status_code == 403
    assert (
        login(world.other_officer).post(f"/cases/{case.id}/reminders", data={"confirmed": "y"}).status_code
        == 404
    )
    r = officer.post(f"/cases/{case.id}/reminders", data={})
    assert r.status_code == 422 and "is-invalid" in _text(r)
    r = officer.post(f"/cases/{case.id}/reminders", data={"confirmed": "y"})
    assert r.status_code == 302 and "done=reminder" in r.headers["Location"]
    html = _text(officer.get(r.headers["Location"]))
    assert "罚款缴纳催告书已制发" in html and 'data-testid="form-case_reminder_service"' in html
    assert 'data-testid="form-case_reminder"' not in html  # the next one only after this one is served
    # service: the typed recipient kept when the witnesses of a 留置送达 are missing
    r = officer.post(
        f"/cases/{case.id}/reminders/service",
        data={"method": "留置送达", "served_on": clock.today().isoformat(), "recipient": "李四签收"},
    )
    assert r.status_code == 422 and "李四签收" in _text(r) and "is-invalid" in _text(r)
    assert login(world.manager_a).post(f"/cases/{case.id}/reminders/service", data={}).status_code == 403
    r = officer.post(
        f"/cases/{case.id}/reminders/service",
        data={"method": "直接送达", "served_on": clock.today().isoformat(), "recipient": "李四"},
    )
    assert r.status_code == 302
    case = _reload(case.id)
    opens, closes = ex.enforcement_window(case)
    remedy_closes = legal_time.remedy_window_closes(case.decision_served_on, pack_for(case.region_path, DUE))
    assert opens == remedy_closes + timedelta(days=1)
    html = _text(officer.get(f"/cases/{case.id}"))
    assert f"自 {opens:%Y-%m-%d} 起，至 {closes:%Y-%m-%d} 止（尚未到申请期）" in html
    assert 'data-testid="form-case_enforcement"' not in html
    r = officer.post(f"/cases/{case.id}/enforcement", data={"court": "萧县人民法院"})
    assert r.status_code == 422 and f"{opens:%Y年%m月%d日}起" in _text(
        r
    )  # the operation's window, by the field
    on(opens)
    html = _text(officer.get(f"/cases/{case.id}"))
    assert 'data-testid="form-case_enforcement"' in html
    assert 'data-testid="form-case_enforcement"' not in _text(login(world.leader).get(f"/cases/{case.id}"))
    assert login(world.leader).post(f"/cases/{case.id}/enforcement", data={"court": "x"}).status_code == 403
    assert (
        login(world.other_officer).post(f"/cases/{case.id}/enforcement", data={"court": "x"}).status_code
        == 404
    )
    r = officer.post(f"/cases/{case.id}/enforcement", data={"court": ""})
    assert r.status_code == 422 and "is-invalid" in _text(r)
    r = officer.post(f"/cases/{case.id}/enforcement", data={"court": "萧县人民法院"})
    assert r.status_code == 302 and "done=enforcement" in r.headers["Location"]
    kinds = list(db.session.scalars(select(EnforcementStep.kind).where(EnforcementStep.case_id == case.id)))
    assert kinds == ["催告书", "强制执行申请书"]


# --- 延长办案期限 ----------------------------------------------------------------------------------------


def test_leader_extends_the_deadline(login, world, make_case):
    case = make_case().file().case
    commit()
    due = case.decision_due
    leader = login(world.leader)
    html = _text(leader.get(f"/cases/{case.id}"))
    assert 'data-testid="form-case_extension"' in html and "延长至180日以内须经上一级应急管理部门批准" in html
    assert 'data-testid="form-case_extension"' not in _text(login(world.officer).get(f"/cases/{case.id}"))
    body = {"days": "30", "approved_on": clock.today().isoformat(), "reason": "案情复杂需补充鉴定"}
    assert login(world.officer).post(f"/cases/{case.id}/extension", data=body).status_code == 403
    assert login(world.section_head).post(f"/cases/{case.id}/extension", data=body).status_code == 403
    assert login(world.other_officer).post(f"/cases/{case.id}/extension", data=body).status_code == 404
    assert login(world.manager_a).post(f"/cases/{case.id}/extension", data=body).status_code == 403
    r = leader.post(f"/cases/{case.id}/extension", data={**body, "days": "0"})
    assert r.status_code == 422 and "案情复杂需补充鉴定" in _text(r) and "is-invalid" in _text(r)
    # the pack's step to 180 days needs the upper-level agency's approval: its name, next to the field
    r = leader.post(f"/cases/{case.id}/extension", data=body)
    assert r.status_code == 422 and "须经上一级应急管理部门批准，请填写批准机关" in _text(r)
    assert "案情复杂需补充鉴定" in _text(r) and 'id="f-approver"' in _text(r)
    body |= {"approver": "宿州市应急管理局", "approval_ref": "宿应急函〔2026〕12号"}
    r = leader.post(f"/cases/{case.id}/extension", data=body)
    assert r.status_code == 302 and "done=extension" in r.headers["Location"]
    case = _reload(case.id)
    assert case.extra_days == 30 and case.decision_due > due
    assert "办案期限已延长" in _text(leader.get(r.headers["Location"]))


# --- links: proposal side procedures, 先行登记保存 ------------------------------------------------------------


def test_proposal_page_links_the_side_procedures_by_role(login, world, make_proposal):
    p = make_proposal()
    commit()
    officer = _text(login(world.officer).get(f"/cases/proposals/{p.id}"))
    assert f'href="/cases/proposals/{p.id}/simple"' in officer
    assert f'href="/cases/proposals/{p.id}/transfer"' in officer
    assert f'href="/cases/proposals/{p.id}/no-penalty"' not in officer
    leader = _text(login(world.leader).get(f"/cases/proposals/{p.id}"))
    assert f'href="/cases/proposals/{p.id}/no-penalty"' in leader
    assert f'href="/cases/proposals/{p.id}/simple"' not in leader
    assert login(world.officer).get(f"/cases/proposals/{p.id}/simple").status_code == 200
    assert login(world.other_officer).get(f"/cases/proposals/{p.id}").status_code == 404


def test_case_page_links_preservation_and_lists_its_items(login, world, make_case):
    from app.cases import operations as ops

    case = make_case().file().case
    ops.request_preservation(
        case,
        {
            "items": [{"name": "灭火器", "spec": "4kg", "quantity": "3"}],
            "place": "仓库",
            "custodian": "李四",
            "witnesses": "张三",
            "reason": "可能灭失",
        },
        actor=world.officer,
    )
    commit()
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    assert f'href="/cases/{case.id}/preservation"' in html
    assert "先行登记保存：灭火器" in html and "待批准" in html
    legal = _text(login(world.legal).get(f"/cases/{case.id}"))
    assert "先行登记保存：灭火器" in legal and f'href="/cases/{case.id}/preservation"' not in legal
    assert "先行登记保存：灭火器" not in _text(login(world.manager_a).get(f"/cases/{case.id}"))


# --- 提请关闭 ----------------------------------------------------------------------------------------------


def _closure(world, case) -> CaseClosureProposal:
    c = CaseClosureProposal(
        enterprise_id=case.enterprise_id,
        agency_id=case.agency_id,
        region_path=case.region_path,
        rule="180日内3次",
        window_from=clock.today() - timedelta(days=100),
        window_to=clock.today(),
        count=3,
        case_ids=[case.id],
        trigger_case_id=case.id,
    )
    db.session.add(c)
    commit()
    return c


def test_leader_decides_closure_on_its_page(login, world, make_case):
    case = make_case().file().case
    c = _closure(world, case)
    leader = login(world.leader)
    assert 'href="/cases/closures"' in _text(leader.get(f"/cases/{case.id}"))
    assert 'href="/cases/closures"' in _text(leader.get("/cases/"))  # the case list's header
    page = _text(leader.get("/cases/closures"))
    assert f'data-testid="closure-{c.id}"' in page and world.ent_a.name in page
    for who, code in ((world.officer, 403), (world.section_head, 403), (world.manager_a, 403)):
        assert login(who).get("/cases/closures").status_code == code, who
        assert (
            login(who)
            .post(f"/cases/closures/{c.id}", data={"decision": "submit", "opinion": "x"})
            .status_code
            == code
        )
    from app.auth.models import User

    other_leader = User(username="other_leader", name="砀山局长", department=world.other_bureau)
    other_leader.password_hash = world.leader.password_hash
    other_leader.set_roles(["leader"])
    db.session.add(other_leader)
    commit()
    other = login(other_leader)
    assert f'data-testid="closure-{c.id}"' not in _text(other.get("/cases/closures"))
    assert (
        other.post(f"/cases/closures/{c.id}", data={"decision": "submit", "opinion": "x"}).status_code == 404
    )
    r = leader.post(f"/cases/closures/{c.id}", data={"decision": "dismiss", "opinion": ""})
    assert r.status_code == 422 and "invalid-feedback" in _text(r)
    assert 'data-testid="decision-dismiss" checked' in _text(r)
    r = leader.post(f"/cases/closures/{c.id}", data={"decision": "submit", "opinion": "提请县政府予以关闭"})
    assert r.status_code == 302
    db.session.expire_all()
    c = db.session.get(CaseClosureProposal, c.id)
    assert c.status == ClosureProposalStatus.SUBMITTED and c.decided_by_id == world.leader.id
    assert "提请县政府予以关闭" in _text(leader.get("/cases/closures"))


# --- the API twins -----------------------------------------------------------------------------------


def test_execution_actions_through_the_api(login, world, make_case):
    case = executing(world, make_case)
    on(date(2026, 11, 10))
    url = f"/api/v1/cases/{case.id}"
    body = {"data": {"kind": "延期", "new_due": "2026-12-31", "reason": "资金困难"}}
    assert login(world.manager_b).api("POST", f"{url}/arrangements", json=body).status_code == 404
    assert login(world.legal).api("POST", f"{url}/arrangements", json=body).status_code == 403
    r = login(world.manager_a).api("POST", f"{url}/arrangements", json=body)
    assert r.status_code == 200 and r.json["id"], r.json
    decision = {"data": {"approved": "yes", "opinion": "同意"}}
    assert login(world.officer).api("POST", f"{url}/arrangements/decision", json=decision).status_code == 403
    assert login(world.leader).api("POST", f"{url}/arrangements/decision", json=decision).status_code == 200
    assert _reload(case.id).payment_due == date(2026, 12, 31)

    remedy = {"data": {"kind": "行政诉讼", "body": "萧县人民法院", "filed_on": "2026-11-10"}}
    assert login(world.other_officer).api("POST", f"{url}/remedies", json=remedy).status_code == 404
    assert login(world.officer).api("POST", f"{url}/remedies", json=remedy).status_code == 200
    outcome = {"data": {"outcome": "维持", "outcome_on": "2026-11-10"}}
    assert login(world.manager_a).api("POST", f"{url}/remedies/outcome", json=outcome).status_code == 403
    r = login(world.officer).api("POST", f"{url}/remedies/outcome", json={"data": {"outcome": "乱写"}})
    assert r.status_code == 422 and "outcome" in r.json["field_errors"]
    assert login(world.officer).api("POST", f"{url}/remedies/outcome", json=outcome).status_code == 200

    on(date(2027, 1, 2))  # the deferred date has passed
    assert (
        login(world.legal).api("POST", f"{url}/reminders", json={"data": {"confirmed": "y"}}).status_code
        == 403
    )
    assert (
        login(world.officer).api("POST", f"{url}/reminders", json={"data": {"confirmed": "y"}}).status_code
        == 200
    )
    served = {"data": {"method": "直接送达", "served_on": "2027-01-02", "recipient": "李四"}}
    assert login(world.manager_a).api("POST", f"{url}/reminders/service", json=served).status_code == 403
    assert login(world.officer).api("POST", f"{url}/reminders/service", json=served).status_code == 200
    opens, _closes = ex.enforcement_window(_reload(case.id))
    r = login(world.officer).api("POST", f"{url}/enforcement", json={"data": {"court": "萧县人民法院"}})
    assert r.status_code == 422 and f"{opens:%Y年%m月%d日}" in r.json["field_errors"]["court"]
    on(opens)
    assert (
        login(world.leader)
        .api("POST", f"{url}/enforcement", json={"data": {"court": "萧县人民法院"}})
        .status_code
        == 403
    )
    assert (
        login(world.officer)
        .api("POST", f"{url}/enforcement", json={"data": {"court": "萧县人民法院"}})
        .status_code
        == 200
    )


def test_extension_through_the_api(login, world, make_case):
    case = make_case().file().case
    commit()
    body = {
        "data": {
            "days": "30",
            "approved_on": clock.today().isoformat(),
            "reason": "案情复杂",
            "approver": "宿州市应急管理局",
            "approval_ref": "宿应急函〔2026〕12号",
        }
    }
    url = f"/api/v1/cases/{case.id}/extension"
    assert login(world.officer).api("POST", url, json=body).status_code == 403
    assert login(world.other_officer).api("POST", url, json=body).status_code == 404
    r = login(world.leader).api("POST", url, json={"data": {"days": "x", "reason": "案情复杂"}})
    assert r.status_code == 422 and "days" in r.json["field_errors"]
    assert login(world.leader).api("POST", url, json=body).status_code == 200
    assert _reload(case.id).extra_days == 30
