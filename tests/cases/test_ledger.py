"""行政处罚案件台账 (§10.3): every column filled from the demo cases, the list's scope and filters, streamed."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import ledger, queries
from app.cases.models import PenaltyCase
from app.extensions import db
from app.ledgers import definitions, export, source_of
from app.org.models import Department, Region
from app.seed import seed_demo

BASE = "https://safeloop.example/attachments/"


@pytest.fixture
def demo(app):
    ctx = seed_demo()
    db.session.commit()
    return ctx


def rows_for(user, **filters) -> list[dict]:
    f = queries.CaseFilters.from_args(MultiDict(filters))
    return list(ledger.case_rows(user, f, attachment_base=BASE, today=clock.today()))


def other_county_officer() -> User:
    city = db.session.scalar(select(Region).where(Region.code == "341300"))
    county = Region(code="341321", name="砀山县", level="county", parent=city, path=city.path + "341321/")
    dept = Department(name="砀山县应急管理局", short_name="砀", kind="局", region=county)
    user = User(username="dangshan", name="冯执法", department=dept, cert_no="34132101001")
    user.set_roles([Role.OFFICER])
    user.set_password("Dangshan@2026x")
    db.session.add_all([county, dept, user])
    db.session.commit()
    return user


def test_the_ledger_definition_has_the_spec_columns():
    d = definitions.get("penalty_cases")
    assert d.title == "行政处罚案件台账"
    for header in (
        "序号",
        "立案号",
        "案件来源",
        "法制审核（日期/结论）",
        "决定书文号",
        "加处罚款",
        "是否列入严重失信",
        "办案天数",
        "承办人（2）",
        "归档号",
    ):
        assert header in d.headers
    assert source_of("penalty_cases") is ledger.SOURCE


def test_rows_fill_the_columns_from_the_real_cases(demo):
    officer = demo["users"]["officer"]
    rows = rows_for(officer)
    keys = {c.key for c in definitions.get("penalty_cases").columns} - {"seq"}
    assert rows and all(keys <= set(r) for r in rows)
    cases = demo["cases"]
    by_no = {r["case_no"]: r for r in rows}
    filed = db.session.scalars(select(PenaltyCase).where(PenaltyCase.filed_on.is_not(None))).all()
    assert set(by_no) == {c.case_no for c in filed}
    assert cases["filing"].case_no is None  # still in 立案审批: not in the ledger (as not in the list)

    closed = by_no[cases["closed"].case_no]
    assert (
        closed["decision_no"].startswith("（萧）应急罚〔")
        and closed["decided_on"] == cases["closed"].decided_on
    )
    assert closed["unit_fine"] == 20000 and "罚款" in closed["kinds"]
    assert "票据号" in closed["payments"] and closed["archive_no"] == cases["closed"].archive_no
    assert "/gongshi/" in closed["publication"] and closed["publication"].startswith(
        cases["closed"].decided_on.isoformat()[:4]
    )
    assert closed["legal_review"].endswith("同意") and closed["statement"].startswith("书面放弃")
    assert closed["days"] == (cases["closed"].closed_on - cases["closed"].filed_on).days
    assert len(closed["officers"].split("、")) == 2 and closed["credit"] == "否" and closed["transfer"] == "否"
    assert closed["basis"] == "《安全生产法》第九十九条第三项" and "AQSCF-99-3/" in closed["discretion"]

    overdue = by_no[cases["overdue"].case_no]
    assert "仍在计算" in overdue["surcharge"] and overdue["overdue"] == "是" and overdue["payments"] == ""
    review = by_no[cases["review"].case_no]
    assert "举行" in review["hearing"] and "申请" in review["hearing"] and review["legal_review"] == "待审核"
    deciding = by_no[cases["deciding"].case_no]
    assert deciding["legal_review"].splitlines()[0].endswith("建议补充调查") and deciding["decision_no"] == ""
    assert by_no[cases["transfer"].case_no]["transfer"].startswith("是（")
    assert "不予处罚" in by_no[cases["no_penalty"].case_no]["remarks"]
    assert by_no[cases["referral"].case_no]["source"] == "隐患移送"


def test_another_countys_officer_exports_none_of_our_rows(demo):
    stranger = other_county_officer()
    assert rows_for(stranger) == []
    extract = ledger.extract(
        "penalty_cases", stranger, MultiDict(), attachment_base=BASE, today=clock.today()
    )
    assert list(extract.rows) == [] and extract.total() == 0
    qiye = demo["users"]["qiye"]  # the party's account sees its own cases only
    assert {r["party"].splitlines()[0] for r in rows_for(qiye)} <= {qiye.enterprise.name}


def test_a_filter_narrows_the_export_as_the_list(demo):
    officer = demo["users"]["officer"]
    everything = rows_for(officer)
    chemicals = rows_for(officer, industry="危险化学品")
    assert 0 < len(chemicals) < len(everything)
    assert all(r["industry"].startswith("危险化学品") for r in chemicals)
    closed = rows_for(officer, status="已结案")
    assert closed and all(r["remarks"].startswith("已结案") for r in closed)
    f = queries.CaseFilters.from_args(MultiDict({"industry": "危险化学品"}))
    listed = db.session.scalars(queries.filtered(officer, f)).all()
    assert sorted(r["case_no"] for r in chemicals) == sorted(c.case_no for c in listed)
    extract = ledger.extract(
        "penalty_cases",
        officer,
        MultiDict({"industry": "危险化学品"}),
        attachment_base=BASE,
        today=clock.today(),
    )
    assert extract.filters == "行业：危险化学品" and extract.total() == len(chemicals)


def test_an_enterprise_outside_the_scope_is_refused_before_it_is_named(demo):
    from app.errors import ValidationFailed

    stranger = other_county_officer()
    ent = demo["enterprise_by_name"]["萧县华源化工有限公司"]
    with pytest.raises(ValidationFailed):
        ledger.extract(
            "penalty_cases",
            stranger,
            MultiDict({"enterprise_id": str(ent.id)}),
            attachment_base=BASE,
            today=clock.today(),
        )


def test_statements_do_not_grow_with_the_rows(demo):
    officer = demo["users"]["officer"]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.startswith("PRAGMA"):  # a bulk read's connection settings (app.db.bulk_read), not reads
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = rows_for(officer)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    _main, related = ledger.statements(officer, queries.CaseFilters())
    # the cases, one per related table, the region names, a user's name once each (2 officers) and the packs
    assert len(rows) >= 7 and len(seen) <= 1 + len(related) + 1 + 2 + 4


def test_the_workbook_has_the_headers_and_rows(demo):
    officer = demo["users"]["officer"]
    d = definitions.get("penalty_cases")
    f = queries.CaseFilters()
    meta = export.ExportMeta(
        unit="萧县应急管理局",
        exported_at=clock.now(),
        period=ledger.period_label(f, clock.today()),
        filters=ledger.filter_words(f),
    )
    out, n = export.write(d, ledger.case_rows(officer, f, attachment_base=BASE, today=clock.today()), meta)
    wb = openpyxl.load_workbook(io.BytesIO(out.read()), read_only=True)
    values = [list(r) for r in wb.active.iter_rows(values_only=True)]
    header = next(r for r in values if r and r[0] == "序号")
    assert header[: len(d.headers)] == d.headers
    assert n == len(rows_for(officer)) >= 7


def test_the_ledgers_page_offers_the_case_ledger(demo, login):
    from tests.factories.auth import PASSWORD

    officer = demo["users"]["officer"]
    officer.set_password(PASSWORD)
    db.session.commit()
    client = login(officer)
    page = client.get("/ledgers?industry=危险化学品").get_data(as_text=True)
    assert "行政处罚案件台账" in page and 'data-testid="export-penalty_cases"' in page
    assert "行业：危险化学品" in page
    # the other ledgers' filter values are not case filters: the case card ignores them, the page renders
    assert client.get("/ledgers?status=整改中&level=重大").status_code == 200
