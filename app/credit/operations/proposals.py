"""Proposals for the 严重失信主体名单 from facts (应急管理部令第11号, spec §7.2), and the 事故 register they read.

- `record_accident(data, *, actor)`: an officer or section head of the jurisdiction records an accident
  (date, level, deaths/injuries, loss, 瞒报/谎报, the Art.114 2–5× fine, the head's failure to rescue or flight,
  the responsible units and persons, the investigation report number); the accident criteria are then applied.
- `propose_from_accident(accident)`: criteria 1–5 (figures in app/credit/data/criteria.json: 1 重大/特别重大 —
  the unit with its main 负责人, and each responsible unit of the register recorded among `responsible`;
  2 the second 较大 accident of the same enterprise within 12 months; 3 art114_multiple; 4 瞒报/谎报 — the unit
  and its responsible person; 5 head_failed_rescue — the main 负责人).
- `propose_from_case(case)`: criteria 6/7/9 from a penalty decision whose 违法行为库 entry carries
  `credit_criterion` (app.cases signal decision_made).
- `propose_from_execution(case)`: criterion 8 when the agency applies to the court for enforcement (the party
  did not pay after the 催告书; app.cases signal execution_refused). The system cannot see the party's means:
  the proposal says so, and the officer drops it at 告知 if the party could not pay (有执行能力 is part of the
  criterion).
- `propose(data, *, actor)`: an officer names the criterion and its evidence (manual).

Each proposal is a CreditListing at 拟列入 (origin, criterion and its text, evidence, agency = the deciding or
registering agency — 谁处罚、谁决定、谁负责 —, region, enterprise, the person listed with the unit where the
criterion says so), audited, its jurisdiction's section heads told, and the listing procedure started
(operations.listing.open_listing). No second proposal for the same enterprise and criterion while one is open
(拟列入 … 待送达) or in force (已列入): the system's proposals skip it, a manual one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app import audit, clock, notifications
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.credit import criteria as criteria_data
from app.credit.criteria import Criterion
from app.credit.models import (
    Accident,
    AccidentLevel,
    CreditListing,
    ProposalOrigin,
    SubjectKind,
)
from app.credit.models.listing import ACTIVE, OPEN
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.org.models import Department, Enterprise

STAFF = (Role.OFFICER, Role.SECTION_HEAD)
CONCEALMENT = ("", "瞒报", "谎报")
RESPONSIBLE_KINDS = ("单位", "个人")
HEAD_ROLE = "主要负责人"


@dataclass(frozen=True)
class Person:
    name: str | None
    id_no: str | None
    role: str | None


NOBODY = Person(None, None, None)


# ---- who may act ------------------------------------------------------------------------------------------


def _staff_in_scope(actor: User, enterprise: Enterprise) -> bool:
    return (
        actor.has_role(*STAFF)
        and not actor.is_enterprise_user
        and in_scope(actor, enterprise.region_path, enterprise.id)
    )


def _agency_of(actor: User) -> Department:
    agency = actor.department.agency if actor.department is not None else None
    if agency is None:
        raise InvalidState("您未归属任何执法机关，不能办理")
    return agency


def _enterprise(enterprise_id: Any, field: str = "enterprise_id") -> Enterprise:
    try:
        enterprise = db.session.get(Enterprise, int(enterprise_id))
    except (TypeError, ValueError):
        enterprise = None
    if enterprise is None:
        raise invalid(field, "请选择企业")
    return enterprise


# ---- the 事故 register ---------------------------------------------------------------------------------------


def _count(data: dict, field: str, label: str) -> int:
    value = data.get(field)
    if value in (None, ""):
        return 0
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise invalid(field, f"{label}应为整数") from None
    if n < 0:
        raise invalid(field, f"{label}不能为负数")
    return n


def _responsible(rows: Any) -> list[dict]:
    out = []
    for i, row in enumerate(rows or [], 1):
        if not isinstance(row, dict):
            raise invalid("responsible", f"第{i}项：请填写责任单位或人员")
        kind = (row.get("kind") or "").strip()
        name = (row.get("name") or "").strip()
        if kind not in RESPONSIBLE_KINDS:
            raise invalid("responsible", f"第{i}项：请选择责任单位或责任人员")
        if not name:
            raise invalid("responsible", f"第{i}项：请填写{'单位名称' if kind == '单位' else '姓名'}")
        item = {"kind": kind, "name": name, "role": (row.get("role") or "").strip() or None}
        if kind == "单位":
            item["credit_code"] = (row.get("credit_code") or "").strip().upper() or None
        else:
            item["id_no"] = (row.get("id_no") or "").strip().upper() or None
        out.append(item)
    return out


def record_accident(data: dict, *, actor: User) -> Accident:
    """登记事故: enterprise_id, name, occurred_on, level (一般/较大/重大/特别重大), deaths, injuries,
    direct_loss (万元), concealment (""/瞒报/谎报), art114_multiple, head_failed_rescue, responsible
    [{kind 单位/个人, name, credit_code | id_no, role}], report_no, note. Only staff (officer / section head)
    of the enterprise's jurisdiction; the registering agency is the actor's. The accident criteria follow."""
    enterprise = _enterprise(data.get("enterprise_id"))
    require(_staff_in_scope(actor, enterprise), "只有辖区执法人员或承办机构负责人可以登记事故")
    agency = _agency_of(actor)
    name = (data.get("name") or "").strip()
    if not name:
        raise invalid("name", "请填写事故名称")
    occurred_on = data.get("occurred_on")
    if not isinstance(occurred_on, date):
        raise invalid("occurred_on", "请填写事故发生日期")
    if occurred_on > clock.today():
        raise invalid("occurred_on", "事故发生日期不能晚于今天")
    level = data.get("level")
    if level not in {lv.value for lv in AccidentLevel}:
        raise invalid("level", "请选择事故等级（一般/较大/重大/特别重大）")
    concealment = (data.get("concealment") or "").strip()
    if concealment not in CONCEALMENT:
        raise invalid("concealment", "瞒报/谎报情况应为：如实报告、瞒报或谎报")
    loss = data.get("direct_loss")
    if loss not in (None, ""):
        try:
            loss = Decimal(str(loss))
        except InvalidOperation:
            raise invalid("direct_loss", "直接经济损失应为数字（万元）") from None
        if loss < 0:
            raise invalid("direct_loss", "直接经济损失不能为负数")
    else:
        loss = None
    accident = Accident(
        enterprise_id=enterprise.id,
        region_path=enterprise.region_path,
        agency_id=agency.id,
        name=name,
        occurred_on=occurred_on,
        level=level,
        deaths=_count(data, "deaths", "死亡人数"),
        injuries=_count(data, "injuries", "重伤人数"),
        direct_loss=loss,
        concealment=concealment,
        art114_multiple=bool(data.get("art114_multiple")),
        head_failed_rescue=bool(data.get("head_failed_rescue")),
        responsible=_responsible(data.get("responsible")),
        report_no=(data.get("report_no") or "").strip() or None,
        note=(data.get("note") or "").strip() or None,
        recorded_by_id=actor.id,
    )
    accident.enterprise = enterprise
    db.session.add(accident)
    db.session.flush()
    audit.record(
        actor,
        "credit.accident_recorded",
        accident,
        summary=f"登记事故：{enterprise.name}{_accident_text(accident)}",
    )
    propose_from_accident(accident)
    return accident


def _accident_text(a: Accident) -> str:
    parts = [f"{a.occurred_on:%Y年%m月%d日}", f"{a.name}（{a.level}事故"]
    casualties = f"，死亡{a.deaths}人" if a.deaths else ""
    casualties += f"，重伤{a.injuries}人" if a.injuries else ""
    text = parts[0] + parts[1] + casualties
    text += f"，事故调查报告{a.report_no}）" if a.report_no else "，事故调查报告文号未登记）"
    if a.concealment:
        text += f"，{a.concealment}"
    return text


# ---- the accident criteria (1–5) --------------------------------------------------------------------------


def _window_accidents(accident: Accident, rule: dict) -> list[Accident]:
    """The accidents of `rule["levels"]` of the same enterprise that, with this one, reach `rule["count"]`
    within `rule["window_months"]` (12个月内累计: a period of 12 months from the first of them, the day of the
    first not counted, ending on the corresponding day — app.cases.legal_time.add_months). [] when not reached
    or this accident is not of those levels."""
    from app.cases.legal_time import add_months

    levels, count, months = rule["levels"], rule["count"], rule["window_months"]
    if accident.level not in levels:
        return []
    nearby = list(
        db.session.scalars(
            select(Accident)
            .where(
                Accident.enterprise_id == accident.enterprise_id,
                Accident.level.in_(levels),
                Accident.occurred_on >= add_months(accident.occurred_on, -months),
                Accident.occurred_on <= add_months(accident.occurred_on, months),
            )
            .order_by(Accident.occurred_on, Accident.id)
        )
    )
    for first in nearby:
        if first.occurred_on > accident.occurred_on:
            break
        end = add_months(first.occurred_on, months)
        window = [a for a in nearby if first.occurred_on <= a.occurred_on <= end]
        if accident in window and len(window) >= count:
            return window
    return []


def _head(enterprise: Enterprise, accident: Accident | None = None) -> Person:
    """The main 负责人: the enterprise's, with the ID number the register recorded for that person, if any."""
    name = (enterprise.main_person or "").strip() or None
    id_no = None
    if accident is not None:
        for row in accident.responsible or []:
            if row.get("kind") == "个人" and (
                (name and row.get("name") == name) or HEAD_ROLE in (row.get("role") or "")
            ):
                name, id_no = row["name"], row.get("id_no")
                break
    return Person(name, id_no, HEAD_ROLE if name else None)


