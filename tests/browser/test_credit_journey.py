"""The 严重失信主体名单 in a real Chromium, as its real users, through its real pages (issue #14, Browser):

a penalty decision for operating without a 安全生产许可证 (XKZTL-19, 《安全生产许可证条例》第十九条) → the
system's proposal (列入情形第七条第一项) waits on /credit/ → the officer issues the 列入告知书 (refused first without the
main 负责人 the criterion lists with the unit) and records its service → the party states its case online
(陈述申辩) → the officer verifies and answers → the 负责人 decides 列入 with the library's default measures →
the officer records the service of the 列入决定书 → the public page /gongshi/ shows the listing with the
person's ID masked, and the enterprise carries its banner (the enterprise page, the enterprise picker) →
12 months later on the controlled clock (a day earlier the application is refused) the party applies for
信用修复 online with its 信用承诺书 → the officer verifies → the 负责人 grants → the listing leaves the public
page and the banner is gone.

Only the penalty decision the listing rests on is made through the case operations (the penalty-case pages
have their own journey, tests/browser/test_case_journey.py); every credit step is a page a user fills in.
The clock moves the way the other journeys move it (clock.freeze in the test process drives the live
server). The credit list, the listing page and the party's pages are then checked at tablet and phone
widths: nothing may stick out sideways (test_layout.LAYOUT_PROBLEMS).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.calendar import legal_calendar
from app.cases import gates as case_gates
from app.cases import operations as case_ops
from app.cases.operations.decision import decision_document
from app.cases.operations.execution import balance, record_payment
from app.credit import measures
from app.credit.models import CreditListing, ListingStatus
from app.credit.rules import credit_pack
from app.extensions import db as _db
from tests.browser.test_hazard_journey import as_user, png_bytes, submit
from tests.browser.test_layout import LAYOUT_PROBLEMS

pytestmark = pytest.mark.browser

START = date(2026, 11, 2)  # Monday
FINE = Decimal("300000")
ID_NO = "341322197001011234"  # the main 负责人's 身份证号
MASKED_ID = re.compile(r"3413\d{0,2}\*+\d{0,4}")  # 身份证号 masked: the start kept, the middle starred
LISTED = "严重失信主体"
KEY = "重点监管"


# --- the penalty decision the listing rests on (case operations, as the case journey makes its referral) ---


def decided_unlicensed(world, make_case):
    """An ordinary case for XKZTL-19, decided by the 负责人 and served; the fine paid in full."""
    w = make_case(name=f"{world.ent_a.name}未取得安全生产许可证擅自从事生产案")
    w.file().evidence().report(
        violation_code="XKZTL-19",
        report_text="经调查，当事人未取得安全生产许可证擅自从事危险化学品生产活动。",
        lines=[{"target": "单位", "kinds": ["罚款"], "fine": FINE}],
    ).notify().waive()
    case_ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    if "legal_review" in w.ready:
        case_ops.legal_review(
            w.case,
            {
                "review_opinion": "agree",
                "reasons": "事实清楚，程序合法",
                "confirmed": [i.key for i in case_gates.checklist(w.case, clock.today())],
            },
            actor=world.legal,
        )
    if "collective_discussion" in w.ready:
        case_ops.collective_discussion(
            w.case,
            {
                "held_on": clock.today(),
                "place": "局会议室",
                "chair": "周局长",
                "opinions": [{"name": n, "opinion": "同意"} for n in ("周局长", "吴队长", "钱法制")],
                "conclusion": "同意处罚",
            },
            actor=world.leader,
        )
    assert w.ready == ["decide"], w.ready
    case_ops.decide(w.case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    case_ops.serve_decision(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李安全"}, actor=world.officer
    )
    owed = balance(w.case, clock.today()).owed
    assert owed == FINE, owed
    record_payment(w.case, {"amount": owed, "receipt_no": "PJ20261102"}, actor=world.officer)
    _db.session.commit()
    return w.case


# --- page helpers ------------------------------------------------------------------------------------------


def listing_page(page, base: str, listing_id: int) -> str:
    page.goto(f"{base}/credit/{listing_id}")
    page.wait_for_load_state("networkidle")
    return page.inner_text("main")


def open_listing_task(page, base: str, listing_id: int, bpmn_id: str) -> None:
    """The listing page's 待我办理 button for this step → the generic task page."""
    listing_page(page, base, listing_id)
    button = page.locator(f"[data-testid=task-{bpmn_id}]")
    assert button.count() == 1, page.inner_text("main")
    button.click()
    page.wait_for_load_state("networkidle")


