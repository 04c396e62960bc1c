"""台账导出: the ledger page (each domain's filter and ledgers) and the export of a ledger (exactly the rows
of the on-screen filter, in the user's data scope). An export runs as a job (app/ledgers/jobs.py): the
POST queues it and goes to the job page, which shows its progress and then the download."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app import ui
from app.auth.roles import Role
from app.db import commit_request
from app.errors import require
from app.ledgers.jobs import DENIED, describe, enqueue_export
from app.ledgers.sources import exportable

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers")

# whoever may export finds their exports (and downloads) under 我的导出
ui.register_nav("jobs.index", "我的导出",
                {Role.OFFICER, Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN}, order=71)


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
    """Old links and bookmarks: what would be exported, and the button that starts it (a GET never
    starts work)."""
    ledger, extract = describe(name, request.args, actor=current_user)
    return render_template("ledgers/export.html", ledger=ledger, words=extract.filters, args=extract.filter_args)


@bp.post("/<name>.xlsx")
@login_required
def export_job(name: str):
    base = url_for("attachments.download", attachment_id=0, _external=True)[:-1]
    job = enqueue_export(name, request.args, actor=current_user, attachment_base=base)
    commit_request()
    return redirect(url_for("jobs.detail", job_id=job.id), code=303)