def _people(accident: Accident) -> list[dict]:
    return [r for r in accident.responsible or [] if r.get("kind") == "个人"]


def _named(rows: list[dict]) -> str:
    return "、".join(f"{r['name']}（{r['role']}）" if r.get("role") else r["name"] for r in rows)


def propose_from_accident(accident: Accident) -> list[CreditListing]:
    """Criteria 1–5 from one accident of the register: each criterion it meets proposes its own listing (and only
    it). Returns the listings proposed (none when an open or in-force one exists for the enterprise+criterion)."""
    made: list[CreditListing] = []
    enterprise = accident.enterprise
    base = _accident_text(accident)
    for c in criteria_data.criteria().from_source("accident"):
        rule = c.rule
        accidents = [accident]
        if "count" in rule:
            accidents = _window_accidents(accident, rule)
            if not accidents:
                continue
        elif "levels" in rule and accident.level not in rule["levels"]:
            continue
        elif "flag" in rule and not getattr(accident, rule["flag"]):
            continue
        elif "concealment" in rule and accident.concealment not in rule["concealment"]:
            continue
        evidence = "；".join(f"{a.enterprise.name}{_accident_text(a)}" for a in accidents)
        person = _head(enterprise, accident) if c.includes_head else NOBODY
        people = _people(accident)
        if "responsible" in c.subjects and not c.includes_head and people:
            first = people[0]
            person = Person(first["name"], first.get("id_no"), first.get("role") or "有关责任人员")
        if people and "responsible" in c.subjects:
            evidence += f"。事故调查认定的责任人员：{_named(people)}"
        if "flag" in rule:
            evidence += "。" + _FLAG_TEXT[rule["flag"]]
        made += _one(
            c,
            enterprise,
            origin=ProposalOrigin.ACCIDENT,
            evidence=evidence,
            agency_id=accident.agency_id,
            accident_ids=[a.id for a in accidents],
            person=person,
        )
        if "responsible" in c.subjects and c.code == "1":
            made += _responsible_units(c, accident, base)
    return made


