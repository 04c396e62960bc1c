"""Shared steps of the case page and API tests: a case taken through the real operations to a stage."""

from __future__ import annotations

from app import clock, workflow
from app.cases import gates
from app.cases import operations as ops
from tests.factories.db import commit


def task_of(case, bpmn_id: str):
    """The case's READY task with this BPMN id (its HumanTask row)."""
    return next(t for t in workflow.ready_tasks(workflow.instance_for(case)) if t.bpmn_id == bpmn_id)


def to_legal_review(world, make_case, **kw):
    """立案 → 调查 → 告知 (served) → 放弃 → 呈批: the case waits for 法制审核."""
    w = make_case(**kw)
    w.file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    assert w.ready == ["legal_review"]
    return w


def review(world, case, actor=None, opinion="agree", reasons="事实清楚，程序合法"):
    """法制审核 with every checklist item confirmed: 同意 by default; opinion="more" sends the case back for
    补充调查."""
    ops.legal_review(
        case,
        {
            "review_opinion": opinion,
            "reasons": reasons,
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=actor or world.legal,
    )


def to_execution(world, make_case):
    """… 法制审核 → 决定 → 送达: the fine is due within 15 days."""
    w = to_legal_review(world, make_case)
    review(world, w.case)
    ops.decide(w.case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    ops.serve_decision(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    return w