def done(page) -> None:
    """A task completed: back in the inbox with the notice."""
    notice = page.locator("[data-testid=completed-notice]")
    assert notice.count() == 1 and "已办理完成" in notice.inner_text(), page.inner_text("main")


def status_of(page) -> str:
    return page.inner_text("[data-testid=listing-status]")


def documents(page) -> str:
    return page.inner_text("[data-testid=documents]")


def public_list(page, base: str) -> str:
    page.goto(f"{base}/gongshi/?kind=credit_listing")
    page.wait_for_load_state("networkidle")
    return page.inner_text("main")


def picker_options(page, base: str, typed: str) -> dict[str, list[str]]:
    """The enterprise picker of the credit list's filter: {enterprise name: [its flags]} for what was typed."""
    page.goto(f"{base}/credit/")
    page.wait_for_load_state("networkidle")
    search = page.locator("[data-testid=enterprise_id-search]")
    search.fill("")
    search.press_sequentially(typed, delay=30)
    page.locator("[role=listbox][aria-busy=false]").wait_for()
    options = page.locator("[role=listbox] [role=option]")
    found: dict[str, list[str]] = {}
    for i in range(options.count()):
        option = options.nth(i)
        name = option.locator("div").first.inner_text().split(" ")[0].strip()
        found[name] = option.locator("[data-testid=enterprise-flag]").all_inner_texts()
    search.press("Escape")
    return found


def enterprise_banner(page, base: str, enterprise_id: int) -> list[str]:
    page.goto(f"{base}/enterprises/{enterprise_id}")
    page.wait_for_load_state("networkidle")
    banner = page.locator("[data-testid=enterprise-flag-banner]")
    if banner.count() == 0:
        return []
    return banner.locator(".badge").all_inner_texts()


def reads_well(page, where: str) -> None:
    """test_layout's rules: nothing sticks out sideways, no text broken a character a line, headers on one line."""
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{where}: " + "\n".join(problems)


# --- the journey -------------------------------------------------------------------------------------------


