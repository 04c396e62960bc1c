"""统计分析 page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock
from app.dashboard import stats
from app.errors import require
from app.hazards import permissions as hazard_perm
from app.hazards import queries

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@login_required
def index():
    require(hazard_perm.is_staff(current_user), "统计分析仅对执法和管理人员开放")
    args = request.args.to_dict()
    if "date_from" not in args and "date_to" not in args:
        args["date_from"] = date(clock.today().year, 1, 1).isoformat()
    f = queries.HazardFilters.from_args(args)
    f.page = 1
    board = stats.build(current_user, f)
    base = f.filter_args()

    def link(**kw) -> str:
        return url_for("hazards.index", **{**base, **{k: v for k, v in kw.items() if v is not None}})

    def month_link(kind: str, first: date) -> str:
        last = stats.month_end(first)
        if kind == "found":
            return link(date_from=first.isoformat(), date_to=last.isoformat())
        return link(status="closed", closed_from=first.isoformat(), closed_to=last.isoformat())

    return render_template(
        "dashboard/index.html",
        f=f,
        board=board,
        link=link,
        chart=stats.chart(board.months, month_link),
        towns=queries.towns_for(current_user),
        industries=queries.industries(),
        today=clock.today(),
    )
