"""The results part's plumbing: the 公示 kind of 双随机 results, the 现场处理措施决定书 template and who may open it,
the receiver of the penalty cases' proposal_closed signal, the open items (违法行为 without outcome, measures in
force, results not yet published — scoped), and the context of the `inspections/_results.html` partial the
inspection page includes. `register(app)` is called from app.inspections.init_app (section "results")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from flask import Flask
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from app import audit, clock, dashboard, publication, ui
from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.auth.roles import Role
from app.documents import DOC_TYPES, register_doc_type
from app.documents import register_access as register_document_access
from app.extensions import db
from app.inspections.models import (
    Finding,
    FindingOutcome,
    Inspection,
    InspectionSource,
    InspectionStatus,
    MeasureStatus,
    OnSiteMeasure,
)
from app.inspections.operations import results as ops
from app.paging import capped_count
from app.publication.kinds import PublicationKind

MEASURE_TEMPLATE = "inspections/docs/onsite_measures.html"
OPEN_LIMIT = 200  # rows per open-items list (the count above it is capped)

RESULT_FIELDS = ("企业名称", "统一社会信用代码", "抽查事项", "检查日期", "检查结果", "检查机关")

publication.register_kind(
    PublicationKind(
        code=ops.RESULT_KIND,
        name="双随机抽查结果",
        fields=RESULT_FIELDS,
        description="双随机抽查结果自检查之日起20个工作日内公示（企业信息公示暂行条例，规格 §5.1、§8.1）。",
        title=lambda v: f"{v.get('企业名称') or ''}双随机抽查结果：{v.get('检查结果') or ''}",
    )
)

ACTION_LABELS = {
    "inspection.order_issued": "检查发现问题下达整改指令书",
    "inspection.measure_issued": "作出现场处理措施决定",
    "inspection.measure_lifted": "解除现场处理措施",
    "inspection.violations_referred": "违法行为移送立案",
    "inspection.finding_outcome": "违法行为处理结果",
    "inspection.results_handled": "检查结果处理完毕",
    "inspection.outcomes_complete": "违法行为均已处理",
}


def register(app: Flask) -> None:
    from app.cases.signals import proposal_closed
    from app.inspections import results_routes, results_tasks  # noqa: F401 - the results tasks' handlers

    current = DOC_TYPES.get(ops.MEASURE_DOC)
    if current is not None and current.template != MEASURE_TEMPLATE:
        register_doc_type(replace(current, template=MEASURE_TEMPLATE))
    register_document_access("inspection_measures", can_view_measure)
    proposal_closed.connect(ops.on_proposal_closed, weak=False)
    audit.register_action_labels(ACTION_LABELS)
    app.jinja_env.globals["inspection_results"] = results_context
    app.register_blueprint(results_routes.bp)
    # the open items: a dashboard panel for section heads and leaders (their menu is full at 1280 px); the
    # enterprise's own measures: a menu entry of its short menu
    dashboard.register_panel(
        dashboard.Panel(
            key="inspection_open_items", can_view=can_view_open_items, render=render_panel, order=111
        )
    )
    ui.register_nav("inspection_results.measures", "现场处理措施", [Role.ENTERPRISE], order=57)


# ---- access ----------------------------------------------------------------------------------------------


def can_view_inspection(user: User, inspection: Inspection) -> bool:
    """Staff in scope; the enterprise its own inspection once the team is on site (never a planned one)."""
    if not in_scope(user, inspection.region_path, inspection.enterprise_id):
        return False
    if user.is_enterprise_user:
        return inspection.status not in (
            InspectionStatus.PENDING_APPROVAL,
            InspectionStatus.PLANNED,
            InspectionStatus.CANCELLED,
        )
    return True


def can_view_measure(user, measure_id: int) -> bool:
    measure = db.session.get(OnSiteMeasure, measure_id)
    return measure is not None and can_view_inspection(user, measure.inspection)


# ---- open items ------------------------------------------------------------------------------------------


def _scoped(user: User, stmt: Select) -> Select:
    return stmt.where(scope_clause(user, Inspection.region_path, Inspection.enterprise_id))


def open_violations_stmt(user: User) -> Select:
    """Findings tagged 违法行为 without an outcome (no 以责代罚), in the user's scope, oldest first."""
    stmt = (
        select(Finding)
        .join(Finding.inspection)
        .options(contains_eager(Finding.inspection))
        .where(
            Finding.is_violation.is_(True),
            or_(Finding.outcome.is_(None), Finding.outcome == FindingOutcome.PENDING.value),
            Inspection.status != InspectionStatus.CANCELLED.value,
        )
        .order_by(Inspection.planned_on, Finding.id)
    )
    return _scoped(user, stmt)


def measures_in_force_stmt(user: User) -> Select:
    stmt = (
        select(OnSiteMeasure)
        .join(OnSiteMeasure.inspection)
        .options(contains_eager(OnSiteMeasure.inspection))
        .where(OnSiteMeasure.status == MeasureStatus.IN_FORCE.value)
        .order_by(OnSiteMeasure.issued_at, OnSiteMeasure.id)
    )
    return _scoped(user, stmt)


