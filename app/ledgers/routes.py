"""台账导出: the ledger list page and the Excel download (exactly the rows of the on-screen filter)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app import audit, clock
from app.db import commit_request
from app.errors import require
from app.extensions import db
from app.hazards import permissions as hazard_perm
from app.hazards import queries
from app.hazards.models import HazardLevel, HazardSource, HazardStatus
from app.ledgers import definitions
from app.ledgers.export import ExportMeta, write
from app.ledgers.hazard_rows import ROW_BUILDERS
from app.org.models import Enterprise, Region

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")

audit.register_action_labels({"ledger.exported": "导出台账"})

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_words(f: queries.HazardFilters) -> str:
    """筛选条件 in words, for the ledger's header rows."""
    parts = []
    if f.enterprise_id:
        e = db.session.get(Enterprise, f.enterprise_id)
        parts.append(f"企业：{e.name if e else f.enterprise_id}")
    if f.town:
        code = f.town.strip("/").split("/")[-1]
        r = db.session.query(Region).filter_by(code=code).first()
        parts.append(f"乡镇/街道：{r.name if r else code}")
    for label, value in (("行业", f.industry), ("等级", f.level), ("来源", f.source), ("关键词", f.q)):
        if value:
            parts.append(f"{label}：{value}")
    if f.status:
        parts.append(
            f"状态：{queries.STATUS_GROUPS[f.status][0] if f.status in queries.STATUS_GROUPS else f.status}"
        )
    if f.overdue:
        parts.append("逾期：" + ("当前逾期" if f.overdue == "1" else "曾经逾期"))
    return "；".join(parts) or "无（辖区内全部隐患）"


def _unit() -> str:
    dept = current_user.department
    if dept is None:
        return current_user.name
    agency = dept.agency
    return agency.name if agency.id == dept.id else f"{agency.name}{dept.name}"


@bp.get("")
@login_required
def index():
    require(hazard_perm.can_export(current_user), "只有执法、统计和管理人员可以导出台账")
    f = queries.HazardFilters.from_args(request.args)
    from sqlalchemy import func, select

    total = db.session.scalar(
        select(func.count()).select_from(queries.filtered(current_user, f).order_by(None).subquery())
    )
    return render_template(
        "ledgers/index.html",
        f=f,
        ledgers=definitions.all_ledgers(),
        total=total or 0,
        towns=queries.towns_for(current_user),
        enterprises=queries.enterprises_for(current_user, 500),
        industries=queries.industries(),
        statuses=[s for s in HazardStatus if s != HazardStatus.DRAFT],
        status_groups=queries.STATUS_GROUPS,
        sources=list(HazardSource),
        levels=list(HazardLevel),
        words=filter_words(f),
    )


@bp.get("/<name>.xlsx")
@login_required
def export(name: str):
    require(hazard_perm.can_export(current_user), "只有执法、统计和管理人员可以导出台账")
    try:
        ledger = definitions.get(name)
    except definitions.LedgerNotFound:
        abort(404)
    builder = ROW_BUILDERS.get(name)
    if builder is None:
        abort(404)
    f = queries.HazardFilters.from_args(request.args)
    base = url_for("attachments.download", attachment_id=0, _external=True)[:-1]
    now = clock.now().astimezone(clock.TZ)
    meta = ExportMeta(
        unit=_unit(),
        exported_at=now,
        period=f.period_label(),
        filters=filter_words(f),
        exported_by=current_user.name,
    )
    rows = builder(current_user, f, attachment_base=base, today=clock.today())
    out, count = write(ledger, rows, meta)
    audit.record(
        current_user,
        "ledger.exported",
        None,
        summary=f"{current_user.name}导出{ledger.title}（{count}条）",
        data={"ledger": name, "filters": f.filter_args(), "rows": count},
    )
    commit_request()
    filename = f"{ledger.title}_{now:%Y%m%d%H%M}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
