"""The listing procedure (credit_listing; spec §7.3): 列入告知 → 送达 → 陈述申辩 → 核查 → 列入决定 → 送达.

    open_listing(listing, *, actor=None)                  start credit_listing for a proposed listing
    issue_notice(listing, data, *, actor, task=None)      prepare_notice: "notify" → 列入告知书 / "drop"
    confirm_drop(listing, data, *, actor, task=None)      confirm_drop: "agree" → 不予列入 / "return"
    serve_notice(listing, data, *, actor, task=None)      serve_notice: the 陈述申辩 window starts
    submit_statement(listing, data, *, actor, task=None)  state_case: 陈述申辩 / 放弃 (enterprise or officer)
    verify(listing, data, *, actor, task=None)            verify: 核查意见 + written answer, proposal
    decide(listing, data, *, actor, task=None)            decide: "list" → 列入决定书 / "decline" / "return"
    serve_decision(listing, data, *, actor, task=None)    serve_decision: the listing takes effect

Every verb checks its gates (app.credit.gates) itself, whoever calls it, completes one task and records one
audit event; flush, never commit. The status follows the workflow (app.credit.status).

管理期限 (term_start): the day the 列入决定书 is served — a decision binds its addressee from service, and the
decision says so ("自本决定书送达之日起计算"); term_end = term_start + the pack's term (3 years), publish_due =
the pack's publish_period (working days) after service."""

from __future__ import annotations

from datetime import date
from typing import Any

from app import clock, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.credit import documents, gates
from app.credit.criteria import item_of
from app.credit.models import CreditListing, ListingStatement, ListingStatus
from app.credit.operations.common import (
    LISTING,
    instance_of,
    iso_end_of,
    ready_task,
    record,
    require_role,
    step,
    text,
)
from app.credit.rules import credit_pack
from app.documents import OfficialDocument, documents_for
from app.errors import InvalidState, invalid
from app.extensions import db

STAFF = (Role.OFFICER, Role.SECTION_HEAD)
SERVICE_METHODS = ("直接送达", "留置送达", "委托送达", "邮寄送达", "电子送达", "公告送达")
STATED = "陈述申辩"
WAIVED = "放弃陈述申辩"


def _criterion(listing: CreditListing):
    from app.credit import criteria

    return criteria.criterion(listing.criterion)


def _latest(listing: CreditListing, code: str) -> OfficialDocument:
    docs = [d for d in documents_for(listing, doc_type=code, include_voided=False)]
    if not docs:
        raise InvalidState(f"尚未制发{documents.get_name(code)}")
    return docs[-1]


def _issued_on(doc: OfficialDocument) -> date:
    return doc.issued_at.astimezone(clock.TZ).date()


# ---- start ----------------------------------------------------------------------------------------------


def open_listing(listing: CreditListing, *, actor: User | None = None):
    """Start credit_listing for a listing at 拟列入 (called by the proposal operations). One instance per
    listing."""
    if listing.status != ListingStatus.PROPOSED:
        raise InvalidState(f"该列入事项处于“{listing.status}”阶段，不能启动列入程序")
    if instance_of(listing) is not None:
        raise InvalidState("该列入事项的列入程序已启动")
    db.session.flush()  # the listing's id
    return workflow.start(
        LISTING,
        subject=listing,
        title=f"{listing.enterprise.name}拟列入严重失信主体名单（{item_of(listing.criterion)}情形）",
        region_path=listing.region_path,
        enterprise_id=listing.enterprise_id,
        actor=actor,
        data={"criterion": listing.criterion},
    )


# ---- 告知 -------------------------------------------------------------------------------------------------


