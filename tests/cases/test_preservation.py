"""先行登记保存证据 (evidence_preservation, subject: the case_evidence row): approved → disposed; refused; the
7-working-day timer through the real tick; every refusal; the case's own workflow and status stay put."""

from __future__ import annotations

from datetime import date

import pytest

from app import workflow
from app.cases import operations as ops
from app.cases.models import CaseStatus, EvidenceKind
from app.cases.operations.common import PRESERVATION
from app.documents.models import OfficialDocument
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from tests.factories.workflow import tick_at


def request(**kw) -> dict:
    return {
        "items": [{"name": "安全检查台账", "spec": "A4", "quantity": "3本"}, {"name": "", "quantity": ""}],
        "place": "企业安全办公室",
        "custodian": "李四",
        "witnesses": ["李四", ""],
        "reason": "台账可能被涂改",
        **kw,
    }


def ready(item) -> list[str]:
    return workflow.ready_task_names(workflow.instance_for(item, PRESERVATION))


@pytest.fixture
def filed(make_case):
    return make_case().file()


def test_approved_then_disposed(world, filed):
    case = filed.case
    item = ops.request_preservation(case, request(), actor=world.officer)
    assert item.kind == EvidenceKind.PRESERVATION and item.status == "待批准"
    assert item.details["items"] == [{"name": "安全检查台账", "spec": "A4", "quantity": "3本"}]
    assert ready(item) == ["approve_preservation"]
    assert filed.ready == ["investigate"] and case.status == CaseStatus.INVESTIGATING
    with pytest.raises(PermissionDenied):
        ops.approve_preservation(
            item, {"preservation_decision": "agree", "opinion": "x"}, actor=world.officer
        )
    with pytest.raises(InvalidState):
        ops.dispose_preservation(item, {"disposal": "return", "reason": "x"}, actor=world.officer)
    ops.approve_preservation(item, {"preservation_decision": "agree", "opinion": "同意"}, actor=world.leader)
    assert item.status == "保存中" and item.dispose_due == date(2026, 11, 11)  # 7 working days from 11-02
    notice = db.session.get(OfficialDocument, item.document_id)
    assert notice.doc_type == "preservation_notice" and notice.number.text == "（萧）应急保〔2026〕1号"
    with pytest.raises(ValidationFailed) as exc:
        ops.dispose_preservation(item, {"disposal": "burn", "reason": "x"}, actor=world.officer)
    assert "disposal" in exc.value.field_errors
    with pytest.raises(ValidationFailed):
        ops.dispose_preservation(item, {"disposal": "return", "reason": ""}, actor=world.officer)
    ops.dispose_preservation(item, {"disposal": "return", "reason": "已复制存档"}, actor=world.officer)
    assert item.status == "已处理" and item.details["disposal"]["late"] is False
    assert ready(item) == [] and workflow.instance_for(item, PRESERVATION).status == "completed"
    assert filed.ready == ["investigate"] and case.status == CaseStatus.INVESTIGATING


def test_refused(world, filed):
    item = ops.request_preservation(filed.case, request(), actor=world.officer)
    with pytest.raises(ValidationFailed):
        ops.approve_preservation(item, {"preservation_decision": "reject", "opinion": ""}, actor=world.leader)
    ops.approve_preservation(
        item, {"preservation_decision": "reject", "opinion": "无灭失风险"}, actor=world.leader
    )
    assert item.status == "未批准" and item.document_id is None and ready(item) == []
    assert filed.case.status == CaseStatus.INVESTIGATING


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"items": [{"name": " "}]}, "items"),
        ({"place": ""}, "place"),
        ({"custodian": ""}, "custodian"),
        ({"reason": ""}, "reason"),
        ({"witnesses": []}, "witnesses"),
    ],
)
def test_request_refusals(world, filed, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        ops.request_preservation(filed.case, request(**kw), actor=world.officer)
    assert field in exc.value.field_errors


def test_only_a_filed_case_and_its_officers(world, make_case):
    w = make_case()
    with pytest.raises(InvalidState, match="已立案"):
        ops.request_preservation(w.case, request(), actor=world.officer)
    w.file()
    with pytest.raises(PermissionDenied):
        ops.request_preservation(w.case, request(), actor=world.other_officer)


def test_disposal_timer(world, filed):
    item = ops.request_preservation(filed.case, request(), actor=world.officer)
    ops.approve_preservation(item, {"preservation_decision": "agree", "opinion": "同意"}, actor=world.leader)
    item_id = item.id
    db.session.commit()
    assert tick_at(date(2026, 11, 11), hour=23) == 0
    assert tick_at(date(2026, 11, 12), hour=0) == 1
    notes = (
        db.session.query(Notification).filter(Notification.key.like(f"%preservation_overdue:{item_id}")).all()
    )
    assert {n.user_id for n in notes} == {world.officer.id, world.officer2.id, world.leader.id}
    item = db.session.get(type(item), item_id)
    assert ready(item) == ["dispose_preservation"]  # non-interrupting: still to be decided
    ops.dispose_preservation(item, {"disposal": "confiscate", "reason": "依法没收"}, actor=world.officer)
    assert item.details["disposal"]["late"] is True
    assert filed.case.status == CaseStatus.INVESTIGATING
