"""The penalty case in a real Chromium, as its real users, through its real pages (issue #13, Browser):

the hazard loop's referral waits as a 案件线索 → the officer files it (立案审批表, two certified officers) →
the section head and the leader approve → 询问笔录 with Q&A and a photo on the case page → 调查终结报告
(AQSCF-97-5, 从重, 60000 元 for the unit: above the 50000 hearing threshold) → 告知 with the hearing right,
served → the party asks for a hearing online → hearing scheduled ≥ 7 working days ahead (presiding: the
legal reviewer) and held → 复核 → 呈批表 → the reviewer sends the case back (建议补充调查) → report again →
告知 → the party waives in writing → the second review passes → 集体讨论 → the leader decides → service →
unpaid past the deadline: 加处罚款 shown to the day → payment of fine + surcharge → 执行完毕 → 结案审批表 →
the leader approves → the 执法案卷 lists every document and nothing is missing.

Only the starting referral is made through the hazard operations (as tests/cases/test_referral.py does);
every case step is a page a user fills in. The clock moves the way the other journeys move it
(clock.freeze in the test process drives the live server). The party's pages and the case page are then
checked at tablet and phone widths: nothing may stick out sideways (test_layout.LAYOUT_PROBLEMS).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.calendar import legal_calendar
from app.cases.models import CaseProposal, PenaltyCase
from app.extensions import db as _db
from app.hazards import operations as hazard_ops
from tests.browser.test_hazard_journey import as_user, png_bytes, submit
from tests.browser.test_layout import LAYOUT_PROBLEMS
from tests.factories.hazards import rect_data, review_data

pytestmark = pytest.mark.browser

START = date(2026, 11, 2)  # Monday
FINE = Decimal("60000")


def refer(make_hazard, world, upload):
    """The starting point: a hazard the enterprise did not rectify, referred for a penalty at 复查."""
    hazard = make_hazard(location="一号车间配电箱")
    hazard_ops.submit_rectification(hazard, rect_data(upload, world.manager_a), actor=world.manager_a)
    hazard_ops.review_hazards(
        [
            (
                hazard,
                review_data(world, result="未整改", decision="refer", facts="拒不整改配电箱带电部位外露隐患"),
            )
        ],
        actor=world.officer,
    )
    _db.session.commit()
    return hazard


def case_page(page, base: str, case_id: int) -> str:
    page.goto(f"{base}/cases/{case_id}")
    page.wait_for_load_state("networkidle")
    return page.inner_text("main")


def open_case_task(page, base: str, case_id: int, bpmn_id: str) -> None:
    """The case page's 待我办理 button for this step → the task page."""
    case_page(page, base, case_id)
    button = page.locator(f"[data-testid=task-{bpmn_id}]")
    assert button.count() == 1, page.inner_text("main")
    button.click()
    page.wait_for_load_state("networkidle")


def done(page) -> None:
    """A task completed: back in the inbox with the notice."""
    notice = page.locator("[data-testid=completed-notice]")
    assert notice.count() == 1 and "已办理完成" in notice.inner_text(), page.inner_text("main")


def status_of(page) -> str:
    return page.inner_text("[data-testid=case-status]")


def status_of_page(page, base, case_id) -> str:
    case_page(page, base, case_id)
    return status_of(page)


def report(page, base, case_id, text: str) -> None:
    """调查终结报告: AQSCF-97-5, 从重 (造成危害后果), the unit fined 60000."""
    open_case_task(page, base, case_id, "investigate")
    page.fill("textarea[name=report_text]", text)
    page.check("input[name=outcome][value=penalty]")
    page.select_option("select[name=violation_code]", "AQSCF-97-5")
    page.check("input[name=factors][value=harm_caused]")
    page.select_option("select[name=lines-0-target]", "单位")
    page.check("input[name=lines-0-kinds][value=罚款]")
    page.fill("input[name=lines-0-fine]", str(FINE))
    submit(page)
    done(page)


def review_report(page, base, case_id) -> None:
    open_case_task(page, base, case_id, "review_report")
    page.check("input[name=report_decision][value=agree]")
    page.fill("textarea[name=opinion]", "事实清楚，同意处理意见")
    submit(page)
    done(page)