def issue_notice(
    listing: CreditListing, data: dict[str, Any], *, actor: User, task=None
) -> OfficialDocument | None:
    """prepare_notice. "notify": reasons, basis and (where the criterion lists the head with the unit) the
    person → the 列入告知书 is issued. "drop": the reason → the section head confirms (confirm_drop)."""
    require_role(actor, listing, *STAFF, message="只有本辖区执法人员可以办理列入告知")
    task = ready_task(listing, "prepare_notice", task)
    choice = data.get("notice_decision")
    if choice == "drop":
        reason = text(data, "drop_reason")
        if not reason:
            raise invalid("drop_reason", "请写明不予列入的理由")
        listing.declined_reason = reason
        changes = step(listing, task, {"notice_decision": "drop"}, actor=actor)
        record(actor, "credit.drop_proposed", listing, f"提出不予列入：{reason}", changes=changes)
        return None
    if choice != "notify":
        raise invalid("notice_decision", "请选择“列入告知”或“不予列入”")
    reasons = text(data, "reasons")
    if not reasons:
        raise invalid("reasons", "请写明拟列入的事实和理由")
    gates.require_person(listing, data)
    crit = _criterion(listing)
    if crit.includes_head:
        listing.person_name = text(data, "person_name") or listing.person_name
        listing.person_id_no = text(data, "person_id_no") or listing.person_id_no
        listing.person_role = text(data, "person_role") or listing.person_role
    listing.reasons = reasons
    listing.declined_reason = None
    pack = credit_pack(listing.region_path, clock.today())
    doc = documents.issue(
        listing,
        documents.NOTICE,
        {
            "reasons": reasons,
            "basis": text(data, "basis") or crit.basis,
            "criterion_text": crit.text,
            "statement_period_label": pack.statement_period.label(),
            "statement_period_source": pack.source_of("statement_period"),
            "contact": text(data, "contact"),
        },
        actor=actor,
    )
    changes = step(listing, task, {"notice_decision": "notify"}, actor=actor)
    record(
        actor,
        "credit.notice_issued",
        listing,
        f"制发列入告知书 {doc.number.text}",
        changes=changes,
        data={"document_id": doc.id},
    )
    return doc


def confirm_drop(listing: CreditListing, data: dict[str, Any], *, actor: User, task=None) -> None:
    """confirm_drop (科室负责人): "agree" → 不予列入 (the workflow ends); "return" → prepare_notice again."""
    require_role(actor, listing, Role.SECTION_HEAD, message="不予列入须由本辖区科室负责人确认")
    task = ready_task(listing, "confirm_drop", task)
    choice = data.get("drop_decision")
    opinion = text(data, "opinion")
    if choice not in ("agree", "return"):
        raise invalid("drop_decision", "请选择“同意不予列入”或“退回”")
    if choice == "return":
        if not opinion:
            raise invalid("opinion", "退回的，请写明理由")
        listing.declined_reason = None
    else:
        listing.decided_on = clock.today()
    changes = step(listing, task, {"drop_decision": choice}, actor=actor)
    summary = "同意不予列入" if choice == "agree" else f"退回重新审查：{opinion}"
    record(
        actor,
        "credit.drop_confirmed",
        listing,
        summary + (f"（{opinion}）" if opinion and choice == "agree" else ""),
        changes=changes,
    )


# ---- 送达 -------------------------------------------------------------------------------------------------


def _service(listing: CreditListing, doc: OfficialDocument, data: dict[str, Any]) -> dict[str, Any]:
    method = data.get("method")
    if method not in SERVICE_METHODS:
        raise invalid("method", "请选择送达方式")
    served_on = gates.require_service_date(data.get("served_on"), _issued_on(doc))
    recipient = text(data, "recipient")
    if method != "公告送达" and not recipient:
        raise invalid("recipient", "请填写受送达人")
    if method == "留置送达" and not text(data, "witnesses"):
        raise invalid("witnesses", "留置送达应记明拒收事由，并由见证人签名")
    return {
        "document_id": doc.id,
        "document_no": doc.number.text,
        "method": method,
        "served_on": served_on.isoformat(),
        "recipient": recipient or listing.enterprise.name,
        "witnesses": text(data, "witnesses") or None,
    }


def serve_notice(listing: CreditListing, data: dict[str, Any], *, actor: User, task=None) -> date:
    """serve_notice: the 列入告知书's service; the 陈述申辩 window (pack.statement_period) runs from it.
    Returns statement_due."""
    require_role(actor, listing, *STAFF, message="只有本辖区执法人员可以登记送达")
    task = ready_task(listing, "serve_notice", task)
    doc = _latest(listing, documents.NOTICE)
    service = _service(listing, doc, data)
    served_on = date.fromisoformat(service["served_on"])
    pack = credit_pack(listing.region_path, served_on)
    due = pack.end_of("statement_period", served_on)
    listing.notice_served_on = served_on
    listing.statement_due = due
    changes = step(
        listing, task, {"statement_due": due.isoformat(), "statement_due_at": iso_end_of(due)}, actor=actor
    )
    record(
        actor,
        "credit.notice_served",
        listing,
        f"{service['method']}列入告知书 {doc.number.text}，陈述申辩期限至{due:%Y年%m月%d日}",
        changes=changes,
        data=service,
    )
    return due