_FLAG_TEXT = {
    "art114_multiple": "依照《安全生产法》第一百一十四条被处以罚款数额2倍以上5倍以下罚款（情节特别严重、影响特别恶劣）",
    "head_failed_rescue": "主要负责人未立即组织抢救，或者在事故调查处理期间擅离职守、逃匿",
}


def _responsible_units(c: Criterion, accident: Accident, base: str) -> list[CreditListing]:
    """Other units the investigation found responsible (recorded with a 统一社会信用代码 held in the enterprise
    register): each its own listing under the same criterion; others stay named in the unit's evidence."""
    made: list[CreditListing] = []
    for row in accident.responsible or []:
        if row.get("kind") != "单位" or not row.get("credit_code"):
            continue
        other = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == row["credit_code"]))
        if other is None or other.id == accident.enterprise_id:
            continue
        made += _one(
            c,
            other,
            origin=ProposalOrigin.ACCIDENT,
            evidence=f"{accident.enterprise.name}{base}。经事故调查认定，{other.name}对该事故发生负有责任"
            + (f"（{row['role']}）" if row.get("role") else ""),
            agency_id=accident.agency_id,
            accident_ids=[accident.id],
            person=_head(other),
        )
    return made


# ---- the penalty-decision criteria (6, 7, 9) and execution (8) ----------------------------------------------


