"""Defects found in the 2026-12-03 user trial of the case pages (a real Chromium, as the real users), each
pinned through the page that showed it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from app import clock
from app.cases.models import PenaltyCase
from app.extensions import db
from tests.cases.walk import review
from tests.factories.db import commit


def _text(r) -> str:
    return r.get_data(as_text=True)


def test_interview_ending_before_it_started_is_refused_next_to_the_field(login, world, make_case):
    case = make_case().file().case
    commit()
    start = clock.now().replace(microsecond=0, second=0, tzinfo=None) - timedelta(hours=2)
    r = login(world.officer).post(
        f"/cases/{case.id}/evidence",
        data={
            "kind": "询问笔录",
            "title": "询问笔录（张三）",
            "collected_on": clock.today().isoformat(),
            "interviewee": "张三",
            "started_at": start.isoformat(timespec="minutes"),
            "ended_at": (start - timedelta(hours=1)).isoformat(timespec="minutes"),
            "qa-0-question": "你在公司担任什么职务？",
            "qa-0-answer": "安全员",
            "rights_explained": "y",
            "signed_every_page": "y",
        },
    )
    html = _text(r)
    assert r.status_code == 422
    assert re.search(r'name="ended_at"[^>]*is-invalid|is-invalid[^>]*name="ended_at"', html), html
    assert "询问结束时间不能早于开始时间" in html
    assert "你在公司担任什么职务？" in html  # nothing typed is lost
    assert len(db.session.get(PenaltyCase, case.id).evidence_items) == 0


def test_sent_back_for_more_investigation_the_report_form_keeps_the_penalty_lines(login, world, make_case):
    """法制审核 建议补充调查 reopens 调查取证: the report form starts from the last report — its text, violation,
    factors and also every penalty line (object, kinds, fine), which the officer had to retype."""
    from tests.cases.walk import task_of, to_legal_review

    w = to_legal_review(world, make_case)
    review(world, w.case, opinion="more", reasons="请补充调取台账原件")
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    line = case.lines[0]
    task = task_of(case, "investigate")
    html = _text(login(world.officer).get(f"/tasks/{task.id}"))
    assert re.search(r'<option value="单位" selected', html), html
    assert re.search(r'name="lines-0-kinds"[^>]*value="罚款"[^>]*checked', html)
    fine_input = re.search(r'<input[^>]*name="lines-0-fine"[^>]*>', html).group(0)
    assert f'value="{line.proposed_fine}"' in fine_input, fine_input


def test_discretion_factors_and_the_chosen_violation_name_no_internal_references(login, world, make_case):
    """Officers saw 《领域规格 §9.1》 (the project's spec) as a factor's basis and the data file's version id
    (2024-11-01.illustrative-1) next to the violation: they read the standard's document number and date."""
    from app.cases import discretion
    from tests.cases.walk import task_of

    assert not [f.key for f in discretion.FACTORS.values() if "领域规格" in f.basis]
    from app.cases import operations as ops

    w = make_case().file().evidence()
    ops.submit_report(
        w.case,
        {
            "report_text": "经调查，当事人未如实记录事故隐患排查治理情况。",
            "outcome": "penalty",
            "violation_code": "AQSCF-97-5",
            "factors": ["major_hazard"],
            "lines": [{"target": "单位", "kinds": ["罚款"], "fine": "60000"}],
        },
        actor=world.officer,
    )
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    html = _text(login(world.section_head).get(f"/tasks/{task_of(case, 'review_report').id}"))
    violation = re.search(r'data-testid="facts-violation">(.*?)</p>', html, re.S).group(1)
    assert "应急〔2024〕90号" in violation and "illustrative" not in violation, violation
    assert "领域规格" not in html


def test_a_case_notified_twice_and_waived_twice_says_so_once_in_the_decision(login, world, make_case):
    """法制审核 sent the case back, it was notified again and the party waived again: the 决定书 said
    “当事人书面放弃陈述申辩和听证；当事人书面放弃陈述申辩和听证。”"""
    from app.cases import operations as ops
    from tests.cases.test_decision_wording import _decide, _decision_text

    w = make_case().file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    review(world, w.case, opinion="more", reasons="请补充调取台账原件")
    w.report().notify().waive()
    assert len(w.case.statements) == 2
    _decide(world, w)
    text = _decision_text(login, world, w.case)
    assert text.count("书面放弃陈述申辩和听证") == 1, text
    assert "当事人书面放弃陈述申辩和听证。" in text


def test_surcharge_line_says_it_stopped_when_the_fine_was_paid(login, world, make_case):
    """A fine paid late: the 加处罚款 stops on the day it was paid in full, but the case page said “截至 <today>
    逾期 17 日” — a count that did not match the date shown."""
    from app.cases import operations as ops
    from tests.cases.walk import to_execution

    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    due, fine = case.payment_due, case.lines[0].decided_fine
    paid_on = due + timedelta(days=5)
    clock.freeze(due + timedelta(days=9))
    ops.record_payment(case, {"paid_on": paid_on, "amount": fine, "receipt_no": "NO.1"}, actor=world.officer)
    commit()
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    line = re.search(r'data-testid="surcharge">(.*?)</p>', html, re.S).group(1)
    assert f"罚款于 {paid_on.isoformat()} 缴清，计至当日逾期 5 日" in line, line
    assert "截至" not in line
    surcharge = (fine * Decimal("0.03") * 5).quantize(Decimal("0.01"))
    assert f"计 {surcharge} 元" in line, line
    ops.record_payment(
        case, {"paid_on": clock.today(), "amount": surcharge, "receipt_no": "NO.2"}, actor=world.officer
    )
    commit()
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    assert "尚欠 0.00 元" in html  # was “尚欠 0 元” beside amounts in yuan and fen


def test_the_case_list_exports_its_filtered_cases(login, world, make_case):
    """/ledgers sends the user to the case list “在案件列表中筛选后导出”, but the list had no export button: its
    button carries the list's filters, and the enterprise sees none."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    make_case().file()
    commit()
    html = _text(login(world.supervisor).get("/cases/?status=调查取证"))
    form = re.search(
        r'<form[^>]*action="([^"]*)"[^>]*>\s*<input[^>]*csrf_token[^>]*>\s*<button[^>]*'
        r'data-testid="export-penalty_cases"',
        html,
    )
    assert form, html
    action = urlsplit(unescape(form.group(1)))
    assert action.path.endswith("/penalty_cases.xlsx"), action
    assert parse_qs(action.query) == {"status": ["调查取证"]}
    assert 'data-testid="export-penalty_cases"' not in _text(login(world.manager_a).get("/cases/"))


def test_a_closed_case_shows_no_countdown(login, world, make_case):
    """A case closed before any decision (移送, closed) still showed “剩 45 日” in the list and on its page."""
    from app.cases.models import CaseStatus

    case = make_case().file().case
    case.status, case.closed_on = CaseStatus.CLOSED, clock.today()
    commit()
    officer = login(world.officer)
    for url in ("/cases/", f"/cases/{case.id}"):
        html = _text(officer.get(url))
        assert case.decision_due and "剩 " not in html and "剩余" not in html, url


def test_the_party_is_offered_a_hearing_only_when_the_notice_gave_the_right(login, world, make_case):
    """The 告知 said “无听证权利” (a 30 000 元 fine for a unit) but the party's page offered 要求举行听证,
    refused only on submit; with the right (60 000 元) it is offered."""
    from tests.cases.walk import task_of

    small = make_case().file().evidence().report().notify().case
    big = make_case().file().evidence()
    big.report(
        lines=[{"target": "单位", "kinds": ["罚款"], "fine": "60000"}], factors=["harm_caused"]
    ).notify()
    commit()
    party = login(world.manager_a)
    for case, offered in ((small, False), (big.case, True)):
        case = db.session.get(PenaltyCase, case.id)
        assert bool(case.hearing_right) is offered
        html = _text(party.get(f"/tasks/{task_of(case, 'state_case').id}"))
        assert 'data-testid="statement-stated"' in html and 'data-testid="statement-waived"' in html
        assert ('data-testid="statement-hearing"' in html) is offered, html
    r = party.post(
        f"/tasks/{task_of(db.session.get(PenaltyCase, small.id), 'state_case').id}",
        data={"statement": "hearing", "content": "要求听证"},
    )
    assert r.status_code == 422 and "is-invalid" in _text(r)


def test_the_list_says_the_clock_is_paused_during_a_hearing(login, world, make_case):
    """A case in 听证 has no 办案期限 while the clock stands still: the list's column was blank."""
    from app.cases import operations as ops

    w = make_case().file().evidence()
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": "60000"}], factors=["harm_caused"]).notify()
    ops.state_case(w.case, {"statement": "hearing", "content": "要求听证"}, actor=world.manager_a)
    commit()
    case = db.session.get(PenaltyCase, w.case.id)
    assert case.decision_due is None
    html = _text(login(world.officer).get("/cases/"))
    row = re.search(rf'data-case-id="{case.id}".*?</tr>', html, re.S).group(0)
    assert "暂停计算" in row, row


def test_a_simple_procedure_case_file_needs_its_decision_not_the_ordinary_documents(
    login, world, make_proposal
):
    """A 当场处罚 case page said “案卷尚缺：立案审批表、案件调查终结报告、案件处理呈批表、行政处罚告知书、
    行政处罚决定书…” — documents the 简易程序 never makes. Its file needs the 当场处罚决定书 (and, while
    unpaid, the payment)."""
    from app.cases import casefile
    from app.cases import operations as ops
    from tests.cases.test_simple import spot

    case = ops.decide_on_the_spot(make_proposal(), spot(world), actor=world.officer)
    commit()
    assert casefile.missing(case) == ["罚款缴纳凭证（缴款登记）"]
    html = _text(login(world.officer).get(f"/cases/{case.id}"))
    assert "立案审批表" not in html and "案件调查终结报告" not in html


def test_the_report_form_says_when_the_discretion_band_is_shown(login, world, make_case):
    """The form promised “选择违法行为后，系统……提示裁量阶次和罚款幅度” but nothing appears until it is
    submitted, and the card above it said “尚未从违法行为库选择违法行为” right above the select."""
    from tests.cases.walk import task_of

    case = make_case().file().evidence().case
    commit()
    html = _text(login(world.officer).get(f"/tasks/{task_of(case, 'investigate').id}"))
    assert "提交后此处列出各处罚对象的裁量阶次和幅度" in html
    assert "选择违法行为后，系统按裁量情节提示" not in html and "提交时，系统按所选违法行为" in html


def test_the_notice_step_cites_the_rules_without_the_files_markers(login, world, make_case):
    """The 告知 step listed its sources with the rule file's notes to its maintainers: “[S7，规格 §2.4；上线前须
    按…核实]”, “[M:med，须按18号令核实，规格 §2.2]”."""
    from tests.cases.walk import task_of

    w = make_case().file().evidence().report()
    commit()
    html = _text(login(world.officer).get(f"/tasks/{task_of(w.case, 'issue_notice').id}"))
    sources = re.search(r'data-testid="notice-sources">(.*?)</ul>', html, re.S).group(1)
    assert "行政处罚法第64条" in sources, sources
    assert "[" not in sources and "M:med" not in sources and "规格 §" not in sources, sources


def test_the_case_file_lists_the_payment_receipts(login, world, make_case):
    """Closure needs the 罚款缴纳凭证 (casefile.missing), but the printed 卷内目录 of a paid case listed only
    the documents and the evidence: the payments, with their receipt numbers, follow now."""
    from app.cases import operations as ops
    from tests.cases.walk import to_execution

    w = to_execution(world, make_case)
    case = db.session.get(PenaltyCase, w.case.id)
    fine = case.lines[0].decided_fine
    ops.record_payment(
        case, {"paid_on": clock.today(), "amount": fine, "receipt_no": "NO.2026-7"}, actor=world.officer
    )
    commit()
    html = _text(login(world.officer).get(f"/cases/{case.id}/casefile"))
    row = re.search(r'data-testid="casefile-payment">(.*?)</tr>', html, re.S).group(1)
    assert "NO.2026-7" in row and f"罚款 {fine} 元" in row, row
    entries = len(re.findall(r'data-testid="casefile-(?:entry|evidence|payment)"', html))
    assert f"<td>{entries}件</td>" in html  # the cover counts it