# ---- 陈述申辩 -------------------------------------------------------------------------------------------------


def submit_statement(
    listing: CreditListing, data: dict[str, Any], *, actor: User, task=None
) -> ListingStatement:
    """state_case: 陈述申辩 or 放弃, by the listed enterprise's own account (网上提交) or recorded by an
    officer of the jurisdiction (执法人员记录; `received_on`, default today, within the window)."""
    channel = gates.require_statement_author(actor, listing)
    task = ready_task(listing, "state_case", task)
    kind = data.get("statement_kind")
    if kind not in (STATED, WAIVED):
        raise invalid("statement_kind", "请选择“陈述申辩”或“放弃陈述申辩”")
    content = text(data, "text")
    if kind == STATED and not content:
        raise invalid("text", "请填写陈述申辩的事实和理由")
    received_on = data.get("received_on") if channel == gates.CHANNEL_RECORDED else None
    received_on = received_on or clock.today()
    assert listing.notice_served_on is not None and listing.statement_due is not None
    if received_on > clock.today() or received_on < listing.notice_served_on:
        raise invalid("received_on", "收到日期应在告知书送达之后、不晚于今天")
    if received_on > listing.statement_due:
        raise invalid(
            "received_on" if channel == gates.CHANNEL_RECORDED else "statement_kind",
            f"陈述申辩期限已于{listing.statement_due:%Y年%m月%d日}届满",
        )
    statement = ListingStatement(
        listing=listing,
        kind=kind,
        text=content or None,
        channel=channel,
        submitted_by_id=actor.id,
        submitted_at=clock.now(),  # the app's clock (a controlled one in the demo and tests), as every step's time
    )
    db.session.add(statement)
    changes = step(listing, task, {"statement": "stated" if kind == STATED else "waived"}, actor=actor)
    record(
        actor,
        "credit.statement_submitted",
        listing,
        f"{channel}{kind}"
        + (f"（{received_on:%Y年%m月%d日}收到）" if channel == gates.CHANNEL_RECORDED else ""),
        changes=changes,
    )
    return statement


# ---- 核查 -------------------------------------------------------------------------------------------------


def verify(listing: CreditListing, data: dict[str, Any], *, actor: User, task=None) -> None:
    """verify: the 核查意见 — also the written answer to the statement — and the officer's proposal."""
    require_role(actor, listing, *STAFF, message="只有本辖区执法人员可以核查")
    task = ready_task(listing, "verify", task)
    verification = text(data, "verification")
    if not verification:
        raise invalid("verification", "请填写核查意见（对陈述申辩的书面答复）")
    proposal = data.get("proposal")
    if proposal not in ("list", "drop"):
        raise invalid("proposal", "请选择核查建议：列入或不予列入")
    listing.verification = verification
    changes = step(listing, task, {"proposal": proposal}, actor=actor)
    record(
        actor,
        "credit.verified",
        listing,
        f"核查完毕，建议{'列入' if proposal == 'list' else '不予列入'}",
        changes=changes,
    )


# ---- 列入决定 -------------------------------------------------------------------------------------------------


def _measures(codes: Any, head_only: bool = False) -> list[dict[str, Any]]:
    """The chosen measures; a listing of the main 负责人 alone (第五项) takes only the measures concerning a
    person (measures.json `person`): a measure aimed at the unit is refused, naming it."""
    from app.credit import measures

    lib = measures.library()
    if codes is None:
        codes = lib.defaults(head_only)
    if not isinstance(codes, list):
        raise invalid("measure_codes", "请选择惩戒措施")
    out = []
    for code in dict.fromkeys(str(c) for c in codes):
        try:
            m = lib.get(code)
        except LookupError:
            raise invalid("measure_codes", f"措施库中没有该惩戒措施：{code}") from None
        if head_only and not m.person:
            allowed = "、".join(p.name for p in lib.person_measures())
            raise invalid(
                "measure_codes",
                f"本项仅列入主要负责人，不能对单位实施“{m.name}”；可选择针对个人的措施：{allowed}",
            )
        out.append({"code": m.code, "name": m.name, "department": m.department, "internal": m.internal})
    return out