def _decision_ref(case) -> tuple[str, date | None]:
    """The decision's number and date: the 行政处罚决定书 (or the 当场处罚决定书, numbered as the case)."""
    from app.documents import documents_for

    docs = [
        d
        for d in documents_for(case, include_voided=False)
        if d.doc_type in ("penalty_decision", "simple_decision")
    ]
    number = docs[-1].number.text if docs else (case.case_no or f"案件{case.id}")
    return number, case.decided_on


def _tagged_entries(case) -> list:
    """The case's 违法行为库 entries (the case's and each line's code, at the case's version) carrying a
    `credit_criterion`."""
    from app.cases.violations import catalogue

    codes = [case.violation_code, *(ln.violation_code for ln in case.lines)]
    cat = catalogue()
    lib = None
    if case.violation_version:
        lib = next((v for v in cat.versions if v.version == case.violation_version), None)
    if lib is None:
        lib = cat.library(case.decided_on or clock.today())
    out, seen = [], set()
    for code in codes:
        if not code or code.upper() in seen or not lib.has(code):
            continue
        seen.add(code.upper())
        entry = lib.entry(code)
        if entry.credit_criterion:
            out.append(entry)
    return out


def _case_person(c: Criterion, case) -> Person:
    """The person listed with the unit: the main 负责人 where the criterion says so (a penalised person line
    named as 主要负责人, else the enterprise's), or the directly responsible person penalised in the case."""
    persons = [ln for ln in case.lines if ln.target == "个人"]
    if c.includes_head:
        for ln in persons:
            if HEAD_ROLE in (ln.position or "") or ln.party_name == case.enterprise.main_person:
                return Person(ln.party_name, ln.id_number, HEAD_ROLE)
        return _head(case.enterprise)
    if "responsible" in c.subjects and persons:
        ln = persons[0]
        return Person(ln.party_name, ln.id_number, ln.position or "直接责任人员")
    return NOBODY


def _case_evidence(case, number: str, decided_on: date | None) -> str:
    when = f"{decided_on:%Y年%m月%d日}" if decided_on else "日期未登记"
    fines = "；".join(
        f"{ln.party_name}：{'、'.join(ln.decided_kinds or [])}"
        + (f"{Decimal(ln.decided_fine):f}元" if ln.decided_fine else "")
        for ln in case.lines
    )
    return f"行政处罚决定书{number}（{when}作出，{case.name}）" + (f"：{fines}" if fines else "")