def notify(page, base, case_id) -> None:
    """告知书 made and served directly: the facts say the hearing right applies (60000 ≥ 50000)."""
    open_case_task(page, base, case_id, "issue_notice")
    facts = page.inner_text("[data-testid=notice-facts]")
    assert "行政处罚（听证）告知书" in facts and "有（罚款达到较大数额）" in facts, facts
    page.fill("input[name=contact]", "王执法 0557-5000001")
    submit(page)
    done(page)
    open_case_task(page, base, case_id, "serve_notice")
    page.select_option("select[name=method]", "直接送达")
    page.fill("input[name=recipient]", "李安全")
    submit(page)
    done(page)


def prepare_decision(page, base, case_id, opinion: str) -> None:
    open_case_task(page, base, case_id, "prepare_decision")
    page.fill("textarea[name=opinion]", opinion)
    submit(page)
    done(page)


def legal_review(page, base, case_id, opinion: str, reasons: str) -> None:
    """The reviewer judges each checklist row the facts show, then gives the opinion."""
    open_case_task(page, base, case_id, "legal_review")
    rows = page.locator("[data-testid=review-facts] tr[data-testid^=check-]")
    keys = [rows.nth(i).get_attribute("data-testid").removeprefix("check-") for i in range(rows.count())]
    assert {"subject", "notice", "limitation"} <= set(keys), keys
    for key in keys:
        page.check(f"input[name=confirmed][value={key}]")
    page.check(f"input[name=review_opinion][value={opinion}]")
    page.fill("textarea[name=reasons]", reasons)
    submit(page)
    done(page)


def reads_well(page, where: str) -> None:
    """test_layout's rules: nothing sticks out sideways, no text broken a character a line, headers on one line."""
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{where}: " + "\n".join(problems)


