"""列入情形 (应急管理部令第11号, spec §7.2): the nine criteria as data; the 事故 register; each criterion proposes its
listing and only it (accidents 1–5, a tagged penalty decision 6/7, the court enforcement application 8, manual);
the negatives (one 较大 accident, a 一般 one, a decision without a tagged violation, a 不予处罚 decision); no
duplicate while one is open or in force; who may record and propose; the audit and the section heads' notice."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.audit.models import AuditEvent
from app.cases import gates
from app.cases import operations as ops
from app.cases.violations import LibraryDataError, load_file
from app.credit import criteria
from app.credit.criteria import CriteriaError, parse
from app.credit.models import Accident, CreditListing, ListingStatus, ProposalOrigin, SubjectKind
from app.credit.operations import proposals
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications import Notification
from tests.factories.clock import START
from tests.factories.db import commit

DECIDE = {"decision": "decide", "opinion": "同意"}


def listings(enterprise=None) -> list[CreditListing]:
    stmt = select(CreditListing).order_by(CreditListing.id)
    if enterprise is not None:
        stmt = stmt.where(CreditListing.enterprise_id == enterprise.id)
    return list(db.session.scalars(stmt))


def accident(world, actor=None, **kw) -> Accident:
    data = {
        "enterprise_id": world.ent_a.id,
        "name": "萧县龙城机械制造有限公司“11·1”机械伤害事故",
        "occurred_on": START - timedelta(days=1),
        "level": "一般",
        "deaths": 1,
        "report_no": "萧政调〔2026〕1号",
        **kw,
    }
    return proposals.record_accident(data, actor=actor or world.officer)


def decided_case(world, make_case, code: str, lines: list[dict]):
    """An ordinary case for violation `code`, taken to the 负责人's decision through the real operations."""
    w = make_case()
    w.file().evidence().report(violation_code=code, lines=lines).notify().waive()
    ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    if "legal_review" in w.ready:
        ops.legal_review(
            w.case,
            {
                "review_opinion": "agree",
                "reasons": "事实清楚，程序合法",
                "confirmed": [i.key for i in gates.checklist(w.case, clock.today())],
            },
            actor=world.legal,
        )
    if "collective_discussion" in w.ready:
        ops.collective_discussion(
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
    ops.decide(w.case, DECIDE, actor=world.leader)
    return w


UNLICENSED = [{"target": "单位", "kinds": ["罚款", "没收违法所得"], "fine": Decimal("300000")}]


# ---- the data ---------------------------------------------------------------------------------------------


def test_nine_criteria_with_wording_basis_and_source():
    items = criteria.criteria().items
    assert [c.code for c in items] == [str(n) for n in range(1, 10)]
    assert [c.source for c in items] == ["accident"] * 5 + ["case", "case", "execution", "case"]
    assert all(c.basis.startswith("应急管理部令第11号第") for c in items)
    assert [c.confidence for c in items[5:]] == ["M:med", "M:med", "M:med", "M:low"]  # spec: 6–9 M:med/low
    assert all(c.confidence == "M:high" for c in items[:5])
    assert [c.code for c in items if c.includes_head] == ["1", "2", "3", "5", "6", "8"]
    assert criteria.criterion("5").head_only and criteria.criterion("7").institution
    assert "12个月内累计发生2起以上较大" in criteria.criterion("2").text
    assert criteria.criterion("2").rule == {"levels": ["较大"], "count": 2, "window_months": 12}
    with pytest.raises(ValidationFailed) as exc:
        criteria.criterion("10")
    assert "规定的列入情形" in exc.value.field_errors["criterion"]


def test_a_broken_criteria_file_names_the_key():
    raw = json.loads(criteria.DATA_FILE.read_text(encoding="utf-8"))
    missing = json.loads(json.dumps(raw))
    del missing["criteria"][8]
    with pytest.raises(CriteriaError, match="应依次为第1至9项"):
        parse(missing)
    bad = json.loads(json.dumps(raw))
    bad["criteria"][1]["rule"]["window_months"] = 0
    with pytest.raises(CriteriaError, match=r"criteria\[1\]\.rule\.window_months"):
        parse(bad)
    head = json.loads(json.dumps(raw))
    head["criteria"][5]["includes_head"] = False
    with pytest.raises(CriteriaError, match="includes_head"):
        parse(head)
    source = json.loads(json.dumps(raw))
    source["criteria"][0]["source"] = "rumour"
    with pytest.raises(CriteriaError, match=r"criteria\[0\]\.source"):
        parse(source)


def test_violation_library_carries_the_criterion_tag(tmp_path):
    from app.cases import discretion

    assert discretion.entry("XKZTL-19").credit_criterion == "6"
    assert discretion.entry("AQSCF-92-2").credit_criterion == "7"
    assert discretion.entry("AQSCF-97-5").credit_criterion is None
    assert discretion.entry("XKZTL-19").penalty_article == "《安全生产许可证条例》第十九条"
    from app.cases.violations import DATA_DIR

    raw = json.loads((DATA_DIR / "2024-11-01.illustrative-1.json").read_text(encoding="utf-8"))
    raw["entries"][0]["credit_criterion"] = "12"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LibraryDataError, match="credit_criterion"):
        load_file(path)


