"""How the 执法全过程记录 names the platform's own objects: 用户 张三, 单位 执法大队, 企业 …, 文书 （萧）应急责改〔2026〕13号,
附件 photo.jpg（隐患 YH2026000016）, 任务 复查（隐患 …）. Domains register their own subjects in their init_app
(`subjects.register_subject`); together they name every object an audit event can point to (see
`subjects.describe`, which loads them one query per type).
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import load_only, selectinload

from app import subjects
from app.subjects import SubjectRef, model_view


def _is_admin() -> bool:
    from app.auth.permissions import can_manage_users

    return bool(getattr(current_user, "is_authenticated", False)) and can_manage_users(current_user)


def _attachment_owner(att) -> SubjectRef | None:
    link = att.links[0] if att.links else None
    return SubjectRef(link.subject_type, link.subject_id) if link is not None else None


def _process_name(instance) -> str:
    definition = instance.definition
    return definition.name if definition is not None and definition.name else "办理流程"


def register_platform_subjects() -> None:
    from app.attachments.models import Attachment
    from app.auth.models import User
    from app.documents.models import DocumentNumber, OfficialDocument
    from app.org.models import Department, Enterprise, Region
    from app.workflow.models import HumanTask, WorkflowDefinition, WorkflowInstance

    subjects.register_subject("users", model_view(
        User, label="用户", name=lambda u: u.name,
        url=lambda u: url_for("admin.user_edit", user_id=u.id) if _is_admin() else None,
    ))
    subjects.register_subject("departments", model_view(
        Department, label="单位", name=lambda d: d.name,
        url=lambda d: url_for("admin.department_edit", department_id=d.id) if _is_admin() else None,
    ))
    subjects.register_subject("enterprises", model_view(
        Enterprise, label="企业", name=lambda e: e.name,
        url=lambda e: url_for("org.enterprise_detail", enterprise_id=e.id),
    ))
    subjects.register_subject("regions", model_view(
        Region, label="行政区划", name=lambda r: r.full_name() or r.name,
    ))
    subjects.register_subject("official_documents", model_view(
        OfficialDocument, label="文书", name=lambda d: f"《{d.title}》{d.number.text}",
        url=lambda d: url_for("documents.show", doc_id=d.id), options=[selectinload(OfficialDocument.number)],
    ))
    subjects.register_subject("document_numbers", model_view(
        DocumentNumber, label="文号", name=lambda n: n.text,
        url=lambda n: url_for("documents.show", doc_id=n.document.id) if n.document is not None else None,
        options=[selectinload(DocumentNumber.document)],
    ))
    subjects.register_subject("attachments", model_view(
        Attachment, label="附件", name=lambda a: a.original_name, parent=_attachment_owner,
        options=[selectinload(Attachment.links)],
    ))
    subjects.register_subject("workflow_instances", model_view(
        WorkflowInstance, label="办理流程", name=_process_name,
        parent=lambda i: SubjectRef(i.subject_type, i.subject_id) if i.subject_type and i.subject_id else None,
        # never the serialized state nor the BPMN text: only what the name and the parent read
        options=[load_only(WorkflowInstance.id, WorkflowInstance.subject_type, WorkflowInstance.subject_id,
                           WorkflowInstance.definition_id),
                 selectinload(WorkflowInstance.definition).load_only(WorkflowDefinition.name)],
    ))
    subjects.register_subject("human_tasks", model_view(
        HumanTask, label="任务", name=lambda t: t.name,
        options=[load_only(HumanTask.id, HumanTask.name, HumanTask.instance_id)],
        url=lambda t: url_for("inbox.task", task_id=t.id),
        parent=lambda t: SubjectRef("workflow_instances", t.instance_id),
    ))