def test_penalty_case_from_referral_to_closed_file(
    browser, live_server, world, make_hazard, upload, tmp_path
):
    base = live_server
    clock.freeze(START)
    hazard = refer(make_hazard, world, upload)
    proposal = _db.session.scalars(
        select(CaseProposal).where(CaseProposal.referral_id == hazard.referral.id)
    ).one()

    # --- 立案: the officer finds the referral among the open proposals and fills the 立案审批表 ----------
    officer_ctx, officer = as_user(browser, base, "officer")
    officer.goto(base + "/cases/proposals")
    row = officer.locator(f"[data-testid=proposal-row][data-proposal-id='{proposal.id}']")
    assert "待处理" in row.inner_text() and "隐患移送" in row.inner_text(), row.inner_text()
    row.locator("a").first.click()
    officer.wait_for_load_state("networkidle")
    assert officer.inner_text("[data-testid=proposal-status]") == "待处理"
    assert "拒不整改配电箱带电部位外露隐患" in officer.inner_text("main")
    form = "[data-testid=form-file_case] form"
    name = f"{world.ent_a.name}拒不整改事故隐患案"
    officer.fill(f"{form} input[name=name]", name)
    officer.fill(f"{form} input[name=act_date]", (START - timedelta(days=1)).isoformat())
    # bad input: one officer only → refused next to the field, everything typed kept
    officer.check(f"{form} input[name=officer_ids][value='{world.officer.id}']")
    submit(officer, f"{form} button[type=submit]")
    error = officer.locator("[data-testid=error-officer_ids]")
    assert error.count() == 1, officer.inner_text("main")
    assert re.fullmatch(r"请至少\w{1,3}2项", error.inner_text().strip()), error.inner_text()
    assert officer.input_value(f"{form} input[name=name]") == name
    assert officer.is_checked(f"{form} input[name=officer_ids][value='{world.officer.id}']")
    officer.check(f"{form} input[name=officer_ids][value='{world.officer2.id}']")
    officer.select_option(f"{form} select[name=lead_officer_id]", str(world.officer.id))
    submit(officer, f"{form} button[type=submit]")
    assert "立案审批表已提交" in officer.inner_text("[data-testid=notice]"), officer.inner_text("main")
    case_id = int(re.search(r"/cases/(\d+)", officer.url).group(1))
    assert "（待立案）" in officer.inner_text("[data-testid=case-no]")
    assert status_of(officer) == "立案审批中"

    head_ctx, head = as_user(browser, base, "section_head")
    open_case_task(head, base, case_id, "approve_filing")
    facts = head.inner_text("[data-testid=task-facts]")
    assert "34130001" in facts and "34130002" in facts  # both officers' 执法证号
    head.check("input[name=filing_decision][value=agree]")
    head.fill("textarea[name=opinion]", "同意立案，报负责人审批")
    submit(head)
    done(head)

    leader_ctx, leader = as_user(browser, base, "leader")
    open_case_task(leader, base, case_id, "decide_filing")
    leader.check("input[name=filing_decision][value=agree]")
    leader.fill("textarea[name=opinion]", "批准立案")
    submit(leader)  # the confirmation dialog is accepted (as_user)
    done(leader)
    text = case_page(leader, base, case_id)
    assert leader.inner_text("[data-testid=case-no]") == "（萧）应急立〔2026〕1号"
    assert status_of(leader) == "调查取证" and "立案日" in text, text
    # the referral is answered with the number, on the proposal page
    officer.goto(f"{base}/cases/proposals/{proposal.id}")
    assert officer.inner_text("[data-testid=proposal-status]") == "已立案"
    assert "（萧）应急立〔2026〕1号" in officer.inner_text("main")

    # --- 调查取证 on the case page: a 询问笔录 with Q&A, then a photo -----------------------------------------
    case_page(officer, base, case_id)
    ev = "[data-testid=form-case_evidence] form"
    officer.select_option(f"{ev} select[name=kind]", "询问笔录")
    officer.fill(f"{ev} input[name=title]", "询问笔录（李安全）")
    officer.fill(f"{ev} input[name=interviewee]", "李安全")
    officer.fill(f"{ev} textarea[name=qa-0-question]", "配电箱带电部位外露的隐患为何未整改？")
    officer.fill(f"{ev} textarea[name=qa-0-answer]", "配件没有到货，一直没有处理")
    officer.click(f"{ev} [data-testid=qa-add]")
    officer.fill(f"{ev} textarea[name=qa-1-question]", "整改期间是否采取了临时措施？")
    officer.fill(f"{ev} textarea[name=qa-1-answer]", "没有")
    officer.check(f"{ev} input[name=rights_explained]")
    officer.check(f"{ev} input[name=signed_every_page]")
    submit(officer, f"{ev} button[type=submit]")
    assert "证据已登记" in officer.inner_text("[data-testid=notice]"), officer.inner_text("main")
    photo = tmp_path / "配电箱现场.png"
    photo.write_bytes(png_bytes())
    officer.select_option(f"{ev} select[name=kind]", "视听资料")
    officer.fill(f"{ev} input[name=title]", "现场照片（一号车间配电箱）")
    officer.set_input_files(f"{ev} input[name=files]", str(photo))
    submit(officer, f"{ev} button[type=submit]")
    assert "证据已登记" in officer.inner_text("[data-testid=notice]"), officer.inner_text("main")
    evidence = officer.inner_text("[data-testid=evidence]")
    assert (
        "询问笔录（李安全）" in evidence
        and "现场照片（一号车间配电箱）" in evidence
        and "配电箱现场.png" in evidence
    )
    assert officer.inner_text("[data-testid=sha256]") == hashlib.sha256(png_bytes()).hexdigest()

    # --- 调查终结报告 (60000, 从重) → 审查 → 告知 with the hearing right, served ---------------------------
    report(officer, base, case_id, "经调查，当事人拒不整改配电箱带电部位外露的事故隐患，造成危害后果。")
    review_report(head, base, case_id)
    notify(officer, base, case_id)
    text = case_page(officer, base, case_id)
    assert "第1次告知（含听证权利）" in text and "告知罚款合计 60000" in text, text
    docs = officer.inner_text("[data-testid=documents]")
    assert "听证告知书 （萧）应急听告〔2026〕1号" in docs and "送达回执（听证告知书）" in docs, docs

    # --- the party asks for a hearing online, through its own account -----------------------------------
    party_ctx, party = as_user(browser, base, "manager_a")
    text = case_page(party, base, case_id)
    assert "（萧）应急立〔2026〕1号" in text and "办理进度" in text
    for internal in ("证据清单", "询问笔录", "执法全过程记录"):
        assert internal not in text, internal
    open_case_task(party, base, case_id, "state_case")
    windows = party.inner_text("[data-testid=statement-windows]")
    assert "您有权要求举行听证" in windows, windows
    assert "罚款60000" in party.inner_text("[data-testid=statement-facts]")
    party.check("input[name=statement][value=hearing]")
    party.fill("textarea[name=content]", "我公司对罚款数额有异议，要求举行听证")
    submit(party)
    done(party)
    assert status_of_page(party, base, case_id) == "听证"

    # --- 听证: the date must be ≥ 7 working days after today; the presiding officer is the reviewer --------
    open_case_task(head, base, case_id, "schedule_hearing")
    earliest = legal_calendar.add_days(clock.today(), 7, kind="working")
    assert earliest.isoformat() in head.inner_text("[data-testid=hearing-earliest]")
    head.select_option("select[name=presiding_id]", str(world.legal.id))
    head.fill("input[name=place]", "萧县应急管理局三楼会议室")
    head.fill("input[name=hearing_on]", (clock.today() + timedelta(days=3)).isoformat())
    submit(head)
    error = head.inner_text("[data-testid=error-hearing_on]")
    assert "7个工作日" in error and f"{earliest:%Y年%m月%d日}" in error, error
    assert head.input_value("input[name=place]") == "萧县应急管理局三楼会议室"
    assert head.input_value("select[name=presiding_id]") == str(world.legal.id)
    head.fill("input[name=hearing_on]", earliest.isoformat())
    submit(head)
    done(head)

    clock.freeze(earliest)
    legal_ctx, legal = as_user(browser, base, "legal")
    open_case_task(legal, base, case_id, "hold_hearing")
    legal.check("input[name=attended][value=yes]")
    legal.fill("textarea[name=attendees]", "当事人委托代理人李安全；承办人员王执法、赵执法")
    legal.fill("textarea[name=record]", "当事人陈述配件未到货；承办人员出示询问笔录及现场照片。")
    legal.check("input[name=party_signed][value=yes]")
    legal.fill("textarea[name=report]", "事实清楚，证据充分，建议维持拟处罚意见。")
    legal.select_option("select[name=recommendation]", "维持")
    submit(legal)
    done(legal)

    open_case_task(officer, base, case_id, "review_statement")
    officer.check("input[name=review_result][value=不采纳]")
    officer.fill("textarea[name=review_reason]", "配件未到货不构成拒不整改的正当理由")
    officer.check("input[name=renotice][value=no]")
    submit(officer)
    done(officer)
    prepare_decision(officer, base, case_id, "建议按告知内容处罚")

    # --- 法制审核, round 1: 建议补充调查 sends the case back to 调查取证 --------------------------------------
    legal_review(legal, base, case_id, "more", "危害后果的证据不足，请补充调查")
    text = case_page(officer, base, case_id)
    assert status_of(officer) == "调查取证", text
    assert "建议补充调查" in officer.inner_text("[data-testid=reviews]")

    report(officer, base, case_id, "经补充调查，当事人拒不整改，造成配电箱短路起火的危害后果。")
    review_report(head, base, case_id)
    notify(officer, base, case_id)
    assert "第2次告知（含听证权利）" in case_page(officer, base, case_id)

    # the party waives in writing this time
    open_case_task(party, base, case_id, "state_case")
    party.check("input[name=statement][value=waived]")
    party.check("input[name=waiver_signed]")
    submit(party)
    done(party)
    prepare_decision(officer, base, case_id, "补充调查后事实清楚，建议按告知内容处罚")

    # --- 法制审核, round 2 passes; the 法制审核意见书 stays internal --------------------------------------
    legal_review(legal, base, case_id, "agree", "事实清楚，证据确凿，程序合法，裁量适当")
    case_page(officer, base, case_id)
    assert "第2轮" in officer.inner_text("[data-testid=reviews]")
    review_link = officer.locator("[data-testid=documents] a", has_text="法制审核意见书").last
    review_url = base + review_link.get_attribute("href")
    response = party.goto(review_url)
    assert response.status == 404, party.inner_text("main")
    assert "法制审核" not in party.inner_text("main")
    party.goto(f"{base}/cases/{case_id}")
    assert "法制审核意见书" not in party.inner_text("[data-testid=documents]")

    # --- 集体讨论 (three participants) -------------------------------------------------------------------
    open_case_task(leader, base, case_id, "collective_discussion")
    leader.fill("input[name=place]", "局二楼会议室")
    leader.fill("input[name=chair]", "周局长")
    for i, (who, opinion) in enumerate(
        (("周局长", "同意处罚"), ("吴队长", "同意"), ("钱法制", "同意，程序合法"))
    ):
        leader.fill(f"input[name=opinions-{i}-name]", who)
        leader.fill(f"input[name=opinions-{i}-opinion]", opinion)
    leader.fill("textarea[name=conclusion]", "同意对当事人处罚款60000元")
    submit(leader)
    done(leader)
    case_page(leader, base, case_id)
    assert "结论：同意对当事人处罚款60000元" in leader.inner_text("[data-testid=discussions]")

    # --- 决定: only the leader sees the button; the officer sees who holds it -----------------------------
    decide_button = leader.locator("[data-testid=task-decide]")
    decide_url = base + decide_button.get_attribute("href")
    case_page(officer, base, case_id)
    assert officer.locator("[data-testid=task-decide]").count() == 0
    assert "由他人办理" in officer.inner_text("[data-testid=other-tasks]")
    officer.goto(decide_url)
    assert officer.locator("[data-testid=not-actionable]").count() == 1
    assert officer.locator("form[data-form=decide]").count() == 0

    decide_button.click()
    leader.wait_for_load_state("networkidle")
    leader.check("input[name=decision][value=decide]")
    leader.fill("textarea[name=opinion]", "同意，作出行政处罚决定")
    submit(leader)
    done(leader)
    case_page(officer, base, case_id)
    assert "（萧）应急罚〔2026〕1号" in officer.inner_text("[data-testid=documents]")
    lines = officer.inner_text("[data-testid=lines]")
    assert "罚款 60,000.00元" in lines and "陆万元整" in lines and "元 元" not in lines, lines

    open_case_task(officer, base, case_id, "serve_decision")
    officer.select_option("select[name=method]", "直接送达")
    officer.fill("input[name=recipient]", "李安全")
    submit(officer)
    done(officer)
    case_page(officer, base, case_id)
    assert status_of(officer) == "执行"
    _db.session.expire_all()
    due = _db.session.get(PenaltyCase, case_id).payment_due
    assert due == legal_calendar.add_days(earliest, 15, kind="calendar")

    # --- unpaid: 加处罚款 3 % a day, shown to the day ---------------------------------------------------
    days = 5
    clock.freeze(due + timedelta(days=days))
    workflow.tick()  # the timer worker's pass (缴款期限届满)
    surcharge = FINE * Decimal("0.03") * days  # 9000
    case_page(officer, base, case_id)
    shown = officer.inner_text("[data-testid=surcharge]")
    assert f"逾期 {days} 日" in shown and f"{surcharge:.2f}" in shown, shown
    assert f"尚欠 {FINE + surcharge:.2f}" in officer.inner_text("[data-testid=balance]")
    party_text = case_page(party, base, case_id)
    assert f"逾期 {days} 日" in party_text, party_text  # the party sees what it owes, to the day

    # the fine and the 加处罚款 are two payments: one sum for both is refused next to the amount, typed kept
    pay = "[data-testid=form-case_payment] form"
    officer.fill(f"{pay} input[name=amount]", f"{FINE + surcharge}")
    officer.fill(f"{pay} input[name=receipt_no]", "PJ20261201")
    submit(officer, f"{pay} button[type=submit]")
    error = officer.inner_text("[data-testid=error-amount]")
    assert "请分别登记罚款（尚欠60000.00元）和加处罚款" in error, error
    assert officer.input_value(f"{pay} input[name=amount]") == f"{FINE + surcharge}"
    assert officer.input_value(f"{pay} input[name=receipt_no]") == "PJ20261201"
    for amount, receipt in ((FINE, "PJ20261201"), (surcharge, "PJ20261202")):
        officer.fill(f"{pay} input[name=amount]", str(amount))
        officer.fill(f"{pay} input[name=receipt_no]", receipt)
        submit(officer, f"{pay} button[type=submit]")
        assert officer.locator("[data-testid=notice]").count() == 1, officer.inner_text("main")
        assert "缴款已登记" in officer.inner_text("[data-testid=notice]")
    paid = officer.inner_text("[data-testid=balance]")
    assert "尚欠 0" in paid and f"罚款 {FINE}" in paid and f"加处罚款 {surcharge}" in paid, paid
    assert officer.locator("[data-testid=form-case_payment]").count() == 0  # nothing left to pay

    open_case_task(officer, base, case_id, "execute")
    officer.check("input[name=execution_result][value=执行完毕]")
    submit(officer)
    done(officer)

    # --- 结案 and the 执法案卷 ----------------------------------------------------------------------------
    open_case_task(officer, base, case_id, "close_case")
    officer.fill("textarea[name=summary]", "罚款及加处罚款已缴清，执行完毕，申请结案")
    submit(officer)
    done(officer)
    open_case_task(leader, base, case_id, "approve_closing")
    leader.check("input[name=closing_decision][value=agree]")
    leader.fill("textarea[name=opinion]", "同意结案归档")
    submit(leader)
    done(leader)

    text = case_page(officer, base, case_id)
    assert status_of(officer) == "已结案", text
    assert officer.locator("[data-testid=missing]").count() == 0
    officer.click("[data-testid=casefile-print]")
    officer.wait_for_load_state("networkidle")
    assert officer.locator("[data-testid=casefile-missing]").count() == 0
    assert "（萧）应急立〔2026〕1号" in officer.inner_text("[data-testid=casefile-cover]")
    entries = [
        officer.locator("[data-testid=casefile-entry]").nth(i).inner_text()
        for i in range(officer.locator("[data-testid=casefile-entry]").count())
    ]
    listed = "\n".join(entries)
    for part in (
        "立案审批表",
        "调查终结报告",
        "听证告知书",
        "听证笔录",
        "法制审核意见书",
        "集体讨论",
        "（萧）应急罚〔2026〕1号",
        "送达回执",
        "结案审批表",
    ):
        assert part in listed, (part, listed)
    assert [e.split("\t")[0] for e in entries] == [str(i) for i in range(1, len(entries) + 1)]

    for ctx in (officer_ctx, head_ctx, leader_ctx, legal_ctx, party_ctx):
        ctx.close()