def decide(
    listing: CreditListing, data: dict[str, Any], *, actor: User, task=None
) -> OfficialDocument | None:
    """decide (负责人): "list" → the 列入决定书 (reasons, basis, measures, term, removal conditions,
    remedies); "decline" → 不予列入 (the workflow ends); "return" → verify again."""
    gates.require_decider(actor, listing)
    task = ready_task(listing, "decide", task)
    choice = data.get("decision")
    reasons = text(data, "reasons")
    if choice == "return":
        if not reasons:
            raise invalid("reasons", "退回的，请写明需要补充核查的内容")
        changes = step(listing, task, {"decision": "return"}, actor=actor)
        record(actor, "credit.returned", listing, f"退回补充核查：{reasons}", changes=changes)
        return None
    if choice == "decline":
        if not reasons:
            raise invalid("reasons", "请写明不予列入的理由")
        listing.declined_reason = reasons
        listing.decided_on = clock.today()
        listing.decided_by_id = actor.id
        changes = step(listing, task, {"decision": "decline"}, actor=actor)
        record(actor, "credit.declined", listing, f"决定不予列入：{reasons}", changes=changes)
        return None
    if choice != "list":
        raise invalid("decision", "请选择“列入”“不予列入”或“退回”")
    gates.before_decision(actor, listing)
    crit = _criterion(listing)
    chosen = _measures(data.get("measure_codes"), crit.head_only)
    today = clock.today()
    pack = credit_pack(listing.region_path, today)
    notice = _latest(listing, documents.NOTICE)
    statements = listing.statements
    if statements:
        summary = "你单位于期限内" + (
            "提出了陈述、申辩。" if statements[-1].kind == STATED else "书面放弃陈述、申辩。"
        )
    else:
        summary = "你单位在规定期限内未提出陈述、申辩。"
    listing.reasons = reasons or listing.reasons
    listing.measure_codes = [m["code"] for m in chosen]
    listing.decided_on = today
    listing.decided_by_id = actor.id
    doc = documents.issue(
        listing,
        documents.DECISION,
        {
            "reasons": listing.reasons,
            "basis": text(data, "basis") or crit.basis,
            "criterion_text": crit.text,
            "verification": listing.verification,
            "notice_no": notice.number.text,
            "notice_served_on": listing.notice_served_on,
            "statement_summary": summary,
            # the 核查意见 is printed as the written answer only to a statement actually made
            "stated": bool(statements) and statements[-1].kind == STATED,
            "measures": chosen,
            "term_label": pack.term.label(),
            "removal_conditions": text(data, "removal_conditions")
            or f"列入满{pack.repair_after.label()}后，履行行政处罚、纠正失信行为、未再发生列入情形并作出信用承诺的，"
            "可以向本机关申请提前移出",
            "reconsideration_label": pack.reconsideration.label(),
            "litigation_label": pack.litigation.label(),
            "decided_on": today,
        },
        actor=actor,
    )
    changes = step(listing, task, {"decision": "list"}, actor=actor)
    record(
        actor,
        "credit.decided",
        listing,
        f"决定列入严重失信主体名单，制发列入决定书 {doc.number.text}",
        changes=changes,
        data={"document_id": doc.id, "measure_codes": listing.measure_codes},
    )
    return doc


def serve_decision(listing: CreditListing, data: dict[str, Any], *, actor: User, task=None) -> None:
    """serve_decision: the 列入决定书's service. The listing takes effect: term from the service day,
    term_end (pack.term), publish_due (pack.publish_period), then app.credit.effects.take_effect."""
    require_role(actor, listing, *STAFF, message="只有本辖区执法人员可以登记送达")
    task = ready_task(listing, "serve_decision", task)
    doc = _latest(listing, documents.DECISION)
    service = _service(listing, doc, data)
    served_on = date.fromisoformat(service["served_on"])
    pack = credit_pack(listing.region_path, served_on)
    listing.decision_served_on = served_on
    listing.term_start = served_on
    listing.term_end = pack.term_end(served_on)
    listing.publish_due = pack.end_of("publish_period", served_on)
    changes = step(listing, task, {}, actor=actor)
    record(
        actor,
        "credit.decision_served",
        listing,
        f"{service['method']}列入决定书 {doc.number.text}，管理期限{served_on:%Y年%m月%d日}至"
        f"{listing.term_end:%Y年%m月%d日}",
        changes=changes,
        data=service,
    )
    from app.credit import effects  # helper "effects": publication, push, measures, the expiry timer

    effects.take_effect(listing, actor=actor)