def unpublished_results_stmt(user: User) -> Select:
    """双随机 inspections whose result is due and not published yet, the earliest due first."""
    stmt = (
        select(Inspection)
        .where(
            Inspection.source == InspectionSource.RANDOM.value,
            Inspection.result_published_on.is_(None),
            Inspection.status != InspectionStatus.CANCELLED.value,
            or_(
                Inspection.result_publish_due.is_not(None),
                Inspection.status == InspectionStatus.HANDLING.value,
            ),
        )
        .order_by(Inspection.result_publish_due, Inspection.id)
    )
    return _scoped(user, stmt)


@dataclass
class OpenList:
    rows: list
    total: int


@dataclass
class OpenItems:
    violations: OpenList
    measures: OpenList
    results: OpenList
    today: date = field(default_factory=clock.today)

    def overdue(self, inspection: Inspection) -> bool:
        return ops.result_overdue(inspection, self.today)

    @property
    def overdue_results(self) -> int:
        return sum(1 for i in self.results.rows if self.overdue(i))


def _list(stmt: Select) -> OpenList:
    rows = list(db.session.scalars(stmt.limit(OPEN_LIMIT)).unique())
    total = len(rows) if len(rows) < OPEN_LIMIT else capped_count(stmt)
    return OpenList(rows, total)


def open_items(user: User) -> OpenItems:
    return OpenItems(
        violations=_list(open_violations_stmt(user)),
        measures=_list(measures_in_force_stmt(user)),
        results=_list(unpublished_results_stmt(user)),
    )


def measures_for(user: User, *, in_force_only: bool = False) -> list[OnSiteMeasure]:
    """The measures a user may see (an enterprise: its own, from inspections it may see), newest first."""
    stmt = (
        select(OnSiteMeasure)
        .join(OnSiteMeasure.inspection)
        .options(contains_eager(OnSiteMeasure.inspection))
        .order_by(OnSiteMeasure.issued_at.desc(), OnSiteMeasure.id.desc())
    )
    if in_force_only:
        stmt = stmt.where(OnSiteMeasure.status == MeasureStatus.IN_FORCE.value)
    if user.is_enterprise_user:
        stmt = stmt.where(
            Inspection.status.not_in(
                [InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED, InspectionStatus.CANCELLED]
            )
        )
    return list(db.session.scalars(_scoped(user, stmt).limit(OPEN_LIMIT)).unique())


def can_view_open_items(user) -> bool:
    return (not user.is_enterprise_user) and user.has_role(Role.SECTION_HEAD, Role.LEADER)


def open_counts(user: User) -> dict[str, int]:
    """The open items' counts (capped), the overdue 公示 among them."""
    overdue = unpublished_results_stmt(user).where(Inspection.result_publish_due < clock.today())
    return {
        "violations": capped_count(open_violations_stmt(user)),
        "measures": capped_count(measures_in_force_stmt(user)),
        "results": capped_count(unpublished_results_stmt(user)),
        "overdue": capped_count(overdue),
    }


def render_panel(user, args) -> str:
    from flask import render_template

    from app.paging import count_label

    return render_template("inspections/_open_items_panel.html", counts=open_counts(user), label=count_label)


# ---- the partial's context -------------------------------------------------------------------------------


@dataclass
class ResultsView:
    inspection: Inspection
    findings: list[Finding]
    measures: list[OnSiteMeasure]
    order: object | None
    publication: object | None
    can_handle: bool
    staff: bool
    errors: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)
    today: date = field(default_factory=clock.today)

    @property
    def to_order(self) -> list[Finding]:
        return ops.to_order(self.findings)

    @property
    def to_refer(self) -> list[Finding]:
        return ops.to_refer(self.findings)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.is_violation]

    @property
    def pending(self) -> list[Finding]:
        return ops.pending_violations(self.inspection, self.findings)

    @property
    def open(self) -> bool:
        return self.inspection.status in ops.OPEN_FOR_RESULTS

    @property
    def handling(self) -> bool:
        return self.inspection.status == InspectionStatus.HANDLING

    @property
    def is_random(self) -> bool:
        return self.inspection.source == InspectionSource.RANDOM

    @property
    def overdue(self) -> bool:
        return ops.result_overdue(self.inspection, self.today)

    @property
    def suggested_result(self) -> str:
        return ops.suggested_result(self.inspection, self.findings)

    @property
    def check_items(self) -> str:
        return ops.default_check_items(self.inspection)

    def can_lift(self, user: User, measure: OnSiteMeasure) -> bool:
        return ops.can_lift(user, measure)

    def value(self, name: str, default=""):
        return self.form.get(name, default)


def results_context(
    inspection: Inspection, user: User | None = None, *, errors=None, form=None
) -> ResultsView:
    """What `inspections/_results.html` shows of an inspection to `user` (default: the signed-in user)."""
    if user is None:
        from flask_login import current_user

        user = current_user
    order = None
    if inspection.order_id is not None:
        from app.hazards.models import RectificationOrder

        order = db.session.get(RectificationOrder, inspection.order_id)
    return ResultsView(
        inspection=inspection,
        findings=ops.findings_of(inspection),
        measures=ops.measures_of(inspection),
        order=order,
        publication=publication.current_for(inspection, ops.RESULT_KIND) if inspection.id else None,
        can_handle=ops.can_handle(user, inspection),
        staff=not user.is_enterprise_user,
        errors=dict(errors or {}),
        form=dict(form or {}),
    )


__all__ = [
    "RESULT_FIELDS",
    "can_view_inspection",
    "can_view_measure",
    "measures_for",
    "open_items",
    "register",
    "results_context",
]