def propose_from_case(case) -> list[CreditListing]:
    """A penalty decision (signal decision_made): each 列入情形 its violations carry proposes its listing.
    Decisions that impose no penalty, and violations without a tag, propose nothing."""
    if case.outcome != "penalty" or case.decided_on is None:
        return []
    entries = _tagged_entries(case)
    if not entries:
        return []
    number, decided_on = _decision_ref(case)
    made: list[CreditListing] = []
    for entry in entries:
        c = criteria_data.criterion(entry.credit_criterion)
        evidence = (
            _case_evidence(case, number, decided_on)
            + f"。违法行为：{entry.violation}（{entry.code}，违反{entry.breached_article}，依据{entry.penalty_article}）"
        )
        made += _one(
            c,
            case.enterprise,
            origin=ProposalOrigin.CASE,
            evidence=evidence,
            agency_id=case.agency_id,
            case_id=case.id,
            person=_case_person(c, case),
        )
    return made


def propose_from_execution(case) -> list[CreditListing]:
    """The court enforcement application (signal execution_refused): criterion 8 — the party did not perform the
    penalty decision after the 催告书. Whether it could pay is the officer's to verify at 告知."""
    from app.cases.models import EnforcementStep
    from app.cases.operations.execution import ENFORCEMENT, REMINDER, balance, reminder_served_on
    from app.documents.models import OfficialDocument

    c = next(iter(criteria_data.criteria().from_source("execution")), None)
    if c is None:
        return []
    number, decided_on = _decision_ref(case)
    step = db.session.scalars(
        select(EnforcementStep)
        .where(EnforcementStep.case_id == case.id, EnforcementStep.kind == ENFORCEMENT)
        .order_by(EnforcementStep.id.desc())
    ).first()
    owed = balance(case).owed
    served = reminder_served_on(case)
    evidence = _case_evidence(case, number, decided_on)
    evidence += (
        f"。{REMINDER}于{served:%Y年%m月%d日}送达后仍未履行" if served else f"。经{REMINDER}催告仍未履行"
    )
    evidence += f"，尚欠罚款及加处罚款{owed}元"
    if step is not None:
        doc = db.session.get(OfficialDocument, step.document_id)
        evidence += f"；{step.done_on:%Y年%m月%d日}向{step.court}申请强制执行" + (
            f"（{doc.number.text}）" if doc is not None else ""
        )
    if case.arrangements:
        evidence += "；当事人曾申请延期/分期缴纳罚款：" + "、".join(
            f"{a.kind}（{'批准' if a.approved else '未批准' if a.approved is False else '待审批'}）"
            for a in case.arrangements
        )
    evidence += "。是否“有执行能力”须在列入告知前核实（无执行能力的不予列入）"
    return _one(
        c,
        case.enterprise,
        origin=ProposalOrigin.CASE,
        evidence=evidence,
        agency_id=case.agency_id,
        case_id=case.id,
        person=_case_person(c, case),
    )


# ---- manual -----------------------------------------------------------------------------------------------


def propose(data: dict, *, actor: User) -> CreditListing:
    """An officer proposes, naming the criterion (`criterion` "1".."9") and its evidence (`evidence`: the facts
    and the documents they rest on), for `enterprise_id`; optionally the case (`case_id`: a decided penalty case
    of that enterprise — its agency then decides) or accidents (`accident_ids` of that enterprise), and the
    person listed with the unit (`person_name`, `person_id_no`, `person_role`)."""
    from app.cases.models import PenaltyCase

    enterprise = _enterprise(data.get("enterprise_id"))
    require(_staff_in_scope(actor, enterprise), "只有辖区执法人员或承办机构负责人可以提出列入")
    c = criteria_data.criterion(data.get("criterion"))
    evidence = (data.get("evidence") or "").strip()
    if not evidence:
        raise invalid("evidence", "请写明列入所依据的事实和证据（处罚决定书文号、事故调查报告等）")
    agency_id = _agency_of(actor).id
    case = None
    if data.get("case_id"):
        case = db.session.get(PenaltyCase, int(data["case_id"]))
        if case is None or case.enterprise_id != enterprise.id or not in_scope(actor, case.region_path):
            raise invalid("case_id", "请选择该企业的行政处罚案件")
        if case.decided_on is None or case.outcome != "penalty":
            raise invalid("case_id", "该案件尚未作出行政处罚决定")
        agency_id = case.agency_id
    accident_ids: list[int] = []
    for raw in data.get("accident_ids") or []:
        accident = db.session.get(Accident, int(raw))
        if accident is None or accident.enterprise_id != enterprise.id:
            raise invalid("accident_ids", "请选择该企业登记的事故")
        accident_ids.append(accident.id)
        if case is None:
            agency_id = accident.agency_id
    existing = _existing(enterprise.id, c.code)
    if existing is not None:
        raise invalid("criterion", f"该企业已有{c.item}情形的列入事项（{existing.status}），不能重复提出")
    person = Person(
        (data.get("person_name") or "").strip() or None,
        (data.get("person_id_no") or "").strip() or None,
        (data.get("person_role") or "").strip() or None,
    )
    if person.name is None and c.includes_head:
        person = _head(enterprise)
    listings = _one(
        c,
        enterprise,
        origin=ProposalOrigin.MANUAL,
        evidence=evidence,
        agency_id=agency_id,
        case_id=case.id if case is not None else None,
        accident_ids=accident_ids,
        person=person,
        actor=actor,
        reasons=(data.get("reasons") or "").strip() or None,
    )
    return listings[0]


