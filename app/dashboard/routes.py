"""统计分析 page: the panels of every domain the user may see."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from app.dashboard import panels_for
from app.errors import require

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@login_required
def index():
    panels = panels_for(current_user)
    require(bool(panels), "统计分析仅对执法和管理人员开放")
    return render_template("dashboard/index.html", panels=[Markup(p.render(current_user, request.args)) for p in panels])