def test_unlicensed_operation_listed_published_and_repaired_after_twelve_months(
    browser, live_server, world, make_case, tmp_path
):
    base = live_server
    clock.freeze(START)
    case = decided_unlicensed(world, make_case)
    listing = _db.session.scalars(select(CreditListing).where(CreditListing.case_id == case.id)).one()
    listing_id = listing.id
    decision_no = decision_document(case).number.text  # the 行政处罚决定书 the listing rests on
    assert listing.status == ListingStatus.PROPOSED and listing.criterion == "6"

    # --- the proposal waits on /credit/ for the officer; the party sees nothing of it yet ----------------
    officer_ctx, officer = as_user(browser, base, "officer")
    officer.goto(base + "/credit/")
    officer.wait_for_load_state("networkidle")
    assert officer.inner_text("[data-testid=waiting-link] .badge") == "1"
    row = officer.locator(f"[data-testid=listing-row][data-listing-id='{listing_id}']")
    assert row.count() == 1, officer.inner_text("main")
    assert (
        world.ent_a.name in row.inner_text() and "拟列入" in row.inner_text() and "第七条第一项" in row.inner_text()
    )
    row.locator("a").first.click()
    officer.wait_for_load_state("networkidle")
    assert status_of(officer) == "拟列入"
    evidence = officer.inner_text("[data-testid=evidence]")
    assert "《安全生产许可证条例》第十九条" in evidence and decision_no in evidence, evidence
    assert officer.locator("[data-testid=case-link]").count() == 1

    party_ctx, party = as_user(browser, base, "manager_a")
    response = party.goto(f"{base}/credit/{listing_id}")
    assert response.status == 404  # 拟列入 is internal
    party.goto(base + "/credit/")
    assert party.locator("[data-testid=listing-row]").count() == 0, party.inner_text("main")

    # --- 列入告知书: criterion 6 lists the unit with its main 负责人 — the proposal names him (the enterprise's
    # 法定代表人, prefilled) but not his ID number: refused next to the field, everything typed kept -----------
    open_listing_task(officer, base, listing_id, "prepare_notice")
    assert officer.locator("[data-testid=includes-head]").count() == 1
    name, role = listing.person_name, listing.person_role
    assert name and officer.input_value("input[name=person_name]") == name
    assert officer.input_value("input[name=person_role]") == role
    officer.check("input[name=notice_decision][value=notify]")
    reasons = "当事人未取得安全生产许可证擅自从事危险化学品生产活动，已受行政处罚"
    officer.fill("textarea[name=reasons]", reasons)
    officer.fill("input[name=contact]", "王执法 0557-5000001")
    submit(officer)
    error = officer.locator("[data-testid=error-person_id_no]")
    assert error.count() == 1, officer.inner_text("main")
    assert "身份证号" in error.inner_text(), error.inner_text()
    assert officer.input_value("textarea[name=reasons]") == reasons
    assert officer.is_checked("input[name=notice_decision][value=notify]")
    officer.fill("input[name=person_id_no]", ID_NO)
    submit(officer)
    done(officer)
    listing_page(officer, base, listing_id)
    assert status_of(officer) == "告知中"
    assert re.search(r"列入告知书.*（萧）应急信告〔2026〕1号", documents(officer)), documents(officer)

    open_listing_task(officer, base, listing_id, "serve_notice")
    officer.select_option("select[name=method]", "直接送达")
    officer.fill("input[name=recipient]", "李安全")
    submit(officer)
    done(officer)
    _db.session.expire_all()
    statement_due = _db.session.get(CreditListing, listing_id).statement_due
    assert statement_due == legal_calendar.add_days(START, 5, kind="working")

    # --- the party states its case online, the next day ------------------------------------------------
    clock.freeze(START + timedelta(days=1))
    party.goto(base + "/credit/")
    row = party.locator(f"[data-testid=listing-row][data-listing-id='{listing_id}']")
    assert row.count() == 1, party.inner_text("main")
    text = listing_page(party, base, listing_id)
    assert "（萧）应急信告〔2026〕1号" in documents(party), text
    progress = party.inner_text("[data-testid=progress]")
    assert "已送达列入严重失信主体名单告知书" in progress and f"{statement_due:%Y-%m-%d}" in progress, (
        progress
    )
    for internal in ("列入依据", "办理记录", "核查意见"):
        assert internal not in text, internal
    other_ctx, other = as_user(browser, base, "manager_b")
    assert other.goto(f"{base}/credit/{listing_id}").status == 404  # another company
    other_ctx.close()

    open_listing_task(party, base, listing_id, "state_case")
    party.check("input[name=statement_kind][value=陈述申辩]")
    statement = "我公司已于2026年10月停止生产并申请办理安全生产许可证，罚款已全额缴纳，请求不予列入"
    party.fill("textarea[name=text]", statement)
    submit(party)
    done(party)
    listing_page(party, base, listing_id)
    assert "已提交陈述申辩" in party.inner_text("[data-testid=progress]")

    # --- 核查 and the written answer ---------------------------------------------------------------------
    open_listing_task(officer, base, listing_id, "verify")
    assert statement in officer.inner_text("[data-testid=statements]")
    answer = "经核查，当事人在未取得许可证期间已实际组织生产，停产不影响列入情形的认定，陈述申辩理由不成立。"
    officer.fill("textarea[name=verification]", answer)
    officer.check("input[name=proposal][value=list]")
    submit(officer)
    done(officer)

    # --- 列入决定 by the 负责人, the library's default measures preselected ------------------------------
    head_ctx, head = as_user(browser, base, "section_head")
    listing_page(head, base, listing_id)
    assert head.locator("[data-testid=task-decide]").count() == 0  # not the section head's to decide
    head_ctx.close()
    leader_ctx, leader = as_user(browser, base, "leader")
    open_listing_task(leader, base, listing_id, "decide")
    gates = leader.inner_text("[data-testid=decide-gates]")
    assert "✗" not in gates, gates
    defaults = measures.library().defaults()
    boxes = leader.locator("input[name=measure_codes]")
    checked = [boxes.nth(i).get_attribute("value") for i in range(boxes.count()) if boxes.nth(i).is_checked()]
    assert sorted(checked) == sorted(defaults) and boxes.count() > len(defaults), (checked, defaults)
    leader.check("input[name=decision][value=list]")
    submit(leader)  # the confirmation dialog is accepted (as_user)
    done(leader)
    listing_page(officer, base, listing_id)
    assert status_of(officer) == "待送达"
    assert re.search(r"列入决定书.*（萧）应急信列〔2026〕1号", documents(officer)), documents(officer)

    open_listing_task(officer, base, listing_id, "serve_decision")
    officer.select_option("select[name=method]", "直接送达")
    officer.fill("input[name=recipient]", "李安全")
    submit(officer)
    done(officer)
    served_on = clock.today()
    listing_page(officer, base, listing_id)
    assert status_of(officer) == "已列入"
    _db.session.expire_all()
    listing = _db.session.get(CreditListing, listing_id)
    assert listing.term_start is not None and listing.term_end is not None
    assert officer.inner_text("[data-testid=term]") == (
        f"{listing.term_start:%Y-%m-%d} 至 {listing.term_end:%Y-%m-%d}"
    )
    measures_text = officer.inner_text("[data-testid=measures]")
    for code in defaults:
        assert measures.library().get(code).name in measures_text, code
    assert "（萧）应急惩通〔2026〕" in documents(officer)  # one 联合惩戒通知 per external department

    # --- the public page shows it, the person's ID masked; the enterprise carries its banner -------------
    public_ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    public = public_ctx.new_page()
    title = f"{world.ent_a.name}列入安全生产严重失信主体名单"
    assert title in public_list(public, base)
    public.locator("[data-testid=public-list] a", has_text=title).click()
    public.wait_for_load_state("networkidle")
    public_url = public.url
    shown = public.inner_text("[data-testid=public-fields]")
    assert name in shown and world.ent_a.credit_code in shown, shown
    assert ID_NO not in public.content() and MASKED_ID.search(shown), shown
    assert "（萧）应急信列〔2026〕1号" in shown and "第七条第一项" in shown, shown

    assert enterprise_banner(officer, base, world.ent_a.id) == [LISTED, KEY]
    assert enterprise_banner(officer, base, world.ent_a2.id) == []
    flagged = picker_options(officer, base, "龙城")
    assert flagged == {world.ent_a.name: [LISTED, KEY], world.ent_a2.name: []}, flagged
    listing_page(party, base, listing_id)
    progress = party.inner_text("[data-testid=progress]")
    assert "已送达列入严重失信主体名单决定书" in progress and "联合惩戒措施实施中" in progress, progress
    assert "（萧）应急信列〔2026〕1号" in documents(party)

    # --- 12 months later: a day early the page says from which day; then the party applies online ---------
    pack = credit_pack(listing.region_path, served_on)
    opens = pack.repair_opens_on(listing.term_start)
    assert opens >= served_on + timedelta(days=365), opens
    commitment = tmp_path / "信用承诺书.png"
    commitment.write_bytes(png_bytes())
    form = "[data-testid=form-credit_repair_apply] form"
    repair_reason = "罚款已于2026年11月2日全额缴纳，已取得安全生产许可证，停产期间完成整改，承诺守法经营"

    clock.freeze(opens - timedelta(days=1))  # a day early: no form to fill in vain, the day it opens instead
    listing_page(party, base, listing_id)
    assert party.locator("[data-testid=form-credit_repair_apply]").count() == 0
    refused = party.inner_text("[data-testid=repair-unavailable]")
    assert "列入满" in refused and f"{opens:%Y年%m月%d日}起可以申请" in refused, refused

    clock.freeze(opens)
    listing_page(party, base, listing_id)
    party.fill(f"{form} textarea[name=statement]", repair_reason)
    party.set_input_files(f"{form} input[name=commitment]", str(commitment))
    submit(party, f"{form} button[type=submit]")
    assert "信用修复申请已提交" in party.inner_text("[data-testid=notice]"), party.inner_text("main")
    assert party.locator("[data-testid=form-credit_repair_apply]").count() == 0  # one open application
    repairs = party.inner_text("[data-testid=repairs]")
    assert "网上申请" in repairs, repairs

    # --- the officer verifies: the system proves the payment and the commitment; he confirms the correction -
    open_listing_task(officer, base, listing_id, "verify_repair")
    checks = officer.inner_text("[data-testid=repair-checks]")
    assert re.search(r"✓ 处罚决定已全部履行.*已全部缴清", checks), checks
    assert "✓ 列入以来未发生新的列入事项" in checks and "✓ 已提交信用承诺书" in checks, checks
    assert "✗ 违法行为已纠正" in checks, checks  # no hazard 复查 in the system: the officer confirms it
    assert "信用承诺书.png" in officer.inner_text("[data-testid=task-facts]")
    officer.check("input[name=corrected_confirmed]")
    officer.fill(
        "textarea[name=corrected_evidence]",
        "2027年10月现场核查：已取得安全生产许可证（皖）WH安许证字〔2027〕001号",
    )
    officer.fill(
        "textarea[name=verification]", "经核查，当事人已履行处罚决定、纠正违法行为，符合信用修复条件。"
    )
    officer.check("input[name=proposal][value=grant]")
    submit(officer)
    done(officer)

    open_listing_task(leader, base, listing_id, "decide_repair")
    assert "✗" not in leader.inner_text("[data-testid=repair-checks]")
    leader.check("input[name=repair_decision][value=grant]")
    leader.fill("textarea[name=reason]", "符合信用修复条件，准予提前移出")
    submit(leader)
    done(leader)

    # --- removed: the listing ends early, the public page no longer shows it, the banner is gone ---------
    listing_page(officer, base, listing_id)
    assert status_of(officer) == "已移出"
    assert "提前移出" in officer.inner_text("[data-testid=listing-header]")
    assert "信用修复决定书" in documents(officer), documents(officer)
    assert title not in public_list(public, base)
    assert public.locator("[data-testid=public-empty]").count() == 1
    assert public.goto(public_url).status == 404
    assert enterprise_banner(officer, base, world.ent_a.id) == []
    assert picker_options(officer, base, "龙城") == {world.ent_a.name: [], world.ent_a2.name: []}
    listing_page(party, base, listing_id)
    progress = party.inner_text("[data-testid=progress]")
    assert "联合惩戒措施实施中" not in progress and "信用修复" in progress, progress
    assert "信用修复决定书" in documents(party)

    for ctx in (officer_ctx, party_ctx, leader_ctx, public_ctx):
        ctx.close()


