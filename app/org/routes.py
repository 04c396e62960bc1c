"""Enterprise registry pages (企业名录): list, detail, my enterprise; admin create/edit and Excel import."""

from __future__ import annotations

import io

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app import audit, params
from app.auth.permissions import can_manage_registry
from app.auth.roles import STAFF_ROLES
from app.db import commit_request
from app.errors import NotFound, ValidationFailed, require
from app.extensions import db
from app.org import flags, operations
from app.org.importer import COLUMNS, import_enterprises, template_workbook
from app.org.models import CATEGORIES, INDUSTRIES, EnterpriseStatus, RiskGrade
from app.org.queries import (
    LOOKUP_LIMIT,
    PER_PAGE,
    EnterpriseFilters,
    EnterpriseListArgsSchema,
    LookupArgsSchema,
    enterprise_for,
    enterprise_label,
    enterprise_list_query,
    enterprise_region_choices,
    search_enterprises,
    towns_in_scope,
    users_bound_to,
)
from app.org.schemas import ENTERPRISE_LABELS

bp = Blueprint("org", __name__)

RISK_GRADES = [g.value for g in RiskGrade]
STATUSES = [s.value for s in EnterpriseStatus]


def _choices() -> dict:
    return {
        "industries": INDUSTRIES, "risk_grades": RISK_GRADES, "categories": CATEGORIES, "statuses": STATUSES,
        "industry_options": [(i, i) for i in INDUSTRIES], "risk_options": [(g, g) for g in RISK_GRADES],
        "category_options": [(c, f"{c}类") for c in CATEGORIES], "status_options": [(s, s) for s in STATUSES],
    }


def _can_list() -> bool:
    return not current_user.is_enterprise_user and current_user.has_role(*STAFF_ROLES)


@bp.get("/enterprises")
@login_required
def enterprises():
    """企业名录: scoped, filtered, 50 per page."""
    require(_can_list())
    filters = EnterpriseFilters.from_args(request.args)
    page = params.check(EnterpriseListArgsSchema, request.args)["page"]
    pagination = db.paginate(
        enterprise_list_query(current_user, filters), page=page, per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "org/enterprises.html",
        pagination=pagination,
        filters=filters,
        towns=towns_in_scope(current_user),
        can_manage=can_manage_registry(current_user),
        **_choices(),
    )


@bp.get("/enterprises/lookup")
@login_required
def enterprise_lookup():
    """The enterprise picker's search (static/picker.js): name, 统一社会信用代码 or 乡镇/街道, in the user's
    data scope, at most `limit` (≤ 50) matches. Staff only: an enterprise account picks no enterprise."""
    require(_can_list(), "企业账号不能检索企业名录")
    args = params.check(LookupArgsSchema, request.args)
    found, more = search_enterprises(current_user, args.get("q", ""), min(args.get("limit", LOOKUP_LIMIT), 50))
    flagged = flags.enterprise_flags_for(e.id for e in found)  # app/org/flags.py: a banner follows the name
    items = [
        {"id": e.id, "name": e.name, "credit_code": e.credit_code, "town": e.town.name if e.town else ""}
        | ({"flags": flagged[e.id]} if flagged.get(e.id) else {})
        for e in found
    ]
    response = jsonify({"items": items, "more": more})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global("enterprise_label")
def _enterprise_label(value) -> str | None:
    """For the picker macro (forms/_picker.html): a picked enterprise's name, if in the user's scope."""
    return enterprise_label(current_user, value) if current_user.is_authenticated else None


@bp.app_template_global("enterprise_flags")
def _enterprise_flags(enterprise_id) -> list[str]:
    """The flags registered providers put on an enterprise (app/org/flags.py; macros in org/_flags.html).
    Staff only: an enterprise account's own pages do not label it."""
    if not current_user.is_authenticated or current_user.is_enterprise_user:
        return []
    return flags.labels(enterprise_id)


