"""隐患排查治理闭环 (hidden-danger closed loop): registration, 责令限期整改指令书, rectification,
extension, 复查, 销号 / referral for 一般隐患, and 挂牌督办 → 治理方案 → 进展 → 验收 → 摘牌 for 重大隐患.

Design: ONE WORKFLOW INSTANCE PER HAZARD, not per order. The 指令书 (RectificationOrder) groups the
hazards of one visit and carries the shared document, but each item has its own deadline, extension
requests, failure rounds and referral. A per-order instance would force all items to move in lock
step (one late item would hold the others' 复查/销号) or need multi-instance loops whose history
piles up in one tree; per-hazard instances keep every round independent and each tree small. The
BPMN caps failed rounds at 2 (then referral, or one leader-approved exception), so an instance's
task tree is bounded.

Layout: models.py (tables), operations/ (verbs, explicit actor, flush never commit), tasks.py (the
user-task handlers), workflow_handlers.py (BPMN service-task handlers: reminders, overdue, escalation),
queries.py (scoped lists and filters shared by the list page, API, ledgers and dashboard), routes.py and
api.py (pages and /api/v1/hazards), ledger.py and stats.py (台账 and 统计分析), seed.py (demo data).
`init_app` below is the one place the domain plugs into the platform (docs/adding-a-domain.md).
"""

from __future__ import annotations

from flask import Flask, url_for

SUBJECT_LABEL = "隐患"


def init_app(app: Flask) -> None:
    """Register everything the hazard domain adds to the platform."""
    from flask_login import current_user

    from app import audit, dashboard, ledgers, seed, subjects, ui
    from app.auth.roles import Role

    # imported for their decorators: form choices, user-task handlers (@workflow.user_task), service-task
    # handlers (@workflow.service), the status rule (@workflow.on_change), the facts at each decision
    # (@workflow.task_facts)
    from app.hazards import (  # noqa: F401
        access,
        api,
        choices,
        cli,
        labels,
        ledger,
        names,
        overview,
        routes,
        stats,
        status,
        task_facts,
        tasks,
        workflow_handlers,
    )
    from app.hazards import documents as hazard_documents
    from app.hazards import permissions as perm
    from app.hazards import view as hazard_view
    from app.hazards.models import Hazard, RectificationOrder
    from app.hazards.seed import seed_hazards

    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.hazards_cli)
    access.register()
    hazard_documents.register_doc_types()
    audit.register_action_labels(labels.AUDIT_LABELS)
    ui.register_field_labels(labels.FIELD_LABELS)
    ui.register_nav("hazards.index", "隐患治理", order=30)
    ui.register_nav("hazards.major", "重大隐患", overview.HOME_ROLES | {Role.OFFICER, Role.LEGAL_REVIEWER}, order=35)
    overview.register_home_sections()
    # the status badge in the reader's terms (macros are imported without context: read current_user here)
    app.jinja_env.globals["hazard_status_for"] = lambda h: hazard_view.status_for(h, current_user)
    subjects.register_subject(
        subjects.type_of(Hazard),
        subjects.SubjectView(
            load=lambda hazard_id: _get(Hazard, hazard_id),
            summary_template="hazards/_summary.html",
            url=lambda hazard: url_for("hazards.detail", hazard_id=hazard.id),
            label=SUBJECT_LABEL,
            name=lambda hazard: hazard.code,
            outsider_progress=hazard_view.outsider_progress,
        ),
    )
    subjects.register_subject(  # the 指令书: notices about it (app.hazards.notices) link to its page
        subjects.type_of(RectificationOrder),
        subjects.SubjectView(
            load=lambda order_id: _get(RectificationOrder, order_id),
            summary_template="hazards/_order_summary.html",
            url=lambda order: url_for("hazards.order", order_id=order.id),
            label="指令书",
            name=lambda order: order.doc_number or f"待签发指令书（{order.enterprise.name}）",
        ),
    )
    names.register()  # how the audit trail names the domain's rows (after the views above)
    ledgers.register_source(ledger.SOURCE)
    dashboard.register_panel(dashboard.Panel(key="hazards", can_view=perm.is_staff, render=stats.render_panel))
    seed.register_seeder(seed_hazards)


def _get(model, object_id: int):
    from app.extensions import db

    return db.session.get(model, object_id)
