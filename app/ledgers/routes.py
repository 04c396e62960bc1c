"""台账导出: the ledger page (each domain's filter and ledgers) and the Excel download (exactly the rows of
the on-screen filter, in the user's data scope)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app import audit, clock
from app.db import commit_request
from app.errors import require
from app.ledgers import definitions
from app.ledgers.export import ExportMeta, write
from app.ledgers.sources import exportable, source_of

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")

audit.register_action_labels({"ledger.exported": "导出台账"})

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DENIED = "只有执法、统计和管理人员可以导出台账"


def _unit() -> str:
    dept = current_user.department
    if dept is None:
        return current_user.name
    agency = dept.agency
    return agency.name if agency.id == dept.id else f"{agency.name}{dept.name}"


@bp.get("")
@login_required
def index():
    allowed = exportable(current_user)
    require(bool(allowed), DENIED)
    sections = [Markup(s.section(current_user, request.args)) for s in allowed]
    return render_template("ledgers/index.html", sections=sections)


@bp.get("/<name>.xlsx")
@login_required
def export(name: str):
    source = source_of(name)
    require(bool(exportable(current_user)), DENIED)
    if source is None:
        abort(404)
    require(source.can_export(current_user), DENIED)
    try:
        ledger = definitions.get(name)
    except definitions.LedgerNotFound:
        abort(404)
    base = url_for("attachments.download", attachment_id=0, _external=True)[:-1]
    now = clock.now().astimezone(clock.TZ)
    extract = source.rows(name, current_user, request.args, attachment_base=base, today=clock.today())
    meta = ExportMeta(
        unit=_unit(),
        exported_at=now,
        period=extract.period,
        filters=extract.filters,
        exported_by=current_user.name,
    )
    out, count = write(ledger, extract.rows, meta)
    audit.record(
        current_user,
        "ledger.exported",
        None,
        summary=f"{current_user.name}导出{ledger.title}（{count}条）",
        data={"ledger": name, "filters": extract.filter_args, "rows": count},
    )
    commit_request()
    filename = f"{ledger.title}_{now:%Y%m%d%H%M}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