# ---- one proposal -----------------------------------------------------------------------------------------


def _existing(enterprise_id: int, criterion: str) -> CreditListing | None:
    return db.session.scalars(
        select(CreditListing)
        .where(
            CreditListing.enterprise_id == enterprise_id,
            CreditListing.criterion == criterion,
            CreditListing.status.in_([*OPEN, *ACTIVE]),
        )
        .order_by(CreditListing.id)
    ).first()


def _one(
    c: Criterion,
    enterprise: Enterprise,
    *,
    origin: ProposalOrigin,
    evidence: str,
    agency_id: int,
    case_id: int | None = None,
    accident_ids: list[int] | None = None,
    person: Person = NOBODY,
    actor: User | None = None,
    reasons: str | None = None,
) -> list[CreditListing]:
    """The listing at 拟列入 (none when one is open or in force for the enterprise and criterion), audited, the
    section heads told, the procedure started."""
    db.session.flush()
    if _existing(enterprise.id, c.code) is not None:
        return []
    listing = CreditListing(
        enterprise_id=enterprise.id,
        subject_kind=SubjectKind.INSTITUTION if c.institution else SubjectKind.UNIT,
        person_name=person.name,
        person_id_no=person.id_no,
        person_role=person.role,
        region_path=enterprise.region_path,
        agency_id=agency_id,
        criterion=c.code,
        criterion_text=c.text[:300],
        origin=origin,
        case_id=case_id,
        accident_ids=list(accident_ids or []),
        evidence=evidence,
        reasons=reasons,
        proposed_on=clock.today(),
        proposed_by_id=actor.id if actor is not None else None,
    )
    listing.enterprise = enterprise
    db.session.add(listing)
    db.session.flush()
    who = f"{enterprise.name}" + (f"及其{person.role}{person.name}" if person.name else "")
    audit.record(
        actor,
        "credit.proposed",
        listing,
        summary=f"{origin}：拟将{who}列入严重失信主体名单（{c.basis}，第{c.code}项情形）。依据：{evidence}",
        data={
            "criterion": c.code,
            "origin": str(origin),
            "case_id": case_id,
            "accident_ids": listing.accident_ids,
        },
    )
    _tell_section_heads(listing, who, c)
    from app.credit.operations.listing import open_listing

    open_listing(listing, actor=actor)
    return [listing]


def _tell_section_heads(listing: CreditListing, who: str, c: Criterion) -> None:
    heads = users_with_role(
        Role.SECTION_HEAD,
        region_path=listing.region_path,
        enterprise_id=listing.enterprise_id,
        agency_id=listing.agency_id,
    )
    notifications.notify(
        heads,
        listing,
        kind="credit_proposed",
        key=f"proposed:{listing.id}",
        title=f"拟列入严重失信主体名单：{who}",
        body=f"第{c.code}项情形（{c.basis}）：{c.text}。请安排列入告知或不予列入。",
    )