# ---- the 事故 register ----------------------------------------------------------------------------------------


def test_record_accident_staff_of_the_jurisdiction_only(world, frozen):
    for outsider in (world.other_officer, world.manager_a, world.leader, world.legal):
        with pytest.raises(PermissionDenied):
            accident(world, actor=outsider)
    a = accident(
        world, actor=world.section_head, responsible=[{"kind": "个人", "name": "张三", "role": "主要负责人"}]
    )
    assert (a.agency_id, a.region_path, a.recorded_by_id) == (
        world.bureau.id,
        world.ent_a.region_path,
        world.section_head.id,
    )
    assert a.responsible == [{"kind": "个人", "name": "张三", "role": "主要负责人", "id_no": None}]
    commit()  # audit events join the chain at commit
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "credit.accident_recorded")
    ).one()
    assert "一般事故" in event.summary and event.object_id == a.id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", " ", "请填写事故名称"),
        ("occurred_on", START + timedelta(days=1), "不能晚于今天"),
        ("occurred_on", None, "请填写事故发生日期"),
        ("level", "很大", "请选择事故等级"),
        ("deaths", -1, "不能为负数"),
        ("injuries", "两", "应为整数"),
        ("direct_loss", "很多", "应为数字"),
        ("concealment", "迟报", "瞒报/谎报"),
        ("responsible", [{"kind": "单位"}], "请填写单位名称"),
        ("responsible", [{"kind": "其他", "name": "甲"}], "请选择责任单位或责任人员"),
    ],
)
def test_record_accident_validation_in_chinese(world, frozen, field, value, message):
    with pytest.raises(ValidationFailed) as exc:
        accident(world, **{field: value})
    assert message in exc.value.field_errors[field]
    assert listings() == []


# ---- accident criteria 1–5: each its own proposal, and only it ------------------------------------------------


def test_criterion_1_major_accident_unit_head_and_responsible_units(world, frozen):
    a = accident(
        world,
        level="重大",
        deaths=12,
        responsible=[
            {"kind": "个人", "name": "张三", "id_no": "342224197001010011", "role": "主要负责人"},
            {"kind": "个人", "name": "李四", "role": "安全管理人员"},
            {
                "kind": "单位",
                "name": world.ent_b.name,
                "credit_code": world.ent_b.credit_code,
                "role": "设备维保单位",
            },
            {"kind": "单位", "name": "外省某检测公司", "credit_code": "91110000MA00000000"},
        ],
    )
    rows = listings()
    assert [(r.enterprise_id, r.criterion) for r in rows] == [(world.ent_a.id, "1"), (world.ent_b.id, "1")]
    unit, other = rows
    assert unit.origin == ProposalOrigin.ACCIDENT and unit.status == ListingStatus.PROPOSED
    assert (unit.person_name, unit.person_id_no, unit.person_role) == (
        "张三",
        "342224197001010011",
        "主要负责人",
    )
    assert (
        unit.accident_ids == [a.id]
        and unit.agency_id == world.bureau.id
        and unit.region_path == world.ent_a.region_path
    )
    assert unit.criterion_text == criteria.criterion("1").text and unit.proposed_by_id is None
    for text in ("重大事故", "死亡12人", "萧政调〔2026〕1号", "2026年11月01日", "李四（安全管理人员）"):
        assert text in unit.evidence, text
    assert "设备维保单位" in other.evidence and other.region_path == world.ent_b.region_path
    assert unit.proposed_on == START
    assert workflow.instance_for(unit, "credit_listing") is not None  # the listing procedure started


def test_criterion_1_special_accident_too_but_not_ordinary_or_larger(world, frozen):
    accident(world, level="特别重大", deaths=31)
    assert [r.criterion for r in listings()] == ["1"]


def test_an_ordinary_accident_proposes_nothing(world, frozen):
    accident(world, level="一般", deaths=2)
    assert listings() == []


def test_one_larger_accident_proposes_nothing(world, frozen):
    accident(world, level="较大", deaths=4)
    accident(world, level="较大", deaths=3, enterprise_id=world.ent_b.id)  # another enterprise's
    accident(world, level="一般", occurred_on=START - timedelta(days=30))  # not 较大
    assert listings() == []


