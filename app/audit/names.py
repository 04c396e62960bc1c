"""How the 执法全过程记录 names the platform's own objects: 用户 张三, 单位 执法大队, 企业 …, 文书 （萧）应急责改〔2026〕13号,
附件 photo.jpg（隐患 YH2026000016）, 任务 复查（隐患 …）. Domains register their own subjects in their init_app
(`subjects.register_subject`); together they name every object an audit event can point to (see
`subjects.describe`, which loads them one query per type).
"""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import select, union
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
    from app.attachments.models import Attachment, AttachmentLink
    from app.auth.models import User
    from app.auth.permissions import scope_clause
    from app.documents.models import DocumentNumber, OfficialDocument
    from app.org.models import Department, Enterprise, Region
    from app.workflow.models import HumanTask, WorkflowDefinition, WorkflowInstance

    # Each type's ids inside a viewer's data scope (subjects.in_scope_clause): what the 执法全过程记录 shows a
    # leader or supervisor of a sub-jurisdiction. A user belongs where their unit is (an enterprise account
    # where its enterprise is); a document, a number and an attachment where the object they belong to is.
    def users_in(viewer):
        return union(
            select(User.id).join(Department, User.department_id == Department.id)
            .join(Region, Department.region_id == Region.id).where(scope_clause(viewer, Region.path)),
            select(User.id).join(Enterprise, User.enterprise_id == Enterprise.id)
            .where(scope_clause(viewer, Enterprise.region_path, Enterprise.id)),
        )

    owned = ("official_documents", "document_numbers", "attachments")

    def documents_in(viewer, column=OfficialDocument.id):
        return select(column).where(
            subjects.in_scope_clause(viewer, OfficialDocument.subject_type, OfficialDocument.subject_id, skip=owned))

    subjects.register_subject("users", model_view(
        User, label="用户", name=lambda u: u.name,
        url=lambda u: url_for("admin.user_edit", user_id=u.id) if _is_admin() else None, scope=users_in,
    ))
    subjects.register_subject("departments", model_view(
        Department, label="单位", name=lambda d: d.name,
        url=lambda d: url_for("admin.department_edit", department_id=d.id) if _is_admin() else None,
        scope=lambda viewer: select(Department.id).join(Region, Department.region_id == Region.id)
        .where(scope_clause(viewer, Region.path)),
    ))
    subjects.register_subject("enterprises", model_view(
        Enterprise, label="企业", name=lambda e: e.name,
        url=lambda e: url_for("org.enterprise_detail", enterprise_id=e.id),
        scope=lambda viewer: select(Enterprise.id).where(scope_clause(viewer, Enterprise.region_path, Enterprise.id)),
    ))
    subjects.register_subject("regions", model_view(
        Region, label="行政区划", name=lambda r: r.full_name() or r.name,
        scope=lambda viewer: select(Region.id).where(scope_clause(viewer, Region.path)),
    ))
    subjects.register_subject("official_documents", model_view(
        OfficialDocument, label="文书", name=lambda d: f"《{d.title}》{d.number.text}",
        url=lambda d: url_for("documents.show", doc_id=d.id), options=[selectinload(OfficialDocument.number)],
        scope=documents_in,
    ))
    subjects.register_subject("document_numbers", model_view(
        DocumentNumber, label="文号", name=lambda n: n.text,
        url=lambda n: url_for("documents.show", doc_id=n.document.id) if n.document is not None else None,
        options=[selectinload(DocumentNumber.document)],
        scope=lambda viewer: documents_in(viewer, OfficialDocument.number_id),
    ))
    subjects.register_subject("attachments", model_view(
        Attachment, label="附件", name=lambda a: a.original_name, parent=_attachment_owner,
        options=[selectinload(Attachment.links)],
        scope=lambda viewer: select(AttachmentLink.attachment_id).where(
            subjects.in_scope_clause(viewer, AttachmentLink.subject_type, AttachmentLink.subject_id, skip=owned)),
    ))
    subjects.register_subject("workflow_instances", model_view(
        WorkflowInstance, label="办理流程", name=_process_name,
        parent=lambda i: SubjectRef(i.subject_type, i.subject_id) if i.subject_type and i.subject_id else None,
        # never the serialized state nor the BPMN text: only what the name and the parent read
        options=[load_only(WorkflowInstance.id, WorkflowInstance.subject_type, WorkflowInstance.subject_id,
                           WorkflowInstance.definition_id),
                 selectinload(WorkflowInstance.definition).load_only(WorkflowDefinition.name)],
        scope=lambda viewer: select(WorkflowInstance.id).where(
            scope_clause(viewer, WorkflowInstance.region_path, WorkflowInstance.enterprise_id)),
    ))
    subjects.register_subject("human_tasks", model_view(
        HumanTask, label="任务", name=lambda t: t.name,
        options=[load_only(HumanTask.id, HumanTask.name, HumanTask.instance_id)],
        url=lambda t: url_for("inbox.task", task_id=t.id),
        parent=lambda t: SubjectRef("workflow_instances", t.instance_id),
        scope=lambda viewer: select(HumanTask.id).where(
            scope_clause(viewer, HumanTask.region_path, HumanTask.enterprise_id)),
    ))
