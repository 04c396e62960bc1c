"""The 监督检查 list page (/inspections/, helper "web"): every inspection in the viewer's scope, any source,
newest planned first, with the list's filters (InspectionFilters), keyset pages, a capped count, the
台账 export of exactly the filtered rows, and a link to each inspection's page (the onsite helper's
`inspection.detail`). The statistics page (/inspections/stats) shows numbers that each link back here, or, for
the findings, to the 问题清单 (/inspections/findings, app.inspections.finding_list)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock
from app.inspections import finding_list, queries, stats
from app.inspections.models import InspectionMode, InspectionSource, InspectionStatus
from app.inspections.schemas import CLASSES, HANDLING, LEVELS

bp = Blueprint("inspections", __name__, url_prefix="/inspections", template_folder="templates")


@bp.get("/")
@login_required
def index():
    f = queries.InspectionFilters.from_args(request.args)
    page = queries.inspection_page(current_user, f)
    staff = queries.is_staff(current_user)
    return render_template(
        "inspections/index.html",
        f=f,
        page=page,
        staff=staff,
        towns=_towns() if staff else [],
        industries=queries.industry_options() if staff else [],
        sources=[str(s) for s in InspectionSource],
        statuses=[str(s) for s in (InspectionStatus if staff else queries.OUTSIDER_STATUSES)],
        modes=[str(m) for m in InspectionMode],
        classes=CLASSES,
        years=_years(),
        officer_name=queries.officer_label(current_user, f.officer_id) if f.officer_id else None,
        can_export=staff and _can_export(),
        areas=_areas() if staff else [],
        new_url=_new_url() if staff else None,
    )


@bp.get("/findings")
@login_required
def findings():
    f = finding_list.FindingFilters.from_args(request.args)
    page = finding_list.finding_page(current_user, f)
    staff = queries.is_staff(current_user)
    return render_template(
        "inspections/findings.html",
        f=f,
        page=page,
        staff=staff,
        towns=_towns() if staff else [],
        industries=queries.industry_options() if staff else [],
        levels=LEVELS,
        handlings=HANDLING,
        years=_years(),
    )


@bp.get("/stats")
@login_required
def statistics():
    from app.errors import require

    require(stats.can_view(current_user), "仅供执法机关人员查看")
    year = stats.year_arg(request.args)
    return render_template("inspections/stats.html", report=stats.build(current_user, year), years=_years())


# the domain's other pages (each area's own blueprint), linked from the list when the area serves them
AREA_PAGES = (
    ("inspection_plans.index", "年度监督检查计划"),
    ("inspections_draw.index", "双随机抽查"),
    ("inspections_covert.index", "随机暗访"),
    ("inspection_reports.index", "举报核查"),
    ("inspections_classes.classes", "分类分级"),
    ("inspections_classes.inspector_library", "执法检查人员名录库"),
    ("inspection_results.open_items", "未结事项"),
)
NEW_ENDPOINT = "inspection.new"  # the onsite helper's create page
CREATOR_ROLES = ("officer", "section_head", "leader")


def _areas() -> list[tuple[str, str]]:
    """(label, url) of the domain's pages the app serves; a page refuses a reader it is not for itself."""
    return [(label, url_for(ep)) for ep, label in AREA_PAGES if ep in current_app.view_functions]


def _new_url() -> str | None:
    """新建检查 for those who may create one (never the read-only supervisor)."""
    if NEW_ENDPOINT in current_app.view_functions and current_user.has_role(*CREATOR_ROLES):
        return url_for(NEW_ENDPOINT)
    return None


def _can_export() -> bool:
    from app.inspections import ledger

    return ledger.can_export(current_user)


def _towns():
    from app.org.queries import town_options

    return town_options(current_user)


def _years() -> list[int]:
    this = clock.today().year
    return list(range(this + 1, this - 5, -1))