def test_criterion_2_second_larger_accident_within_12_months(world, frozen):
    first = accident(world, level="较大", deaths=3, occurred_on=date(2025, 11, 2), name="第一起")
    assert listings() == []
    second = accident(world, level="较大", deaths=4, occurred_on=date(2026, 11, 2), name="第二起")
    (row,) = listings()
    assert row.criterion == "2" and row.accident_ids == [first.id, second.id]
    assert (
        "第一起" in row.evidence and "第二起" in row.evidence and row.person_name == world.ent_a.main_person
    )
    assert row.person_role == "主要负责人"


def test_criterion_2_not_when_more_than_12_months_apart(world, frozen):
    accident(world, level="较大", occurred_on=date(2025, 11, 1), name="第一起")
    accident(world, level="较大", occurred_on=date(2026, 11, 2), name="第二起")  # 12 months and a day
    assert listings() == []


def test_criterion_2_an_earlier_accident_recorded_late_counts(world, frozen):
    accident(world, level="较大", occurred_on=date(2026, 10, 1), name="后发生先登记")
    accident(world, level="较大", occurred_on=date(2026, 3, 1), name="先发生后登记")
    assert [r.criterion for r in listings()] == ["2"]


def test_criterion_3_art114_multiple(world, frozen):
    accident(world, level="一般", art114_multiple=True)
    (row,) = listings()
    assert row.criterion == "3" and "第一百一十四条" in row.evidence and row.person_role == "主要负责人"


def test_criterion_4_concealment_lists_the_unit_and_the_responsible_person(world, frozen):
    accident(
        world,
        concealment="瞒报",
        responsible=[{"kind": "个人", "name": "王五", "id_no": "342224198001010022", "role": "生产副总"}],
    )
    (row,) = listings()
    assert row.criterion == "4" and "瞒报" in row.evidence
    assert (row.person_name, row.person_id_no, row.person_role) == ("王五", "342224198001010022", "生产副总")


def test_criterion_5_head_failed_rescue_lists_the_head(world, frozen):
    accident(world, head_failed_rescue=True)
    (row,) = listings()
    assert row.criterion == "5" and row.person_name == world.ent_a.main_person and "逃匿" in row.evidence
    assert criteria.criterion("5").head_only


def test_one_accident_meeting_several_criteria_proposes_each_once(world, frozen):
    accident(world, level="重大", concealment="谎报", art114_multiple=True, head_failed_rescue=True)
    assert [r.criterion for r in listings()] == ["1", "3", "4", "5"]


def test_no_duplicate_while_open_or_in_force_but_again_after_it_ended(world, frozen):
    accident(world, level="重大")
    accident(world, level="重大", name="又一起重大事故")
    (row,) = listings()
    row.status = ListingStatus.LISTED
    db.session.flush()
    accident(world, level="重大", name="第三起")
    assert len(listings()) == 1
    row.status = ListingStatus.DECLINED
    db.session.flush()
    accident(world, level="重大", name="第四起")
    assert [r.status for r in listings()] == [ListingStatus.DECLINED, ListingStatus.PROPOSED]


def test_proposal_is_audited_and_the_section_heads_told(world, frozen):
    accident(world, level="重大")
    commit()  # audit events join the chain at commit
    (row,) = listings()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "credit.proposed")).one()
    assert event.object_id == row.id and "第1项情形" in event.summary and event.actor_id is None
    told = db.session.scalars(select(Notification).where(Notification.kind == "credit_proposed")).all()
    assert [n.user_id for n in told] == [world.section_head.id]
    assert world.ent_a.name in told[0].title


# ---- penalty decisions: 6 and 7 from a tagged violation; the negatives -------------------------------------------


def test_criterion_6_from_a_decision_for_unlicensed_production(world, make_case):
    w = decided_case(world, make_case, "XKZTL-19", UNLICENSED)
    (row,) = listings()
    assert (row.criterion, row.origin, row.case_id) == ("6", ProposalOrigin.CASE, w.case.id)
    assert row.agency_id == w.case.agency_id and row.region_path == w.case.region_path
    assert row.subject_kind == SubjectKind.UNIT and row.person_role == "主要负责人"
    from app.cases.operations.decision import decision_document

    number = decision_document(w.case).number.text
    assert number in row.evidence and f"{clock.today():%Y年%m月%d日}作出" in row.evidence
    assert "《安全生产许可证条例》第十九条" in row.evidence and "300000元" in row.evidence


def test_criterion_7_from_a_decision_for_a_false_safety_evaluation_report(world, make_case):
    lines = [
        {"target": "单位", "kinds": ["罚款"], "fine": Decimal("150000")},
        {
            "target": "个人",
            "party_name": "赵评价",
            "id_number": "342224198501010033",
            "position": "项目负责人",
            "kinds": ["罚款"],
            "fine": Decimal("75000"),
        },
    ]
    decided_case(world, make_case, "AQSCF-92-2", lines)
    (row,) = listings()
    assert row.criterion == "7" and row.subject_kind == SubjectKind.INSTITUTION
    assert (row.person_name, row.person_id_no, row.person_role) == (
        "赵评价",
        "342224198501010033",
        "项目负责人",
    )


