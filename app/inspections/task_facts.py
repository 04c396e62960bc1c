"""The facts at each decision of the inspection workflow, on the generic task page (/tasks/<id>), and the
values its form starts with (page and API alike). One template (inspections/tasks/inspection.html):

    approve_over_cap   the enterprise's budget for the year (class, cap, used, exempt), the reason given, the
                       team and the planned day — what the leader weighs
    prepare_scheme     the team with certificates, the source; the form starts with the checklist for the
                       enterprise's industry, a basis naming the source and a division of work by the team
    onsite_record      where the visit stands (started, items answered, findings, signature/refusal) and the
                       link to the inspection page, where the visit is recorded

Only READY tasks get facts."""

from __future__ import annotations

from app import workflow
from app.extensions import db
from app.inspections import checklists
from app.inspections.models import Inspection, InspectionSource
from app.inspections.operations import inspection as ops

TEMPLATE = "inspections/tasks/inspection.html"

BASIS = {
    InspectionSource.PLAN: "《中华人民共和国安全生产法》第六十二条、第六十五条；{ref}",
    InspectionSource.RANDOM: "《中华人民共和国安全生产法》第六十五条；双随机抽查{ref}",
    InspectionSource.CAMPAIGN: "《中华人民共和国安全生产法》第六十五条；专项检查{ref}",
    InspectionSource.ASSIGNED: "《中华人民共和国安全生产法》第六十五条；上级交办{ref}",
    InspectionSource.RECHECK: "《中华人民共和国安全生产法》第六十五条；复查（回头看）{ref}",
}


def _inspection(task) -> Inspection | None:
    if task.status != "ready" or not task.subject_id or task.subject_type != ops.SUBJECT_TYPE:
        return None
    return db.session.get(Inspection, task.subject_id)


def _budget(inspection: Inspection):
    from app.inspections.caps import budget

    return budget(inspection.enterprise, inspection.cap_year)


@workflow.task_facts(ops.PROCESS, "approve_over_cap")
def approve_over_cap(task, *, actor) -> workflow.TaskFacts | None:
    inspection = _inspection(task)
    if inspection is None:
        return None
    return workflow.TaskFacts(
        template=TEMPLATE,
        title="超出年度检查上限的检查",
        context={"inspection": inspection, "budget": _budget(inspection), "step": "approve_over_cap"},
    )


@workflow.task_facts(ops.PROCESS, "prepare_scheme")
def prepare_scheme(task, *, actor) -> workflow.TaskFacts | None:
    inspection = _inspection(task)
    if inspection is None:
        return None
    suggested = checklists.for_enterprise(inspection.enterprise)
    lead = next((m for m in inspection.members if m.user_id == inspection.lead_officer_id), None)
    others = [m for m in inspection.members if m.user_id != inspection.lead_officer_id]
    division = "；".join(
        ([f"{lead.user.name}（主办）负责资料检查和检查记录"] if lead else [])
        + [f"{m.user.name}负责现场检查" for m in others]
    )
    basis = BASIS.get(InspectionSource(inspection.source), "《中华人民共和国安全生产法》第六十五条{ref}")
    return workflow.TaskFacts(
        template=TEMPLATE,
        title="检查任务",
        context={"inspection": inspection, "step": "prepare_scheme"},
        initial={
            "basis": basis.format(ref=f"（{inspection.source_ref}）" if inspection.source_ref else ""),
            "checklist_code": inspection.checklist_code or (suggested[0].code if suggested else None),
            "method": "查阅资料、现场检查、询问有关人员",
            "division": division,
            "scheduled_on": inspection.planned_on,
        },
    )


@workflow.task_facts(ops.PROCESS, "onsite_record")
def onsite_record(task, *, actor) -> workflow.TaskFacts | None:
    inspection = _inspection(task)
    if inspection is None:
        return None
    checklist = checklists.find(inspection.checklist_code)
    return workflow.TaskFacts(
        template=TEMPLATE,
        title="现场检查",
        context={
            "inspection": inspection,
            "step": "onsite_record",
            "checklist": checklist,
            "answered": len(ops.results_of(inspection)),
            "findings": ops.findings_of(inspection),
            "missing": ops.missing_for_record(inspection) if inspection.started_at else [],
        },
    )
