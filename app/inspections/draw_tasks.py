"""The 双随机 workflows' glue: each user task bound to the operation the pages call (so every check holds
whoever submits: page, task page, API), and the batch's status set in one place from where draw_batch
stands.

    READY user task      → batch status
    commit_batch         → 草稿
    run_draw             → 已提交
    close_batch          → 已抽取
    workflow finished    → 已完成
"""

from __future__ import annotations

from flask import Flask

from app import workflow
from app.extensions import db
from app.inspections.models.draw import DrawBatch, DrawEvent, DrawStatus
from app.inspections.operations import draw as ops
from app.workflow.user_tasks import bind_operations, subject_loader

bind_operations(
    ops.PROCESS,
    {"commit_batch": ops.commit_batch, "run_draw": ops.draw_batch, "close_batch": ops.close_batch},
    load=subject_loader(DrawBatch, "双随机批次"),
    module=__name__,
)
bind_operations(
    ops.RECUSAL_PROCESS,
    {"decide_recusal": ops.decide_recusal},
    load=subject_loader(DrawEvent, "回避申请"),
    module=__name__,
)
bind_operations(
    ops.SUPPLEMENT_PROCESS,
    {"approve_supplement": ops.decide_supplement},
    load=subject_loader(DrawEvent, "补抽申请"),
    module=__name__,
)

TASK_STATUS = {
    "commit_batch": DrawStatus.DRAFT,
    "run_draw": DrawStatus.COMMITTED,
    "close_batch": DrawStatus.DRAWN,
}


@workflow.on_change(ops.PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    batch = db.session.get(DrawBatch, change.instance.subject_id)
    if batch is None:
        return
    if change.finished:
        batch.status = DrawStatus.DONE
        return
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            batch.status = status
            return


def register_subjects() -> None:
    from flask import url_for
    from sqlalchemy import select

    from app import subjects
    from app.auth.permissions import scope_clause
    from app.inspections.models.draw import SpotCheckItem

    def scoped(model, column):
        def scope(viewer):
            if viewer.is_enterprise_user:
                return select(model.id).where(model.id.is_(None))
            return select(model.id).where(scope_clause(viewer, column))

        return scope

    subjects.register_subject(
        "draw_batches",
        subjects.model_view(
            DrawBatch,
            label="双随机抽查批次",
            name=lambda b: b.label,
            url=lambda b: url_for("inspections_draw.detail", batch_id=b.id),
            summary_template="inspections/draws/_summary.html",
            scope=scoped(DrawBatch, DrawBatch.region_path),
        ),
    )

    def event_scope(viewer):
        if viewer.is_enterprise_user:
            return select(DrawEvent.id).where(DrawEvent.id.is_(None))
        return (
            select(DrawEvent.id)
            .join(DrawBatch, DrawBatch.id == DrawEvent.batch_id)
            .where(scope_clause(viewer, DrawBatch.region_path))
        )

    subjects.register_subject(
        "draw_events",
        subjects.model_view(
            DrawEvent,
            label="双随机回避/补抽申请",
            name=lambda ev: f"{ev.batch.label}：{ev.kind}",
            url=lambda ev: url_for("inspections_draw.detail", batch_id=ev.batch_id),
            summary_template="inspections/draws/_event_summary.html",
            scope=event_scope,
        ),
    )
    subjects.register_subject(
        "spot_check_items",
        subjects.model_view(
            SpotCheckItem,
            label="随机抽查事项",
            name=lambda i: f"{i.code} {i.name}",
            url=lambda i: url_for("inspections_draw.items"),
            scope=scoped(SpotCheckItem, SpotCheckItem.region_path),
        ),
    )


def register(app: Flask) -> None:
    """Called from app.inspections.init_app (the draw section): pages, public pages, subject views."""
    from app import periodic
    from app.inspections import draw_routes

    draw_routes.register(app)
    register_subjects()
    ops.register_documents()
    periodic.register_sweep("inspections.draw_inspections", ops.sweep_draw_inspections, every=30)