# --- tablet and phone --------------------------------------------------------------------------------------

WIDTHS = [(1024, 768), (390, 844)]  # tablet and phone (test_layout.WIDTHS without the desk)


def at_width(browser, live_server, username, width, height):
    ctx, page = as_user(browser, live_server, username)
    page.set_viewport_size({"width": width, "height": height})
    return ctx, page


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_credit_list_listing_page_and_party_pages_fit_tablet_and_phone(
    browser, live_server, world, make_listing, db, width, height
):
    """The officers' credit list and listing page (one in force with its measures, pushes and history), the
    party's listing page, its 陈述申辩 task page (filled and sent at this width) and its 信用修复 form: nothing
    sticks out sideways and the submit buttons are on the screen."""
    from app.auth.roles import Role
    from tests.factories.org import _user

    manager_a2 = _user("manager_a2", "钱安全", [Role.ENTERPRISE], ent=world.ent_a2)  # ent_a2's own account
    noticed = make_listing(criterion="6").notify().serve()
    in_force = make_listing(criterion="6", enterprise=world.ent_a2).notify().serve().waive(actor=manager_a2)
    in_force.verify().decide().serve_decision()
    db.session.commit()
    noticed_id, in_force_id = noticed.listing.id, in_force.listing.id

    officer_ctx, officer = at_width(browser, live_server, "officer", width, height)
    officer.goto(f"{live_server}/credit/")
    officer.wait_for_load_state("networkidle")
    assert officer.locator("[data-testid=listing-row]").count() == 2
    reads_well(officer, f"承办人员·严重失信主体名单·{width}px")
    listing_page(officer, live_server, noticed_id)
    assert status_of(officer) == "告知中"
    reads_well(officer, f"承办人员·名单详情（告知中）·{width}px")
    # the one in force, each external measure's 登记反馈 form (folded in its table cell) opened, as the officer
    # reads it: folded, Chromium still lays the forms out in the narrow cell when test_layout measures them
    listing_page(officer, live_server, in_force_id)
    assert status_of(officer) == "已列入"
    summaries = officer.locator("[data-testid=measures] details summary")
    assert summaries.count() == len([m for m in in_force.listing.measures if m.feedback_due]) > 0
    for i in range(summaries.count()):
        summaries.nth(i).click()
    reads_well(officer, f"承办人员·名单详情（已列入，登记反馈展开）·{width}px")

    party_ctx, party = at_width(browser, live_server, "manager_a", width, height)
    party.goto(f"{live_server}/credit/")
    party.wait_for_load_state("networkidle")
    reads_well(party, f"企业·本单位的失信惩戒信息·{width}px")
    listing_page(party, live_server, noticed_id)
    reads_well(party, f"企业·名单详情（告知中）·{width}px")
    party.locator("[data-testid=task-state_case]").click()
    party.wait_for_load_state("networkidle")
    reads_well(party, f"企业·陈述申辩·{width}px")
    party.check("input[name=statement_kind][value=陈述申辩]")
    party.fill("textarea[name=text]", "我公司已停止生产并申请办理安全生产许可证，请求不予列入")
    reads_well(party, f"企业·陈述申辩（已填写）·{width}px")
    button = party.locator("form.safeloop-form button[type=submit]").last
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    submit(party)
    done(party)
    listing_page(party, live_server, noticed_id)
    assert "已提交陈述申辩" in party.inner_text("[data-testid=progress]")
    reads_well(party, f"企业·名单详情（已陈述申辩）·{width}px")

    # ent_a2's own account, 12 months on, sees its listing in force with the 信用修复 form
    listing = in_force.listing
    clock.freeze(credit_pack(listing.region_path, listing.term_start).repair_opens_on(listing.term_start))
    listed_ctx, listed = at_width(browser, live_server, "manager_a2", width, height)
    listing_page(listed, live_server, in_force_id)
    assert listed.locator("form[data-form=credit_repair_apply]").count() == 1
    reads_well(listed, f"企业·名单详情（已列入，信用修复申请）·{width}px")
    button = listed.locator("form[data-form=credit_repair_apply] button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    for ctx in (officer_ctx, party_ctx, listed_ctx):
        ctx.close()