WIDTHS = [(1024, 768), (390, 844)]  # tablet and phone (test_layout.WIDTHS without the desk)


def at_width(browser, live_server, username, width, height):
    ctx, page = as_user(browser, live_server, username)
    page.set_viewport_size({"width": width, "height": height})
    return ctx, page


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_party_hearing_request_and_case_page_fit_tablet_and_phone(
    browser, live_server, world, make_case, db, width, height
):
    """The party's case page and its 陈述申辩、申请听证 page, then the officers' case page (one waiting for the
    hearing, one overdue with the 加处罚款 running): nothing sticks out sideways, the submit button is on
    the screen, and the request goes through at this width."""
    from tests.cases.walk import to_execution

    w = make_case()
    w.file().evidence()
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": FINE}], factors=["harm_caused"])
    w.notify()
    db.session.commit()
    case_id = w.case.id
    overdue = to_execution(world, make_case).case  # commits
    overdue_id, overdue_from = overdue.id, overdue.payment_due

    party_ctx, party = at_width(browser, live_server, "manager_a", width, height)
    case_page(party, live_server, case_id)
    reads_well(party, f"企业·案件页·{width}px")
    party.locator("[data-testid=task-state_case]").click()
    party.wait_for_load_state("networkidle")
    reads_well(party, f"企业·陈述申辩、申请听证·{width}px")
    assert "您有权要求举行听证" in party.inner_text("[data-testid=statement-windows]")
    party.check("input[name=statement][value=hearing]")
    party.fill("textarea[name=content]", "对罚款数额有异议，要求举行听证")
    reads_well(party, f"企业·陈述申辩、申请听证（已填写）·{width}px")
    button = party.locator("form.safeloop-form button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    submit(party)
    done(party)
    assert status_of_page(party, live_server, case_id) == "听证"
    reads_well(party, f"企业·案件页（已申请听证）·{width}px")

    clock.freeze(overdue_from + timedelta(days=3))  # the other case's fine is 3 days overdue
    officer_ctx, officer = at_width(browser, live_server, "officer", width, height)
    for cid, what in ((case_id, "听证中"), (overdue_id, "逾期缴款")):
        case_page(officer, live_server, cid)
        reads_well(officer, f"承办人员·案件页（{what}）·{width}px")
    assert "逾期 3 日" in officer.inner_text("[data-testid=surcharge]")  # the last page: the overdue case
    officer.goto(f"{live_server}/cases/proposals")
    reads_well(officer, f"承办人员·案件线索·{width}px")
    for ctx in (party_ctx, officer_ctx):
        ctx.close()
