"""分类分级 pages (helper "classify"), blueprint `inspections_classes`:

- /inspections/classes                      the year's class list (filters: 乡镇, 行业, 类别; pages by id cursor),
                                             each enterprise's registry class beside the year's class and its
                                             budget (上限 / 已用 / 举报不计 / 剩余); 重新计算 (section head)
- /inspections/classes/<id>                 one enterprise's class: the basis (each rule applied), the budget,
                                             the 调整类别 form (section head, reason required)
- /inspections/inspectors                   执法检查人员名录库: officers with 执法证 number, dates and status
- /inspections/inspectors/<user_id>/cert    登记执法证日期 (admin / section head)

Which class is which: Enterprise.category is the registry's class (企业台账中的分类分级); EnterpriseClass is the
year's class — computed by the rules or overridden — and is what the yearly cap uses. Recomputing or overriding
the current year sets the registry's class to it (operations.classification), so they agree except after a
credit listing raised the registry's class in between: the list shows both and marks the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from app import clock, forms, paging, params
from app.auth.models import User
from app.auth.permissions import path_prefix, scope_clause
from app.auth.roles import Role
from app.db import commit_request
from app.errors import DomainError, require
from app.extensions import db
from app.inspections import inspectors as lib
from app.inspections.models import EnterpriseClass
from app.inspections.rules import CLASSES, year_pack
from app.org.models import INDUSTRIES, Enterprise

bp = Blueprint("inspections_classes", __name__, url_prefix="/inspections", template_folder="templates")

PER_PAGE = 50
OVERRIDE_FORM = "inspection_class_override"
CERT_FORM = "inspection_officer_cert"
STAFF_ONLY = "分类分级仅供执法机关人员查看"


class ClassArgsSchema(params.QuerySchema):
    """GET /inspections/classes: the year's class list."""

    year = params.integer("年度", minimum=2000, maximum=2100)
    town = params.text("乡镇/街道：区划路径前缀", max_length=200)
    industry = params.one_of("行业", list(INDUSTRIES))
    klass = params.one_of("执行类别 A–D", list(CLASSES))
    klass.data_key = "class"
    differs = params.one_of("登记类别与年度类别不一致", {"1": "是"})
    after = params.integer("下一页：此编号之后", minimum=1)
    before = params.integer("上一页：此编号之前", minimum=1)


class InspectorArgsSchema(params.QuerySchema):
    status = params.one_of("执法证状态", [str(s) for s in lib.CertStatus])


@dataclass
class ClassFilters(params.ListFilters):
    year: int = 0
    town: str = ""
    industry: str = ""
    klass: str = ""
    differs: str = ""
    after: int | None = None
    before: int | None = None

    @classmethod
    def from_args(cls, args) -> ClassFilters:
        v = params.check(ClassArgsSchema, args)
        return cls(
            year=v.get("year") or clock.today().year,
            town=(v.get("town") or "").strip(),
            industry=v.get("industry", ""),
            klass=v.get("klass", ""),
            differs=v.get("differs", ""),
            after=v.get("after"),
            before=v.get("before"),
        )

    def as_args(self, **override) -> dict[str, str]:
        args = super().as_args(**override)
        if "klass" in args:
            args["class"] = args.pop("klass")
        return args

    def filter_args(self) -> dict[str, str]:
        args = self.as_args()
        for key in ("after", "before"):
            args.pop(key, None)
        return args


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None


def may_recompute(user: User) -> bool:
    return is_staff(user) and user.has_role(Role.SECTION_HEAD, Role.ADMIN)


def may_override(user: User) -> bool:
    return is_staff(user) and user.has_role(Role.SECTION_HEAD)


def class_query(user: User, f: ClassFilters) -> Select:
    """The year's classes in the user's scope, filtered; each row with its enterprise (one join)."""
    stmt = (
        select(EnterpriseClass)
        .join(Enterprise, Enterprise.id == EnterpriseClass.enterprise_id)
        .where(EnterpriseClass.year == f.year, scope_clause(user, EnterpriseClass.region_path))
    )
    if f.town:
        stmt = stmt.where(path_prefix(EnterpriseClass.region_path, f.town))
    if f.industry:
        stmt = stmt.where(Enterprise.industry == f.industry)
    if f.klass:
        stmt = stmt.where(EnterpriseClass.klass == f.klass)
    if f.differs:
        stmt = stmt.where(Enterprise.category != EnterpriseClass.klass)
    return stmt


def class_page(user: User, f: ClassFilters) -> paging.KeysetPage:
    """A page of the class list in id order, by id cursors (after / before): any depth costs the same."""
    stmt = class_query(user, f)
    total = paging.capped_count(stmt)
    stmt = stmt.options(contains_eager(EnterpriseClass.enterprise))
    if f.before:
        rows = list(
            db.session.scalars(
                stmt.where(EnterpriseClass.id < f.before)
                .order_by(EnterpriseClass.id.desc())
                .limit(PER_PAGE + 1)
            )
        )
        has_prev = len(rows) > PER_PAGE
        rows = list(reversed(rows[:PER_PAGE]))
        has_next = True
    else:
        if f.after:
            stmt = stmt.where(EnterpriseClass.id > f.after)
        rows = list(db.session.scalars(stmt.order_by(EnterpriseClass.id).limit(PER_PAGE + 1)))
        has_next = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        has_prev = bool(f.after)
    return paging.KeysetPage(
        items=rows,
        total=total,
        next_after=str(rows[-1].id) if has_next and rows else None,
        prev_before=str(rows[0].id) if has_prev and rows else None,
        page=None if (f.after or f.before) else 1,
        total_exact=False,
    )


