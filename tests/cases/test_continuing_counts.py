"""The Art.112 按日连续处罚 counts wherever a fine counts: the hearing right (较大数额罚款 is the amount the party
faces: its line's total), the 法制审核 / 集体讨论 amounts, the 统计分析 sums, the 台账's 单位罚款 and 加处罚款, the
公示's 罚款金额(万元) and 处罚内容, the case page (figures and 大写) and the 执法案卷.

The linked case of tests/cases/test_continuing_fine.py: the parent fined the unit 30000 on 2026-11-02, the
逾期未改正 case is reported 30 days later → a 900000 part. 萧县 sits under the 安徽 pack (5万 for a unit) and the
宿州 pack (every case to 法制审核)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, text
from werkzeug.datastructures import MultiDict

from app import clock, publication
from app.cases import casefile, ledger, linked, policy, publicity, queries, stats
from app.cases.models import PenaltyCase
from app.cases.operations.execution import balance
from app.cases.rules import pack_for
from app.extensions import db
from tests.cases.test_continuing_fine import STAGE2_LINE, _decide_and_serve, _linked_case
from tests.factories.db import commit

WARNING_LINE = {"target": "单位", "kinds": ["警告"], "fine": Decimal("0")}  # no fine of its own
PART = Decimal("900000")


@pytest.fixture(autouse=True)
def _unlink_after(db):
    """As in test_continuing_fine: committed parent links are undone before the tables are emptied."""
    yield
    db.session.rollback()
    db.session.execute(text("UPDATE case_proposals SET parent_case_id = NULL"))
    db.session.execute(text("UPDATE penalty_cases SET parent_case_id = NULL"))
    db.session.commit()


def _squash(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _lines_table(resp) -> str:
    html = resp.get_data(as_text=True)
    start = html.index('data-testid="lines"')
    return _squash(html[start : html.index("</table>", start)])


# ---- policy: the hearing right and the 法制审核 / 集体讨论 amounts ---------------------------------------------


@pytest.mark.parametrize("continuing", [True, False])
def test_the_part_alone_gives_the_hearing_right_and_the_amount_triggers(world, make_case, continuing):
    w, original = _linked_case(world, make_case)
    assert original == Decimal("30000")
    w.report(lines=[dict(WARNING_LINE)], continuing_fine=continuing)
    case = w.case
    (line,) = case.lines
    anhui = pack_for("/340000/", clock.today())  # 安徽 alone: 法制审核 by amount (宿州 sends every case)
    assert anhui.hearing_threshold("unit") == Decimal("50000") > Decimal(line.proposed_fine)  # the fine alone
    assert linked.line_total(line, "proposed") == (PART if continuing else 0)

    # proposed: the report's flags
    assert case.hearing_right is continuing
    assert case.discussion_required is continuing  # 安徽: 5万 for a unit
    assert policy.review_required(case, anhui, stage="proposed") is continuing
    # a stage not reached yet reads the proposal, with its part
    assert policy.hearing_right(case, anhui, stage="decided") is continuing

    # notified: the 告知书 carries the hearing right, and the notice is the 听证告知书
    w.notify()
    commit()
    assert case.hearing_right is continuing and case.notices[-1].hearing_right is continuing
    assert policy.hearing_right(case, anhui, stage="notified") is continuing
    assert policy.discussion_required(case, anhui, stage="notified") is continuing
    assert policy.review_required(case, anhui, stage="notified") is continuing


def test_a_person_line_takes_no_part(world, make_case):
    """Only the unit's line carries the part: a person's 1000 fine beside it stays below 2万."""
    w, _ = _linked_case(world, make_case)
    person = {
        "target": "个人",
        "kinds": ["警告"],
        "fine": Decimal("0"),
        "party_name": "张三",
        "position": "安全管理人员",
        "id_number": "340000199001011234",
    }
    w.report(lines=[dict(WARNING_LINE), person], continuing_fine=True)
    unit, someone = w.case.lines
    anhui = pack_for("/340000/", clock.today())
    assert linked.line_total(unit, "proposed") == PART and linked.line_total(someone, "proposed") == 0
    assert policy._stage(someone, "proposed") == (Decimal(0), ["警告"])
    assert not anhui.hearing_right("person", *policy._stage(someone, "proposed"))
    assert w.case.hearing_right  # from the unit's line


# ---- stats, 台账, 公示, the case page, the case file -------------------------------------------------------


def _decided(world, make_case) -> PenaltyCase:
    w, _ = _linked_case(world, make_case)
    w.report(lines=[dict(STAGE2_LINE)], continuing_fine=True).notify().waive()
    _decide_and_serve(world, w)
    case = w.case
    (line,) = case.lines
    assert line.decided_fine == Decimal("150000") and linked.line_total(line) == Decimal("1050000")
    return case


def test_stats_sum_the_lines_totals_in_one_statement(world, make_case):
    case = _decided(world, make_case)
    f = stats.panel_filters(MultiDict({"filed_from": "2000-01-01"}))[0]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        board = stats.build(world.officer, f)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    decided = db.session.scalars(select(PenaltyCase).where(PenaltyCase.decided_on.is_not(None))).all()
    assert len(decided) == 2  # the parent (30000) and the linked case (150000 + 900000)
    expected = sum((linked.line_total(ln) for c in decided for ln in c.lines), Decimal(0))
    assert expected == Decimal("1080000")
    assert board.total.fines == expected and isinstance(board.total.fines, Decimal)
    assert sum((fig.fines for _n, _p, fig in board.by_town), Decimal(0)) == expected
    assert sum((fig.fines for _n, fig in board.by_industry), Decimal(0)) == expected
    fine_reads = [s for s in seen if "penalty_lines" in s and "sum(" in s.lower()]
    assert len(fine_reads) == 1, fine_reads  # one statement for the fines, the part included
    assert case.continuing_fine["amount"]


def test_stats_count_no_part_before_the_decision(world, make_case):
    w, _ = _linked_case(world, make_case)
    w.report(lines=[dict(STAGE2_LINE)], continuing_fine=True).notify().waive()
    commit()
    assert linked.line_total(w.case.lines[0], "notified") == Decimal("1050000")
    f = stats.panel_filters(MultiDict({"filed_from": "2000-01-01"}))[0]
    assert stats.build(world.officer, f).total.fines == Decimal("30000")  # the parent alone


def test_stats_without_the_part(world, make_case):
    """Reported without a 按日连续处罚 (the column cleared by the report), decided: the fine alone."""
    w, _ = _linked_case(world, make_case)
    w.report(lines=[dict(STAGE2_LINE)]).notify().waive()
    _decide_and_serve(world, w)
    assert w.case.continuing_fine is None and w.case.decided_on is not None
    f = stats.panel_filters(MultiDict({"filed_from": "2000-01-01"}))[0]
    assert stats.build(world.officer, f).total.fines == Decimal("180000")  # 30000 + 150000


def test_the_ledger_shows_the_units_total_and_its_parts(world, make_case):
    case = _decided(world, make_case)
    base = "http://localhost/"

    def rows(today: date) -> dict[str, dict]:
        return {
            r["case_no"]: r
            for r in ledger.case_rows(world.officer, queries.CaseFilters(), attachment_base=base, today=today)
        }

    by_no = rows(clock.today())
    row, parent = by_no[case.case_no], by_no[case.parent.case_no]
    assert row["unit_fine"] == Decimal("1050000") and parent["unit_fine"] == Decimal("30000")
    assert (
        "单位罚款含罚款150,000.00元、按日连续处罚900,000.00元（原罚款数额30,000.00元×30日）" in row["remarks"]
    )
    assert "按日连续处罚" not in parent["remarks"]

    # 加处罚款 on the same principal as the case's balance (fine + part), 10 days after the deadline
    later = case.payment_due + timedelta(days=10)
    surcharge = balance(case, later).surcharge
    assert surcharge.days == 10 and surcharge.amount == Decimal("1050000") * Decimal("0.03") * 10
    assert rows(later)[case.case_no]["surcharge"].startswith(f"{surcharge.amount:,.2f}元（10日")


def test_the_ledger_statements_stay_flat(world, make_case):
    _decided(world, make_case)
    _main, related = ledger.statements(world.officer, queries.CaseFilters())
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        list(ledger.case_rows(world.officer, queries.CaseFilters(), attachment_base="x", today=clock.today()))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # the cases, each related table, and the name look-ups (regions, users, packs): no read per case
    assert not any("continuing_fine" in s and "penalty_cases.id =" in s for s in seen)
    assert len([s for s in seen if "FROM penalty_lines" in s]) == 1


def test_publicity_counts_and_names_the_part(world, make_case):
    case = _decided(world, make_case)
    current = publication.current_for(case, "penalty_decision")
    assert current is not None
    fields = dict(current.fields)
    assert fields["罚款金额(万元)"] == "105.0000", fields["罚款金额(万元)"]
    assert "按日连续处罚900000" in fields["处罚内容"] and "原罚款数额30000" in fields["处罚内容"]
    assert "×30日" in fields["处罚内容"], fields["处罚内容"]
    parent = publicity._fields(case.parent, "（萧）应急罚〔2026〕1号")  # the parent's fine alone
    assert parent["罚款金额(万元)"] == "3.0000" and "按日连续处罚" not in parent["处罚内容"]


def test_the_case_page_shows_the_part_in_figures_and_capital(world, make_case, login):
    case = _decided(world, make_case)
    staff = _lines_table(login(world.officer).get(f"/cases/{case.id}"))
    for words in (
        "罚款150,000.00元",
        "按日连续处罚900,000.00元（原罚款数额30,000.00元×30日）",
        "大写：玖拾万元整",
        "合计1,050,000.00元",
        "大写：壹佰零伍万元整",
    ):
        assert words in staff, (words, staff)
    # proposed, notified and decided: the part in each of the three columns
    assert staff.count("按日连续处罚900,000.00元") == 3
    party = _lines_table(login(world.manager_a).get(f"/cases/{case.id}"))
    assert party.count("按日连续处罚900,000.00元") == 2 and "合计1,050,000.00元" in party  # 告知 and 决定
    parent = _lines_table(login(world.officer).get(f"/cases/{case.parent.id}"))
    assert "按日连续处罚" not in parent and "合计" not in parent


def test_the_case_file_counts_the_part(world, make_case):
    case = _decided(world, make_case)
    result = casefile.cover(case).result
    assert "罚款150000.00元、按日连续处罚900000" in result and "合计1050000" in result, result
    assert "罚款缴纳凭证（缴款登记）" in casefile.missing(case)
    assert "按日连续处罚" not in casefile.cover(case.parent).result


def test_the_notice_task_page_counts_the_part_as_the_notice_does(world, make_case, login):
    """The 告知 task page tells the officer what the 告知书 will say: the hearing right from the line's total."""
    from tests.cases.walk import task_of

    w, _ = _linked_case(world, make_case)
    w.report(lines=[dict(WARNING_LINE)], continuing_fine=True)
    commit()
    html = login(world.officer).get(f"/tasks/{task_of(w.case, 'issue_notice').id}").get_data(as_text=True)
    assert 'data-testid="notice-right">有（罚款达到较大数额）' in html  # the fine alone (0) would give 无
    assert "行政处罚（听证）告知书" in html
