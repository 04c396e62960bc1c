"""How users name the hazard domain's objects wherever the platform lists them (the 执法全过程记录, the
page-view records of evidence): 隐患 YH2026000016, 指令书 （萧）应急责改〔2026〕13号, 整改情况 第1轮（隐患 …）.
Every row that belongs to one hazard names that hazard as its parent, so a photo attached to a 复查 record
reads 附件 现场.jpg（隐患 YH2026000016） and links to the hazard's page."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import subjects
from app.subjects import SubjectRef, model_view


def _hazard_of(part) -> SubjectRef:
    return SubjectRef("hazards", part.hazard_id)


def _hazard_url(part) -> str:
    return url_for("hazards.detail", hazard_id=part.hazard_id)


def _order_name(order) -> str:
    return order.doc_number or f"待签发（{order.enterprise.name}）"


def _scoped_ids(model):
    """viewer -> the ids of `model` rows (with their own region_path and enterprise_id) in the viewer's scope."""
    from app.auth.permissions import scope_clause

    return lambda viewer: select(model.id).where(scope_clause(viewer, model.region_path, model.enterprise_id))


def _with_batch_loader(model, *, label: str, name, url, options=()) -> None:
    kind = subjects.type_of(model)
    batch = model_view(model, label=label, name=name, url=url, options=options, scope=_scoped_ids(model))
    view = subjects.view_of(kind)
    if view is None:
        subjects.register_subject(kind, batch)
    else:
        subjects.register_subject(kind, replace(view, load_many=view.load_many or batch.load_many,
                                                scope=view.scope or batch.scope))


def register() -> None:
    from app.hazards.models import (
        ExtensionRequest,
        GovernancePlan,
        Hazard,
        HazardReview,
        PenaltyReferral,
        ProgressReport,
        Rectification,
        RectificationOrder,
        Supervision,
    )

    # the hazard's and the 指令书's own views (registered in init_app) gain a batch loader: one query for a
    # page of events, however many of them name one
    _with_batch_loader(Hazard, label="隐患", name=lambda h: h.code,
                       url=lambda h: url_for("hazards.detail", hazard_id=h.id))
    _with_batch_loader(RectificationOrder, label="指令书", name=_order_name,
                       url=lambda o: url_for("hazards.order", order_id=o.id),
                       options=[selectinload(RectificationOrder.enterprise)])
    parts = [
        (Rectification, "整改情况", lambda r: f"第{r.round}轮"),
        (ExtensionRequest, "延期申请", lambda e: f"申请延期至{e.requested_deadline.isoformat()}"),
        (HazardReview, "复查（验收）", lambda r: f"第{r.round}轮"),
        (GovernancePlan, "治理方案", lambda p: f"{p.submitted_at.date().isoformat()}报送" if p.submitted_at else ""),
        (ProgressReport, "治理进展", lambda p: f"{p.reported_on.isoformat()}报送"),
        (Supervision, "挂牌督办", lambda s: s.code),
        (PenaltyReferral, "移送立案", lambda r: r.status),
    ]
    hazard_scope = _scoped_ids(Hazard)

    def in_scope_hazards(model):  # a row of one hazard is where its hazard is
        return lambda viewer: select(model.id).where(model.hazard_id.in_(hazard_scope(viewer)))

    for model, label, name in parts:
        subjects.register_subject(subjects.type_of(model), model_view(
            model, label=label, name=name, url=_hazard_url, parent=_hazard_of, scope=in_scope_hazards(model),
        ))
