"""严重失信主体名单, 联合惩戒 and 信用修复 (issue #14): the worst offenders listed from the facts, punished
jointly, and taken off the list when the law says so.

Layout: models/ (tables), rules.py + data/rules (the jurisdiction's windows and terms, versioned, cited),
criteria.py + data/criteria.json (the nine 列入情形 of 应急管理部令第11号), measures library
data/measures.json (§7.4), gates.py (every legal gate, in one place), operations/ (verbs: proposals, listing,
term and repair, remedies), effects.py (what a listing does while in force: publication, push, measures —
and undoing them), tasks.py / status.py / task_facts.py (the workflows' glue), documents.py (文书), pages,
API, ledger and demo data. `init_app` below is the one place the domain plugs into the platform
(docs/adding-a-domain.md). Principle: 谁处罚、谁决定、谁负责 — the department that made the penalty
decision (or registered the accident) decides and manages the listing.

Workflows: credit_listing (提出 → 告知 → 陈述申辩 → 核查 → 决定 → 送达), credit_expiry (the 3-year term's timer),
credit_repair (信用修复 application → 核查 → 决定).
"""

from __future__ import annotations

from flask import Flask

SUBJECT_LABEL = "严重失信主体名单"


def init_app(app: Flask) -> None:
    # --- process: listing workflow glue, documents (helper "process") ---
    from app.credit import access, labels, status, task_facts, tasks  # noqa: F401 - their decorators
    from app.credit import documents as credit_documents

    credit_documents.register(app)  # the six doc types and their templates
    access.register()  # documents of credit_listings: staff in scope; the enterprise its served ones
    labels.register()
    # --- criteria: accidents, proposals from facts, signals from the penalty cases (helper "criteria") ---
    from app.cases.signals import decision_made, execution_refused

    decision_made.connect(_on_decision_made, weak=False)  # 列入情形 6/7/9 from a tagged violation's decision
    execution_refused.connect(_on_execution_refused, weak=False)  # 列入情形 8 from the court application
    # --- effects: publication, push, measures, feedback sweep, enterprise banner (helper "effects") ---
    from app.credit import effects

    effects.init_app(app)  # 公示 kind credit_listing, the enterprise flags provider, the feedback sweep
    # --- term: expiry, repair, remedies, penalty publication periods (helper "term") ---
    from app.credit import repair_tasks, workflow_handlers  # noqa: F401 - credit_repair tasks, credit.expire
    from app.credit.operations import remedies

    repair_tasks.register_access()  # 信用承诺书 and other files of credit_repairs / penalty_info_repairs
    repair_tasks.register_subject()  # credit_repairs on the generic task page and in the audit trail
    remedies.connect()  # app.cases.signals.decision_overturned → listings on the case withdrawn
    # --- web: pages, API, nav, ledger, dashboard, subject views, demo data (helper "web") ---
    _init_web(app)
    # --- inforepair: 行政处罚信息信用修复 pages and API (helper "inforepair") ---
    from app.credit import info_repair_routes

    info_repair_routes.init_app(app)  # /credit/info-repairs/… and /api/v1/credit/info-repairs
    # --- fixup2: the listed enterprise's word for the agency's internal stages (app.credit.view) ---
    from app.credit.view import outsider_status

    app.jinja_env.globals["credit_outsider_status"] = outsider_status  # credit/_macros.html status_badge
    from app.credit.criteria import item_of

    app.jinja_env.globals["criterion_item"] = item_of  # 第七条第一项: the rule's article and item, never 1–9


# --- criteria: the penalty cases' signals (receivers run in the sender's transaction; they flush) ---


def _on_decision_made(case) -> None:
    from app.credit.operations.proposals import propose_from_case

    propose_from_case(case)


def _on_execution_refused(case) -> None:
    from app.credit.operations.proposals import propose_from_execution

    propose_from_execution(case)


# --- web: pages, API, nav, ledger, dashboard, subject views, demo data (helper "web") ---


def _init_web(app: Flask) -> None:
    from typing import Any

    from flask import url_for

    from app import dashboard, ledgers, subjects, ui
    from app.auth.roles import Role
    from app.credit import api as credit_api
    from app.credit import ledger as credit_ledger
    from app.credit import queries as credit_queries
    from app.credit import routes as credit_routes
    from app.credit import stats as credit_stats
    from app.credit import view as credit_view
    from app.credit.models import Accident, CreditListing

    def _id(obj: Any) -> int:
        return int(obj.id)

    def _listing_name(listing: Any) -> str:
        from app.credit.criteria import item_of

        return f"{listing.enterprise.name}（{item_of(listing.criterion)}）"

    def _listing_progress(listing: Any) -> list:
        return credit_view.outsider_progress(listing)

    def _accident_name(accident: Any) -> str:
        return str(accident.name)

    app.register_blueprint(credit_routes.bp)  # /credit/…: the list, a listing, 事故登记, 新增列入建议
    app.register_blueprint(credit_api.bp)  # /api/v1/credit/…
    ui.register_nav(
        "credit.index",
        "失信惩戒",
        {
            Role.OFFICER,
            Role.SECTION_HEAD,
            Role.LEADER,
            Role.LEGAL_REVIEWER,
            Role.SUPERVISOR,
            Role.ADMIN,
            Role.ENTERPRISE,
        },
        order=50,
    )
    ledgers.register_source(credit_ledger.SOURCE)  # 严重失信主体名单台账 (reports/credit_listings.json)
    from app.cases.ledger import AnsweredColumn, register_answered_column

    register_answered_column(  # the 行政处罚案件台账's 是否列入严重失信, answered from the list
        AnsweredColumn("credit", credit_ledger.case_listing_statement, credit_ledger.case_listing_words)
    )
    from app.credit.seed import seed_credit
    from app.seed import register_seeder

    register_seeder(seed_credit)  # demo data: after the penalty cases' seeder (DOMAINS order)
    dashboard.register_panel(
        dashboard.Panel(
            key="credit", can_view=credit_stats.can_view, render=credit_stats.render_panel, order=120
        )
    )
    subjects.register_subject(
        subjects.type_of(CreditListing),
        subjects.SubjectView(
            load=lambda listing_id: _get(CreditListing, listing_id),
            summary_template="credit/_summary.html",
            url=lambda listing: url_for("credit.detail", listing_id=_id(listing)),
            label=SUBJECT_LABEL,
            name=_listing_name,
            outsider_progress=_listing_progress,
            scope=lambda viewer: credit_queries.scoped(viewer).with_only_columns(CreditListing.id),
        ),
    )
    subjects.register_subject(
        subjects.type_of(Accident),
        subjects.SubjectView(
            load=lambda accident_id: _get(Accident, accident_id),
            summary_template="credit/_accident_summary.html",
            url=lambda accident: url_for("credit.accident", accident_id=_id(accident)),
            label="事故",
            name=_accident_name,
            scope=_scoped_ids(Accident),
        ),
    )


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
