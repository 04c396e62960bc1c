"""执法检查台账 (reports/inspections.json, spec §10.4): its rows are exactly the list's rows for each reader and
filter (same InspectionFilters, same scope), every column of the definition is filled by the source, the
cells say what happened (team with 执法证号, 分类分级 and 年度已检次数/上限 counted across sources, findings by
level, 现场处理措施 with 文号, 停产停业, violation outcomes), and the file a supervisor downloads holds the rows of
the filter they exported."""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from app import clock
from app.errors import ValidationFailed
from app.extensions import db
from app.inspections import ledger
from app.inspections.models import InspectionSource, InspectionStatus, MeasureKind, OnSiteMeasure
from app.ledgers import definitions
from tests.factories.db import commit
from tests.factories.inspections_web import class_at, finding_at, inspection_at
from tests.factories.jobs import export_ledger
from tests.ledgers.test_export import col, data_rows, read


def _rows(user, **args) -> list[dict]:
    extract = ledger.extract(ledger.LEDGER, user, MultiDict(args), attachment_base="", today=clock.today())
    return list(extract.rows)


def _list_codes(login, user, **args) -> set[str]:
    html = login(user).get("/inspections/", query_string=args).get_data(as_text=True)
    ids = {int(x) for x in re.findall(r'data-inspection-id="(\d+)"', html)}
    from app.inspections.models import Inspection

    return {db.session.get(Inspection, i).code for i in ids}


@pytest.fixture
def made(world):
    day = date(2026, 4, 8)
    done = inspection_at(world, InspectionStatus.DONE, planned_on=day)
    finding_at(done)
    finding_at(done, level="重大", criterion_code="工贸3")
    finding_at(done, is_violation=True, outcome="不予处罚", outcome_reason="首次违法且及时改正")
    db.session.add(
        OnSiteMeasure(
            inspection_id=done.id,
            kind=MeasureKind.SUSPEND,
            facts="粉尘爆炸危险场所未落实防爆措施",
            basis="《安全生产法》第六十五条",
            scope="二号车间",
            doc_number="（萧）应急现决〔2026〕3号",
            issued_by_id=world.officer.id,
        )
    )
    report = inspection_at(
        world,
        InspectionStatus.HANDLING,
        planned_on=day,
        source=InspectionSource.REPORT,
        counts_against_cap=False,
        source_ref="JB2026-7",
    )
    cancelled = inspection_at(world, InspectionStatus.CANCELLED, planned_on=day)
    drawn = inspection_at(
        world,
        InspectionStatus.DONE,
        enterprise=world.ent_b,
        planned_on=day,
        source=InspectionSource.RANDOM,
        source_ref="SJ2026-02",
        result_publish_due=date(2026, 5, 9),
    )
    planned = inspection_at(world, InspectionStatus.PLANNED, planned_on=day)
    other = inspection_at(world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=day)
    class_at(world.ent_a, 2026, "B", 4)
    commit()
    return {
        "done": done,
        "report": report,
        "cancelled": cancelled,
        "drawn": drawn,
        "planned": planned,
        "other": other,
    }


READERS = ("officer", "supervisor", "leader", "town_officer", "other_officer")


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize(
    "args",
    [
        {},
        {"source": "双随机"},
        {"status": "已完成"},
        {"town": "/340000/341300/341322/341322100/"},
        {"year": "2026", "month": "4"},
        {"q": "龙城"},
        {"findings": "1"},
    ],
)
def test_rows_are_the_lists_rows(login, world, made, who, args):
    user = getattr(world, who)
    rows = _rows(user, **args)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)) and set(codes) == _list_codes(login, user, **args)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))


def test_every_column_is_filled_and_says_what_happened(world, made):
    definition = definitions.get(ledger.LEDGER)
    rows = {r["code"]: r for r in _rows(world.officer)}
    for r in rows.values():
        assert set(r) == {c.key for c in definition.columns}
    done = rows[made["done"].code]
    assert done["officers"] == "王执法（34130001）、赵执法（34130002）"
    assert done["klass"] == "B"
    # ent_a in 2026: done, planned and the (cancelled) one counted? no — cancelled and 举报 are not counted
    assert done["cap_usage"] == "2/4"
    assert (done["general_count"], done["major_count"]) == (2, 1)
    assert done["measures"] == "责令暂时停产停业（（萧）应急现决〔2026〕3号）"
    assert done["suspension"] == "责令暂时停产停业（二号车间）"
    assert done["case"] == "否（问题3：不予处罚）"
    assert done["source"] == "年度计划（2026年度监督检查计划）"
    assert done["locality"] == "萧县龙城镇"
    assert done["inspected_on"] == date(2026, 4, 8)
    assert done["record_no"] == made["done"].record_no and done["record_no"].startswith("（萧）应急检记")
    assert rows[made["planned"].code]["record_no"] == ""  # no 现场检查记录 before the visit
    assert not any(r["remarks"].startswith("检查编号") for r in rows.values())  # a column now, said once
    report = rows[made["report"].code]
    assert report["cap_usage"] == "2/4（本次不计入）" and report["source"] == "举报（JB2026-7）"
    assert rows[made["cancelled"].code]["remarks"].endswith("取消理由：企业已停产")
    drawn = rows[made["drawn"].code]
    assert drawn["klass"] == "" and drawn["cap_usage"] == "1/未分类"
    assert drawn["published_on"] == "未公示（期限 2026-05-09）"
    assert made["other"].code not in rows


def test_a_filter_outside_the_scope_is_refused_before_it_is_named(world, made):
    with pytest.raises(ValidationFailed):
        ledger.extract(
            ledger.LEDGER,
            world.officer,
            MultiDict({"enterprise_id": str(world.ent_other.id)}),
            attachment_base="",
            today=clock.today(),
        )


def test_the_downloaded_file_holds_the_filtered_rows(login, world, made):
    c = login(world.supervisor)
    data = export_ledger(c, "inspections", "source=双随机")
    definition = definitions.get("inspections")
    rows = data_rows(read(data), definition)
    assert len(rows) == 1
    assert rows[0][col(definition, "enterprise")] == world.ent_b.name
    # the row traces back to its inspection: 检查编号 and 现场检查记录文号
    assert rows[0][col(definition, "code")] == made["drawn"].code
    assert rows[0][col(definition, "record_no")] == made["drawn"].record_no
    # the enterprise account exports nothing
    assert login(world.manager_a).post("/ledgers/inspections.xlsx").status_code in (403, 404)


def test_the_ledgers_page_offers_it_to_staff(login, world, made):
    html = login(world.supervisor).get("/ledgers").get_data(as_text=True)
    assert "执法检查台账" in html and 'data-testid="ledger-inspections"' in html


def test_the_case_column_says_how_each_violation_ended(world):
    from types import SimpleNamespace as Row

    words = ledger._case_words
    assert words([]) == "否"
    assert words([Row(seq=1, outcome="立案", case_no="萧应急立〔2026〕3号")]) == "是（萧应急立〔2026〕3号）"
    assert (
        words(
            [
                Row(seq=1, outcome="简易程序", case_no="萧应急当罚〔2026〕1号"),
                Row(seq=2, outcome=None, case_no=None),
            ]
        )
        == "否（问题1：简易程序 萧应急当罚〔2026〕1号；问题2：待处理）"
    )
    assert words([Row(seq=2, outcome="移送", case_no=None)]) == "否（问题2：移送）"
