"""The 执法案卷 print (首页 and 卷内目录) of one case: /cases/<id>/casefile. Staff in scope only (the file holds
the agency's internal documents); anyone else gets 404. Read-only: no operation, no commit."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.cases import casefile
from app.cases import permissions as perm
from app.cases.models import PenaltyCase
from app.errors import NotFound
from app.extensions import db

bp = Blueprint("casefile", __name__, url_prefix="/cases", template_folder="templates")


@bp.get("/<int:case_id>/casefile")
@login_required
def show(case_id: int):
    case = db.session.get(PenaltyCase, case_id)
    if case is None or current_user.is_enterprise_user or not perm.can_view(current_user, case):
        raise NotFound("您要找的案件不存在，或不在您的管辖范围内")
    entries = casefile.contents(case)
    return render_template(
        "cases/casefile.html",
        case=case,
        cover=casefile.cover(case, entries),
        entries=entries,
        evidence=case.evidence_items,  # the evidence materials follow the documents in the 卷内目录
        payments=sorted(case.payments, key=lambda p: (p.paid_on, p.id)),  # then the 缴款凭证
        missing=casefile.missing(case),
    )
