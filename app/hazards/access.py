"""Who may open the hazard domain's attachments and numbered documents: whoever may see the hazard (or
the 指令书; an enterprise never sees a draft 指令书)."""

from __future__ import annotations

from app import attachments, documents
from app.extensions import db
from app.hazards import permissions as perm
from app.hazards.models import (
    ExtensionRequest,
    GovernancePlan,
    HazardReview,
    ProgressReport,
    Rectification,
    RectificationOrder,
)
from app.hazards.queries import can_view_hazard_id


def _via_hazard(model):
    def check(user, subject_id: int) -> bool:
        row = db.session.get(model, subject_id)
        return row is not None and can_view_hazard_id(user, row.hazard_id)

    return check


def _order_check(user, order_id: int) -> bool:
    order = db.session.get(RectificationOrder, order_id)
    return order is not None and not (order.is_draft and user.is_enterprise_user) and perm.can_view(user, order)


def register() -> None:
    attachments.register_access("hazards", can_view_hazard_id)
    for model in (Rectification, ExtensionRequest, HazardReview, GovernancePlan, ProgressReport):
        attachments.register_access(model.__tablename__, _via_hazard(model))
    documents.register_access("rectification_orders", _order_check)
    documents.register_access("hazards", can_view_hazard_id)