def test_a_decision_without_a_tagged_violation_proposes_nothing(world, make_case):
    decided_case(
        world, make_case, "AQSCF-97-5", [{"target": "单位", "kinds": ["罚款"], "fine": Decimal("30000")}]
    )
    assert listings() == []


def test_a_no_penalty_decision_proposes_nothing(world, make_case):
    w = make_case()
    w.file().evidence().report(
        violation_code="XKZTL-19",
        outcome="no_penalty",
        lines=[],
        no_penalty_reason="首违",
        education="已教育",
    )
    assert proposals.propose_from_case(w.case) == []  # not decided
    w.case.decided_on = clock.today()  # decided 不予行政处罚: a tagged violation, but no penalty
    assert proposals.propose_from_case(w.case) == []
    assert listings() == []


# ---- 8: the court enforcement application -----------------------------------------------------------------


def test_criterion_8_from_the_court_enforcement_application(world, make_case):
    from app.cases.operations import execution as ex

    w = decided_case(
        world, make_case, "AQSCF-97-5", [{"target": "单位", "kinds": ["罚款"], "fine": Decimal("30000")}]
    )
    ops.serve_decision(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    clock.freeze(w.case.payment_due + timedelta(days=1))
    ex.issue_reminder(w.case, {}, actor=world.officer)
    ex.serve_reminder(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    assert listings() == []  # the 催告 alone proposes nothing
    opens, _closes = ex.enforcement_window(w.case)
    clock.freeze(opens)
    ex.apply_enforcement(w.case, {"court": "萧县人民法院"}, actor=world.officer)
    (row,) = listings()
    assert (row.criterion, row.case_id, row.person_role) == ("8", w.case.id, "主要负责人")
    assert "萧县人民法院" in row.evidence and "催告书" in row.evidence and "有执行能力" in row.evidence


# ---- manual -------------------------------------------------------------------------------------------------


def test_manual_proposal_names_criterion_and_evidence(world, frozen):
    row = proposals.propose(
        {
            "enterprise_id": world.ent_a.id,
            "criterion": "9",
            "evidence": "萧应急罚〔2026〕8号行政处罚决定书：多次拒不整改重大事故隐患",
            "person_name": "李四",
            "person_role": "安全管理人员",
        },
        actor=world.officer,
    )
    assert (row.criterion, row.origin, row.proposed_by_id, row.agency_id) == (
        "9",
        ProposalOrigin.MANUAL,
        world.officer.id,
        world.bureau.id,
    )
    assert row.person_name == "李四" and row.criterion_text == criteria.criterion("9").text
    with pytest.raises(ValidationFailed) as exc:  # the same enterprise and criterion, still open
        proposals.propose(
            {"enterprise_id": world.ent_a.id, "criterion": "9", "evidence": "再次"}, actor=world.officer
        )
    assert "不能重复提出" in exc.value.field_errors["criterion"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"criterion": "0", "evidence": "x"}, "criterion", "规定的列入情形"),
        ({"criterion": "6", "evidence": " "}, "evidence", "事实和证据"),
        ({"criterion": "6", "evidence": "x", "accident_ids": [999]}, "accident_ids", "该企业登记的事故"),
        ({"criterion": "6", "evidence": "x", "case_id": 999}, "case_id", "行政处罚案件"),
    ],
)
def test_manual_proposal_validation(world, frozen, data, field, message):
    with pytest.raises(ValidationFailed) as exc:
        proposals.propose({"enterprise_id": world.ent_a.id, **data}, actor=world.officer)
    assert message in exc.value.field_errors[field]


def test_manual_proposal_denied_outside_the_jurisdiction_and_to_non_staff(world, frozen):
    data = {"enterprise_id": world.ent_a.id, "criterion": "6", "evidence": "无证生产"}
    for outsider in (world.other_officer, world.manager_a, world.legal, world.supervisor):
        with pytest.raises(PermissionDenied):
            proposals.propose(data, actor=outsider)
    with pytest.raises(PermissionDenied):
        proposals.propose({**data, "enterprise_id": world.ent_other.id}, actor=world.officer)
    assert listings() == []


def test_manual_proposal_with_an_accident_takes_its_registering_agency(world, frozen):
    a = accident(world, level="一般")
    row = proposals.propose(
        {
            "enterprise_id": world.ent_a.id,
            "criterion": "4",
            "evidence": "事后查明迟报并谎报",
            "accident_ids": [a.id],
        },
        actor=world.section_head,
    )
    assert row.accident_ids == [a.id] and row.agency_id == a.agency_id
