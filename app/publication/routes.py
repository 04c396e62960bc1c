"""The staff list of 公示 entries in the viewer's jurisdiction: when each was due and published, and the
withdrawals with their reasons and deadlines. Signed-in agency staff only; linked from the menu by the
lead later (url: /publications/)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app import params
from app.errors import require
from app.publication import queries
from app.publication.kinds import find_kind, registered_kinds
from app.publication.models import PublicationStatus
from app.publication.operations import is_late, is_withdrawal_late

bp = Blueprint("publication", __name__, url_prefix="/publications", template_folder="templates")


@bp.get("/")
@login_required
def index():
    user = current_user._get_current_object()
    require(not user.is_enterprise_user, "企业账号无权查看公示管理列表")
    values = params.check(queries.StaffArgsSchema, request.args)
    page = queries.staff_page(user, values)
    return render_template(
        "publication/staff_list.html",
        page=page,
        values=values,
        kinds=registered_kinds(),
        statuses=list(PublicationStatus),
        is_late=is_late,
        is_withdrawal_late=is_withdrawal_late,
        kind_name=lambda code: k.name if (k := find_kind(code)) else code,
    )