@bp.app_template_global("preload_enterprise_flags")
def _preload_enterprise_flags(enterprise_ids) -> str:
    """A list page asks once for its rows' enterprises: {{ preload_enterprise_flags(ids) }} renders nothing."""
    if current_user.is_authenticated and not current_user.is_enterprise_user:
        flags.preload(enterprise_ids)
    return ""


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise_detail(enterprise_id: int):
    enterprise = enterprise_for(current_user, enterprise_id)  # 404 outside the user's scope
    history = audit.history(enterprise) if not current_user.is_enterprise_user else None
    return render_template(
        "org/enterprise_detail.html",
        enterprise=enterprise,
        users=users_bound_to(enterprise) if not current_user.is_enterprise_user else [],
        events=history,
        labels=operations.ENTERPRISE_HISTORY_LABELS,
        can_manage=can_manage_registry(current_user),
    )


@bp.get("/my-enterprise")
@login_required
def my_enterprise():
    """本企业信息: an enterprise account's own page."""
    if current_user.enterprise_id is None or not current_user.is_enterprise_user:
        raise NotFound("您的账号未绑定企业")
    return redirect(url_for("org.enterprise_detail", enterprise_id=current_user.enterprise_id))


# --- admin: create / edit --------------------------------------------------------------------------------
def _form_values(enterprise=None) -> dict:
    if request.method == "POST":
        return {k: request.form.get(k, "") for k in ENTERPRISE_LABELS}
    if enterprise is None:
        return {"status": EnterpriseStatus.OPERATING.value, "category": "B", "risk_grade": RiskGrade.GENERAL.value}
    values = {k: getattr(enterprise, k) for k in ENTERPRISE_LABELS}
    return {k: ("" if v is None else v) for k, v in values.items()}


def _render_form(enterprise, values, errors, status=200):
    return render_template(
        "org/enterprise_form.html",
        enterprise=enterprise,
        values=values,
        errors=errors,
        regions=enterprise_region_choices(current_user),
        labels=ENTERPRISE_LABELS,
        **_choices(),
    ), status


@bp.route("/enterprises/new", methods=["GET", "POST"])
@login_required
def enterprise_new():
    require(can_manage_registry(current_user))
    values = _form_values()
    if request.method == "POST":
        try:
            enterprise = operations.create_enterprise(values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_form(None, values, exc.field_errors, 422)
        commit_request()
        flash(f"已登记企业“{enterprise.name}”", "success")
        return redirect(url_for("org.enterprise_detail", enterprise_id=enterprise.id))
    return _render_form(None, values, {})


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def enterprise_edit(enterprise_id: int):
    require(can_manage_registry(current_user))
    enterprise = enterprise_for(current_user, enterprise_id)
    values = _form_values(enterprise)
    if request.method == "POST":
        try:
            operations.update_enterprise(enterprise, values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            enterprise = enterprise_for(current_user, enterprise_id)
            return _render_form(enterprise, values, exc.field_errors, 422)
        commit_request()
        flash("企业信息已保存", "success")
        return redirect(url_for("org.enterprise_detail", enterprise_id=enterprise_id))
    return _render_form(enterprise, values, {})


# --- admin: Excel import ---------------------------------------------------------------------------------
@bp.route("/enterprises/import", methods=["GET", "POST"])
@login_required
def enterprise_import():
    require(can_manage_registry(current_user))
    result = None
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        all_or_nothing = request.form.get("all_or_nothing") in ("1", "on", "y")
        if upload is None or not upload.filename:
            error = "请选择要导入的 Excel 文件"
        elif not upload.filename.lower().endswith(".xlsx"):
            error = "仅支持 .xlsx 格式的 Excel 文件（可先下载导入模板）"
        else:
            result = import_enterprises(
                upload.stream, actor=current_user, all_or_nothing=all_or_nothing, filename=upload.filename
            )
            if result.file_error:
                error, result = result.file_error, None
                db.session.rollback()
            elif result.imported:
                commit_request()
            else:
                db.session.rollback()
        if error:
            return render_template("org/import.html", result=None, error=error, columns=COLUMNS), 422
    return render_template("org/import.html", result=result, error=error, columns=COLUMNS)


@bp.get("/enterprises/import/template.xlsx")
@login_required
def import_template():
    require(can_manage_registry(current_user))
    return send_file(
        io.BytesIO(template_workbook()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="企业名录导入模板.xlsx",
    )
