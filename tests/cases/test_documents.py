"""The penalty case's 执法文书 print on A4 with their numbers (the case's shared serial) and the legal content the
law requires (大写 amounts, rights and their windows, remedies); the party opens what was served on it, never
the agency's internal documents; the 执法案卷 (首页 and 卷内目录) prints from the case's documents."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app import clock
from app.cases import gates
from app.cases import operations as ops
from app.cases.operations.common import case_document
from app.documents import documents_for
from tests.factories.db import commit


def _doc(case, code, n=-1):
    return [d for d in documents_for(case, include_voided=False) if d.doc_type == code][n]


def _page(client, doc) -> str:
    resp = client.get(f"/documents/{doc.id}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    html = resp.get_data(as_text=True)
    assert f'data-testid="doc-number">{doc.number.text}<' in html
    return html


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _decided(world, make_case, lines=None, hearing=False):
    """A case walked to a served 行政处罚决定书 (the waiver path; every case is reviewed in 宿州)."""
    w = make_case().file().evidence().report(lines=lines).notify()
    case = w.case
    w.waive()
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，证据确凿，程序合法",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    return w


def _task(case, bpmn_id):
    from app import workflow

    return next(t for t in workflow.ready_tasks(workflow.instance_for(case)) if t.bpmn_id == bpmn_id)


def _facts(client, case, bpmn_id) -> str:
    resp = client.get(f"/tasks/{_task(case, bpmn_id).id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-testid="task-facts"' in html, bpmn_id
    return _text(html[html.index('data-testid="task-facts"') :])


def test_decision_path_documents_print_with_numbers_and_legal_content(world, make_case, login):
    w = _decided(world, make_case)
    case = w.case
    c = login(world.officer)
    filing = _text(_page(c, _doc(case, "case_filing")))
    assert "两年追责时效至2028年10月23日" in filing
    assert "王执法（执法证号34130001）〔主办〕" in filing and "赵执法（执法证号34130002）" in filing
    assert "负责人审批意见同意：批准签名：周局长" in filing and "萧县龙城机械制造有限公司" in filing

    report = _text(_page(c, _doc(case, "investigation_report")))
    assert "询问笔录（李四）" in report and "一般20,000.00元至50,000.00元" in report

    notice = _text(_page(c, _doc(case, "penalty_notice")))
    assert notice.startswith("行政处罚告知书") and "（萧）应急罚告〔2026〕1号" in notice
    assert "处罚款人民币30,000.00元（大写：叁万元整）" in notice
    assert "违反《安全生产法》第四十一条第二款的规定，依据《安全生产法》第九十七条第五项的规定" in notice
    assert "收到本告知书之日起3个工作日内" in notice and "视为放弃上述权利" in notice
    assert "要求举行听证" not in notice  # 30000 < the 安徽 unit threshold: no hearing right
    assert "王执法0557-5000001" in notice

    decision_doc = _doc(case, "penalty_decision")
    assert decision_doc.number.text == "（萧）应急罚〔2026〕1号"
    decision = _text(_page(c, decision_doc))
    assert "本机关决定给予你单位罚款人民币30,000.00元（大写：叁万元整）的行政处罚。" in decision
    assert "收到本决定书之日起15日内" in decision
    assert "每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额" in decision
    assert (
        "六十日内向萧县人民政府申请行政复议" in decision and "六个月内依法向人民法院提起行政诉讼" in decision
    )
    assert "不停止本决定的执行" in decision and "当事人书面放弃陈述申辩和听证。" in decision
    assert "应急〔2024〕90号" in decision and "（印章）" in _page(c, decision_doc)

    receipts = [d for d in documents_for(case) if d.doc_type == "service_receipt"]
    assert [d.number.text for d in receipts] == ["（萧）应急回〔2026〕1号", "（萧）应急回〔2026〕1-2号"]
    second = _text(_page(c, receipts[1]))
    assert "行政处罚决定书（萧）应急罚〔2026〕1号" in second and "直接送达" in second

    review = _text(_page(c, _doc(case, "legal_review")))
    assert "★系统核验通过" in review and "法律职业资格证书编号：A20183401000123" in review
    form = _text(_page(c, _doc(case, "case_decision_form")))
    assert "须经法制审核" in form and "书面放弃" in form


def test_the_party_opens_its_decision_but_not_the_internal_documents(world, make_case, login):
    w = _decided(world, make_case)
    party = login(world.manager_a)
    assert party.get(f"/documents/{_doc(w.case, 'penalty_decision').id}").status_code == 200
    assert party.get(f"/documents/{_doc(w.case, 'penalty_notice').id}").status_code == 200
    for code in ("legal_review", "case_decision_form", "case_filing", "investigation_report"):
        assert party.get(f"/documents/{_doc(w.case, code).id}").status_code == 404, code
    assert party.get(f"/cases/{w.case.id}/casefile").status_code == 404
    assert (
        login(world.other_officer).get(f"/documents/{_doc(w.case, 'penalty_decision').id}").status_code == 404
    )


def test_hearing_notice_states_the_hearing_right_and_its_window(world, make_case, login):
    line = {
        "target": "单位",
        "kinds": ["罚款"],
        "fine": Decimal("50000"),
    }  # at the 安徽 threshold (以上含本数)
    w = make_case().file().evidence().report(lines=[line]).notify()
    commit()
    doc = _doc(w.case, "hearing_notice")
    assert doc.number.text == "（萧）应急听告〔2026〕1号"
    html = _text(_page(login(world.officer), doc))
    assert html.startswith("行政处罚（听证）告知书")
    assert "处罚款人民币50,000.00元（大写：伍万元整）" in html
    assert "收到本告知书之日起5个工作日内向本机关提出听证申请" in html
    assert "逾期未提出陈述、申辩或者听证申请的，视为放弃上述权利" in html


OTHER_DOCUMENTS = [
    (
        "inquiry_notice",
        {"to": "李四", "when": "2026年11月5日9时", "place": "县应急管理局301室"},
        ["如实回答"],
    ),
    (
        "hearing_meeting_notice",
        {"hearing_on": "2026-11-20", "place": "听证室", "presiding": "钱法制", "public": True},
        ["2026年11月20日", "公开举行听证会", "申请回避"],
    ),
    (
        "hearing_record",
        {"record": "调查人员陈述……", "attendees": "李四", "party_signed": False, "held_on": "2026-11-20"},
        ["当事人拒绝签字"],
    ),
    ("hearing_report", {"report": "事实清楚", "recommendation": "维持"}, ["处理建议维持"]),
    (
        "discussion_record",
        {
            "held_on": "2026-11-02",
            "place": "会议室",
            "chair": "周局长",
            "presenter": "王执法",
            "opinions": [{"name": "周局长", "opinion": "同意"}],
            "conclusion": "同意处罚",
        },
        ["周局长：同意", "同意处罚"],
    ),
    (
        "no_penalty_decision",
        {
            "outcome": "不予行政处罚",
            "reason": "首违",
            "facts": "初次违法",
            "remedy": "如不服本决定，可以在收到本决定书之日起六十日内向萧县人民政府申请行政复议",
        },
        ["初次违法且危害后果轻微并及时改正", "六十日内向萧县人民政府"],
    ),
    (
        "case_closing",
        {
            "filed_on": "2026-11-02",
            "outcome": "给予行政处罚",
            "reason": "执行完毕",
            "summary": "已缴清",
            "performance": {
                "payments": [
                    {"kind": "罚款", "paid_on": "2026-11-02", "amount": "30000", "receipt_no": "PJ001"}
                ],
                "remedies": [],
                "closing_reason": "执行完毕",
            },
        },
        ["30,000.00元（票据号PJ001）", "执行完毕"],
    ),
    (
        "transfer_approval",
        {
            "suspected_crime": "重大责任事故罪",
            "reasons": "涉嫌犯罪",
            "evidence": "询问笔录",
            "reporters": ["王执法", "赵执法"],
            "opinion": "同意移送",
            "decided_by": "周局长",
        },
        ["重大责任事故罪", "王执法、赵执法"],
    ),
    (
        "crime_transfer",
        {
            "suspected_crime": "重大责任事故罪",
            "reasons": "涉嫌犯罪",
            "evidence": "询问笔录",
            "receiving_organ": "萧县公安局",
            "procuratorate": "萧县人民检察院",
        },
        ["萧县公安局：", "抄送：萧县人民检察院"],
    ),
    (
        "payment_reminder",
        {
            "payment_due": "2026-11-17",
            "principal": "30000",
            "paid": "0",
            "owed_principal": "30000",
            "surcharge": "900",
            "surcharge_days": 1,
            "as_of": "2026-11-18",
            "perform_within_days": 10,
        },
        ["合计应缴30,900.00元", "10日内"],
    ),
    (
        "payment_arrangement",
        {
            "kind": "分期",
            "reason": "资金困难",
            "principal": "30000",
            "schedule": [{"due": "2026-12-01", "amount": "15000"}, {"due": "2027-01-04", "amount": "15000"}],
        },
        ["同意你单位分期缴纳罚款", "2027年1月4日前", "15,000.00元"],
    ),
    (
        "enforcement_application",
        {
            "court": "萧县人民法院",
            "principal": "30000",
            "owed_principal": "30000",
            "surcharge": "30000",
            "as_of": "2027-01-10",
            "reminder_served_on": "2026-12-01",
            "decision_served_on": "2026-11-02",
        },
        ["萧县人民法院：", "合计60,000.00元", "2026年12月1日送达催告书"],
    ),
    (
        "preservation_notice",
        {"items": [{"name": "配电箱", "quantity": "1台"}], "dispose_due": "2026-11-11"},
        ["配电箱", "2026年11月11日前"],
    ),
    (
        "preservation_decision",
        {"items": [{"name": "配电箱", "quantity": "1台", "disposal": "解除保存"}]},
        ["解除保存"],
    ),
    (
        "simple_decision",
        {
            "facts": "未佩戴安全帽",
            "basis": "违反《安全生产法》第五十七条",
            "kinds": ["罚款"],
            "fine": "200",
            "fine_capital": "贰佰元整",
            "party_signed": False,
        },
        ["处罚款人民币200.00元（大写：贰佰元整）", "当事人拒绝签名", "不停止本决定的执行"],
    ),
]


@pytest.mark.parametrize("code,content,expected", OTHER_DOCUMENTS, ids=[d[0] for d in OTHER_DOCUMENTS])
def test_other_case_documents_print_from_their_content(world, make_case, login, code, content, expected):
    w = make_case().file()
    doc = case_document(w.case, code, content, actor=world.officer)
    commit()
    assert doc.number.serial == w.case.serial
    html = _text(_page(login(world.officer), doc))
    for text in expected:
        assert text in html, (code, text)


def test_an_old_snapshot_without_the_newer_keys_still_prints(world, make_case, login):
    """Documents are locked once issued: a template meets content written before a key existed."""
    w = make_case().file()
    doc = case_document(
        w.case, "penalty_decision", {"lines": [{"party_name": "甲公司", "fine": "1000"}]}, actor=world.officer
    )
    commit()
    html = _text(_page(login(world.officer), doc))
    assert "本机关决定给予你单位罚款人民币1,000.00元的行政处罚。" in html and "15日内" in html


def test_task_facts_render_for_each_task(world, make_case, login):
    officer, head, leader = login(world.officer), login(world.section_head), login(world.leader)
    w = make_case()
    case = w.case
    facts = _facts(head, case, "approve_filing")
    assert "两年，至2028-10-23" in facts and "有效期至" in facts and "承办人意见：提请立案" in facts
    ops.approve_filing(case, {"filing_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    commit()
    assert "承办机构负责人意见：同意" in _facts(leader, case, "decide_filing")
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    w.evidence()
    case.violation_code, case.violation_version = "AQSCF-97-5", None
    commit()
    facts = _facts(officer, case, "investigate")
    assert "询问笔录（李四）" in facts and "一般" in facts
    case.violation_code = None
    w.report()
    commit()
    facts = _facts(officer, case, "issue_notice")
    assert "将制作：行政处罚告知书" in facts and "伍万元" not in facts and "50,000.00元以上" in facts
    ops.issue_notice(case, {"contact": "王执法"}, actor=world.officer)
    commit()
    assert "行政处罚告知书（萧）应急罚告〔2026〕1号" in _facts(officer, case, "serve_notice")
    ops.serve_notice(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    facts = _facts(login(world.manager_a), case, "state_case")
    assert "罚款30000.00元（叁万元整）" in facts and "陈述和申辩，期限至" in facts
    w.waive()
    commit()
    assert "书面放弃" in _facts(officer, case, "prepare_decision")
    ops.prepare_decision(case, {"opinion": "按告知处罚"}, actor=world.officer)
    commit()
    facts = _facts(login(world.legal), case, "legal_review")
    assert "★主体合法" in facts and "案件处理呈批表" in facts
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "同意",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    commit()
    facts = _facts(leader, case, "decide")
    assert "✓法制审核" in facts and "叁万元整" in facts and "✗" not in facts
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    commit()
    assert "行政处罚决定书（萧）应急罚〔2026〕1号" in _facts(officer, case, "serve_decision")
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    facts = _facts(officer, case, "execute")
    assert "尚欠30,000.00元（叁万元整）" in facts
    ops.record_payment(
        case, {"paid_on": clock.today(), "amount": Decimal("30000"), "receipt_no": "PJ1"}, actor=world.officer
    )
    ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=world.officer)
    commit()
    assert "案卷齐全" in _facts(officer, case, "close_case")
    ops.close_case(case, {"summary": "已缴清"}, actor=world.officer)
    commit()
    assert "结案审批表" in _facts(leader, case, "approve_closing")
    ops.approve_closing(case, {"closing_decision": "agree", "opinion": "同意"}, actor=world.leader)
    commit()
    page = _text(officer.get(f"/cases/{case.id}/casefile").get_data(as_text=True))
    assert "归档号：2026-1" in page and "（萧）应急立〔2026〕1号" in page and "保管期限长期" in page
    assert page.index("立案审批表") < page.index("行政处罚决定书") < page.index("结案审批表")


def test_decide_facts_show_the_failing_gate(world, make_case, login):
    w = make_case().file().evidence().report().notify()  # not waived: the windows are still open
    case = w.case
    ops.state_case(case, {"statement": "stated", "content": "已整改"}, actor=world.manager_a)
    ops.review_statement(
        case, {"review_result": "不采纳", "review_reason": "理由不成立"}, actor=world.officer
    )
    ops.prepare_decision(case, {"opinion": "按告知处罚"}, actor=world.officer)
    commit()
    facts = _facts(login(world.legal), case, "legal_review")
    assert "未通过" in facts and "期限至" in facts


def test_filing_facts_warn_of_another_case_on_the_same_act(world, make_case, login):
    first = make_case().file()
    second = make_case()
    commit()
    facts = _facts(login(world.section_head), second.case, "approve_filing")
    assert "同一当事人、同一违法行为已有案件" in facts and first.case.case_no in facts
    investigate = _facts(login(world.officer), first.case, "investigate")  # warned again at 调查终结
    assert "同一当事人、同一违法行为的其他案件" in investigate and second.case.display_no in investigate
