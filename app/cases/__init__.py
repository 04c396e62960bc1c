"""行政处罚案件 (issue #13): the penalty case from 立案 to 结案, behind its legal gates.

Layout: models.py (tables), rules.py + data/rules (the jurisdiction's parameter pack: thresholds and
windows, versioned, cited), legal_time.py (the case's legal time on app.calendar), violations.py +
discretion.py + data/violations (违法行为库 and 裁量基准), gates.py (every legal gate, in one place), policy.py
(which rights and gates a case carries), operations/ (verbs), tasks.py (user-task handlers),
workflow_handlers.py (timers' service tasks), status.py (status from the workflow), casefile.py (执法案卷),
publicity.py (公示 through app.publication), documents.py (文书 types), access.py, view.py, choices.py.
`init_app` below is the one place the domain plugs into the platform (docs/adding-a-domain.md).

One workflow instance per case (penalty_case, or penalty_simple for 当场处罚). The BPMN routes on decisions
the operations validated; the gates live in gates.py and are checked by the operation whoever calls it.
"""

from __future__ import annotations

from flask import Flask

SUBJECT_LABEL = "行政处罚案件"


def init_app(app: Flask) -> None:
    from flask import url_for

    from app import audit, subjects, ui
    from app.cases import (  # noqa: F401 - imported for their decorators
        access,
        choices,
        labels,
        publicity,
        status,
        task_facts,
        tasks,
        workflow_handlers,
    )
    from app.cases import documents as case_documents
    from app.cases import view as case_view
    from app.cases.models import CaseProposal, PenaltyCase
    from app.hazards.signals import referral_made

    access.register()
    from app.cases import separation
    from app.inbox import queries as inbox_queries

    inbox_queries.refuse(separation.refused_clause, separation.refusal)  # 审批与办案分离 in the inbox
    from app.cases import clock_job

    clock_job.init_app(app)  # 办案期限 daily job: flask case-clock sweep | worker
    # pages, the JSON API and their nav (app.cases.routes / api; pages holds the case-page form choices)
    from app.auth.roles import Role
    from app.cases import api as case_api
    from app.cases import pages as case_pages  # noqa: F401 - registers cases.outward_documents
    from app.cases import routes as case_routes

    app.register_blueprint(case_routes.bp)
    app.register_blueprint(case_api.bp)
    from app.cases import casefile_routes

    app.register_blueprint(casefile_routes.bp)  # 执法案卷 print: /cases/<id>/casefile
    from app.cases import simple_routes

    app.register_blueprint(
        simple_routes.bp
    )  # 当场处罚, 不予处罚, 移送报告 (线索) and 先行登记保存 (案件) pages
    from app.cases import execution_routes

    app.register_blueprint(execution_routes.bp)  # 执行 / 办案期限 case-page forms, 提请关闭 (/cases/closures)
    ui.register_nav(
        "cases.index",
        "行政处罚",
        {
            Role.OFFICER,
            Role.SECTION_HEAD,
            Role.LEADER,
            Role.LEGAL_REVIEWER,
            Role.SUPERVISOR,
            Role.ADMIN,
            Role.ENTERPRISE,
        },
        order=40,
    )
    # 案件线索 and 提请关闭 are reached from the case list's header (the navbar holds one entry per domain: a
    # leader's menu must fit a 1280 px screen)
    from app.cases.seed import seed_cases
    from app.seed import register_seeder

    register_seeder(seed_cases)  # demo data: after the hazard seeder (its referral is filed here)
    from app import ledgers
    from app.cases import ledger as case_ledger

    ledgers.register_source(case_ledger.SOURCE)  # 行政处罚案件台账 (reports/penalty_cases.json)
    from app import dashboard
    from app.cases import stats as case_stats

    dashboard.register_panel(
        dashboard.Panel(key="cases", can_view=case_stats.can_view, render=case_stats.render_panel, order=110)
    )
    case_documents.register_doc_types()
    audit.register_action_labels(labels.AUDIT_LABELS)
    ui.register_field_labels(labels.FIELD_LABELS)
    referral_made.connect(_on_referral, weak=False)
    subjects.register_subject(
        subjects.type_of(PenaltyCase),
        subjects.SubjectView(
            load=lambda case_id: _get(PenaltyCase, case_id),
            summary_template="cases/_summary.html",
            url=lambda case: url_for("cases.detail", case_id=case.id),
            label=SUBJECT_LABEL,
            name=lambda case: case.display_no,
            outsider_progress=case_view.outsider_progress,
            scope=_scoped_ids(PenaltyCase),
        ),
    )
    subjects.register_subject(  # a lead: the audit trail and notices about it link to its page
        subjects.type_of(CaseProposal),
        subjects.SubjectView(
            load=lambda proposal_id: _get(CaseProposal, proposal_id),
            url=lambda proposal: url_for("cases.proposal", proposal_id=proposal.id),
            label="案件线索",
            name=lambda proposal: f"{proposal.source}线索（{proposal.enterprise.name}）",
            scope=_scoped_ids(CaseProposal),
        ),
    )


def _on_referral(referral) -> None:
    """A hazard referred for a penalty becomes a case proposal (the hazard domain's signal)."""
    from app.cases.operations import receive_referral

    receive_referral(referral)


def _scoped_ids(model):
    """viewer -> the ids of `model` rows in the viewer's jurisdiction (the audit trail's scope)."""

    def scope(viewer):
        from sqlalchemy import select

        from app.auth.permissions import scope_clause

        return select(model.id).where(scope_clause(viewer, model.region_path, model.enterprise_id))

    return scope


def _get(model, object_id: int):
    from app.extensions import db

    return db.session.get(model, object_id)