def _scoped_class(user: User, class_id: int) -> EnterpriseClass:
    ec = db.session.scalar(
        select(EnterpriseClass).where(
            EnterpriseClass.id == class_id, scope_clause(user, EnterpriseClass.region_path)
        )
    )
    if ec is None:
        abort(404)
    return ec


def _years() -> list[int]:
    this = clock.today().year
    return list(range(this + 1, this - 5, -1))


@bp.get("/classes")
@login_required
def classes():
    require(is_staff(current_user), STAFF_ONLY)
    from app.inspections.caps import budgets
    from app.org.queries import town_options

    f = ClassFilters.from_args(request.args)
    page = class_page(current_user, f)
    budget_of = budgets([ec.enterprise_id for ec in page.items], f.year) if page.items else {}
    pack = year_pack(current_user.scope_path or "", f.year)
    return render_template(
        "inspections/classes/index.html",
        f=f,
        page=page,
        budget_of=budget_of,
        towns=town_options(current_user),
        industries=list(INDUSTRIES),
        classes=CLASSES,
        years=_years(),
        pack=pack,
        citation=pack.plain_source_of("class_table"),
        can_recompute=may_recompute(current_user),
        done=request.args.get("done") if request.args.get("done") in ("recomputed",) else None,
        this_year=clock.today().year,
    )


@bp.post("/classes/recompute")
@login_required
def recompute():
    require(may_recompute(current_user), "只有科室负责人可以重新计算分类分级")
    from app.inspections.operations.classification import classify_all

    try:
        year = int(request.form.get("year", ""))
    except ValueError:
        year = 0
    if year not in _years():
        raise DomainError("请选择要计算的年度", status=422, field_errors={"year": "请选择要计算的年度"})
    result = classify_all(current_user.scope_path or "", year, actor=current_user)
    commit_request()
    return redirect(
        url_for(
            "inspections_classes.classes",
            year=year,
            done="recomputed",
            total=result["total"],
            changed=result["changed"],
            registry=result["registry"],
        )
    )


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
def detail(class_id: int):
    require(is_staff(current_user), STAFF_ONLY)
    from app.inspections.caps import budget
    from app.inspections.operations.classification import override_class, override_stamp

    ec = _scoped_class(current_user, class_id)
    can_override = may_override(current_user)
    values: dict = {"klass": ec.klass, "seen": override_stamp(ec)}
    errors: dict = {}
    form_error = None
    status = 200
    if request.method == "POST":
        require(can_override, "只有科室负责人可以调整分类分级")
        try:
            with forms.submission(OVERRIDE_FORM, request.form, actor=current_user) as data:
                override_class(
                    ec,
                    data["klass"] or "",
                    data["reason"] or "",
                    actor=current_user,
                    seen=data.get("seen") or None,
                )
        except forms.FormInvalid as exc:
            db.session.rollback()
            ec = _scoped_class(current_user, class_id)
            values, errors, form_error, status = exc.values, exc.errors, exc.message, exc.status
        else:
            commit_request()
            return redirect(url_for("inspections_classes.detail", class_id=ec.id, done="overridden"))
    return (
        render_template(
            "inspections/classes/detail.html",
            ec=ec,
            enterprise=ec.enterprise,
            budget=budget(ec.enterprise, ec.year),
            citation=year_pack(ec.region_path, ec.year).plain_source_of("class_table"),
            formdef=forms.get_form(OVERRIDE_FORM),
            values=values,
            errors=errors,
            form_error=form_error,
            can_override=can_override,
            done=request.args.get("done") == "overridden",
            overridden_by=db.session.get(User, ec.overridden_by_id) if ec.overridden_by_id else None,
        ),
        status,
    )


@bp.get("/inspectors")
@login_required
def inspector_library():
    v = params.check(InspectorArgsSchema, request.args)
    rows = lib.inspectors(current_user)
    status = v.get("status", "")
    shown = [r for r in rows if r.status == status] if status else rows
    return render_template(
        "inspections/classes/inspectors.html",
        rows=shown,
        counts=lib.counts(rows),
        status=status,
        statuses=[str(s) for s in lib.CertStatus],
        may_edit={r.user.id: lib.may_edit(current_user, r.user) for r in shown},
        today=clock.today(),
        done=request.args.get("done") == "cert",
    )


@bp.route("/inspectors/<int:user_id>/cert", methods=["GET", "POST"])
@login_required
def certificate(user_id: int):
    officer = db.session.get(User, user_id)
    if officer is None or not lib.is_staff(current_user) or not lib.officer_in_scope(current_user, officer):
        abort(404)
    require(lib.may_edit(current_user, officer), "只有系统管理员或本辖区的科室负责人可以登记执法证日期")
    formdef = forms.get_form(CERT_FORM)
    values = {"cert_issued_on": officer.cert_issued_on, "cert_expires_on": officer.cert_expires_on}
    errors: dict = {}
    form_error = None
    status = 200
    if request.method == "POST":
        try:
            with forms.submission(CERT_FORM, request.form, actor=current_user) as data:
                lib.set_certificate(officer, data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            values, errors, form_error, status = exc.values, exc.errors, exc.message, exc.status
        else:
            commit_request()
            return redirect(url_for("inspections_classes.inspector_library", done="cert"))
    return (
        render_template(
            "inspections/classes/cert_form.html",
            officer=officer,
            status_now=lib.cert_status(officer),
            formdef=formdef,
            values=values,
            errors=errors,
            form_error=form_error,
        ),
        status,
    )


def register(app: Flask) -> None:
    """The classify part of init_app: the class and inspector library pages."""
    app.register_blueprint(bp)
