"""双随机 pages.

Staff (/inspections/draws/…, signed in): the batches of the jurisdiction; define a batch (filters, strata,
inspectors per target, exclusions) with the pool previewed; commit, draw, results with teams and inspections;
回避 requests (the drawn officer) and 补抽 requests (the section head), each approved through its task; the
随机抽查事项清单 (section head); 回避关系 declarations (an officer's own; a section head's jurisdiction).

Public (/gongshi/draws/…, no sign-in, the public pages' own layout, no cookie): the published 事项清单, each
committed batch's record (hashes, commitment, then seed, version, targets, teams, log) and the REPLAY page,
which recomputes targets and teams server-side with the same pure function (app/inspections/draw.py).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import params
from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.auth.roles import Role
from app.db import commit_request
from app.errors import DomainError, PermissionDenied, require
from app.extensions import csrf, db
from app.inspections import conflicts
from app.inspections import draw as algo
from app.inspections.models.draw import (
    ConflictDeclaration,
    DrawBatch,
    DrawEventKind,
    DrawStatus,
    DrawTarget,
    SpotCheckItem,
)
from app.inspections.operations import draw as ops
from app.org.models import CATEGORIES, INDUSTRIES, Enterprise

bp = Blueprint("inspections_draw", __name__, url_prefix="/inspections/draws", template_folder="templates")
public = Blueprint("gongshi_draws", __name__, url_prefix="/gongshi/draws", template_folder="templates")

MAX_REPLAY_BYTES = 40 * 1024 * 1024  # a 100,000-enterprise pool is about 6 MB of JSON


def _user() -> User:
    return current_user._get_current_object()


def _staff() -> User:
    user = _user()
    require(not user.is_enterprise_user, "企业账号无权访问双随机抽查")
    return user


def _batch(batch_id: int) -> DrawBatch:
    user = _staff()
    batch = db.session.get(DrawBatch, batch_id)
    if batch is None or not in_scope(user, batch.region_path):
        abort(404)
    return batch


def _fail(exc: DomainError) -> None:
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        raise exc
    msgs = list(exc.field_errors.values()) if exc.field_errors else [exc.message]
    for m in msgs:
        flash(str(m), "danger")


def _is_manager(user: User) -> bool:
    return user.has_role(Role.SECTION_HEAD, Role.LEADER)


# ---- batches ----------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    user = _staff()
    batches = list(
        db.session.scalars(
            select(DrawBatch)
            .where(scope_clause(user, DrawBatch.region_path))
            .order_by(DrawBatch.id.desc())
            .limit(200)
        )
    )
    return render_template("inspections/draws/index.html", batches=batches, can_manage=_is_manager(user))


def _form_values(batch: DrawBatch | None) -> dict[str, Any]:
    if batch is None:
        from app import clock
        from app.inspections.rules import inspection_pack

        department = _staff().department
        agency = department.agency if department is not None else None
        pack = inspection_pack(agency.region.path if agency is not None else "", clock.today())
        return {
            "inspectors_per_target": max(2, pack.min_inspectors),
            "exclude_recent_days": pack.recent_days,
            "exclude_at_cap": True,
            "strata": "",
        }
    f = batch.filters or {}
    return {
        "title": batch.title,
        "item_id": batch.item_id,
        "industries": f.get("industries", []),
        "towns": ",".join(f.get("towns", [])),
        "classes": f.get("classes", []),
        "strata": ops.strata_text(batch),
        "inspectors_per_target": batch.inspectors_per_target,
        "exclude_recent_days": batch.exclude_recent_days,
        "exclude_at_cap": batch.exclude_at_cap,
        "planned_on": batch.planned_on.isoformat(),
        "due_on": batch.due_on.isoformat() if batch.due_on else "",
    }


def _posted() -> dict[str, Any]:
    form = request.form
    return {
        "title": form.get("title"),
        "item_id": form.get("item_id"),
        "industries": form.getlist("industries"),
        "towns": form.get("towns"),
        "classes": form.getlist("classes"),
        "strata": form.get("strata") or "",
        "inspectors_per_target": form.get("inspectors_per_target"),
        "exclude_recent_days": form.get("exclude_recent_days"),
        "exclude_at_cap": form.get("exclude_at_cap") == "1",
        "planned_on": form.get("planned_on"),
        "due_on": form.get("due_on"),
    }


def _define_page(batch: DrawBatch | None, values: dict, status: int = 200, errors: dict | None = None):
    """The batch form; a refused one comes back with each message next to its field (`errors`) and what was
    typed (`values`)."""
    user = _staff()
    items = [i for i in ops.published_items() if in_scope(user, i.region_path)]
    return (
        render_template(
            "inspections/draws/define.html", batch=batch, values=values, items=items,
            industries=list(INDUSTRIES), classes=CATEGORIES, errors=errors or {},
        ),
        status,
    )  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    user = _staff()
    require(_is_manager(user), "双随机批次由科室负责人创建")
    if request.method == "GET":
        return _define_page(None, _form_values(None))
    values = _posted()
    try:
        batch = ops.create_batch(values, actor=user)
        commit_request()
    except DomainError as exc:
        errors = _refused(exc)
        return _define_page(None, values, 422, errors)
    flash("批次已创建（草稿），请预览对象库后提交冻结", "success")
    return redirect(url_for(".detail", batch_id=batch.id))


@bp.route("/<int:batch_id>/edit", methods=["GET", "POST"])
@login_required
def edit(batch_id: int):
    batch = _batch(batch_id)
    user = _staff()
    require(_is_manager(user), "双随机批次由科室负责人修改")
    if request.method == "GET":
        return _define_page(batch, _form_values(batch))
    values = _posted()
    try:
        ops.update_batch(batch, values, actor=user)
        commit_request()
    except DomainError as exc:
        errors = _refused(exc)
        return _define_page(db.session.get(DrawBatch, batch_id), values, 422, errors)
    flash("批次已保存", "success")
    return redirect(url_for(".detail", batch_id=batch.id))


@bp.get("/<int:batch_id>")
@login_required
def detail(batch_id: int):
    return _detail_page(_batch(batch_id))


def _refused(exc: DomainError) -> dict[str, str]:
    """field -> message of a refused form (the whole message under "_" when it names no field); a
    PermissionDenied is not a form's error: raised."""
    db.session.rollback()
    if isinstance(exc, PermissionDenied):
        raise exc
    return {k: str(v) for k, v in exc.field_errors.items()} if exc.field_errors else {"_": exc.message}


def _detail_page(
    batch: DrawBatch,
    *,
    supplement: dict | None = None,
    supplement_errors: dict | None = None,
    recusal: dict | None = None,
    status: int = 200,
):
    """The batch page; a refused 补抽 or 回避 request comes back with its message next to its field and
    what was typed (`supplement`, `recusal`: {target_id, reason, errors})."""
    user = _staff()
    preview = None
    preview_error = None
    if batch.status == DrawStatus.DRAFT and request.args.get("preview") == "1":  # reads the whole registry
        try:
            preview = ops.preview(batch)
        except (DomainError, algo.DrawInputError) as exc:
            preview_error = str(exc)
    users = _users_of(batch)
    loaded = _preload(batch)  # noqa: F841 - kept in the identity map while the page renders
    pending = [ev for ev in batch.events if ev.pending]
    return render_template(
        "inspections/draws/detail.html",
        batch=batch,
        user=user,
        preview=preview,
        preview_error=preview_error,
        users=users,
        pending=pending,
        can_manage=_is_manager(user) and in_scope(user, batch.region_path),
        strata_keys=[s.key for s in algo.parse_strata(batch.strata)] if batch.strata else [],
        kinds=DrawEventKind,
        statuses=DrawStatus,
        supplement=supplement or {},
        supplement_errors=supplement_errors or {},
        recusal=recusal or {},
    ), status


def _preload(batch: DrawBatch) -> list[Enterprise]:
    """The targets' enterprises in one statement (each target's many-to-one then reads the identity map,
    not one SELECT per target: a draw of thousands)."""
    ids = sorted({t.enterprise_id for t in batch.targets})
    return list(db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))) if ids else []


def _users_of(batch: DrawBatch) -> dict[int, User]:
    ids: set[int] = set()
    for t in batch.targets:
        ids.update(t.team)
    for ev in batch.events:
        ids.update(x for x in (ev.actor_id, ev.approver_id, ev.data.get("out"), ev.data.get("in")) if x)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(sorted(ids))))}


def _step(batch_id: int, fn, ok: str):
    batch = _batch(batch_id)
    try:
        fn(batch)
        commit_request()
        flash(ok, "success")
    except DomainError as exc:
        _fail(exc)
    return redirect(url_for(".detail", batch_id=batch_id))


@bp.post("/<int:batch_id>/commit")
@login_required
def commit(batch_id: int):
    return _step(
        batch_id,
        lambda b: ops.commit_batch(b, {}, actor=_staff()),
        "已提交冻结，对象库与排除清单SHA-256及种子承诺值已公示",
    )


@bp.post("/<int:batch_id>/draw")
@login_required
def run_draw(batch_id: int):
    return _step(
        batch_id,
        lambda b: ops.draw_batch(b, {}, actor=_staff()),
        "已抽取：随机种子与抽取结果已公示，检查任务已生成",
    )


@bp.post("/<int:batch_id>/close")
@login_required
def close(batch_id: int):
    return _step(batch_id, lambda b: ops.close_batch(b, dict(request.form), actor=_staff()), "批次已办结")


@bp.post("/<int:batch_id>/result-notice")
@login_required
def result_notice(batch_id: int):
    return _step(
        batch_id, lambda b: ops.issue_result_notice(b, dict(request.form), actor=_staff()), "抽查结果公告已制发"
    )  # fmt: skip


@bp.post("/<int:batch_id>/supplement")
@login_required
def supplement(batch_id: int):
    batch = _batch(batch_id)
    values = {k: request.form.get(k, "") for k in ("count", "stratum", "reason")}
    try:
        ops.request_supplement(batch, values, actor=_staff())
        commit_request()
    except DomainError as exc:
        errors = _refused(exc)
        return _detail_page(_batch(batch_id), supplement=values, supplement_errors=errors, status=422)
    flash("补抽申请已提交，待负责人审批", "success")
    return redirect(url_for(".detail", batch_id=batch_id))


@bp.post("/targets/<int:target_id>/recusal")
@login_required
def recusal(target_id: int):
    target = db.session.get(DrawTarget, target_id)
    if target is None:
        abort(404)
    batch = _batch(target.batch_id)
    reason = request.form.get("reason", "")
    try:
        ops.request_recusal(target, {"reason": reason}, actor=_staff())
        commit_request()
    except DomainError as exc:
        errors = _refused(exc)
        recusal = {"target_id": target_id, "reason": reason, "error": "；".join(errors.values())}
        return _detail_page(_batch(batch.id), recusal=recusal, status=422)
    flash("回避申请已提交，待科室负责人审批", "success")
    return redirect(url_for(".detail", batch_id=batch.id))


# ---- 随机抽查事项清单 -----------------------------------------------------------------------------------------


@bp.route("/items", methods=["GET", "POST"])
@login_required
def items():
    user = _staff()
    values: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.form)
        try:
            item_id = request.form.get("item_id")
            if item_id:
                number = int(item_id) if item_id.isdigit() else 0
                item = db.session.get(SpotCheckItem, number) if 0 < number <= params.MAX_INT else None
                if item is None or not in_scope(user, item.region_path):
                    abort(404)
                ops.update_item(item, values, actor=user)
            else:
                ops.create_item(values, actor=user)
            commit_request()
            flash("随机抽查事项已保存", "success")
            return redirect(url_for(".items"))
        except DomainError as exc:
            _fail(exc)
            status = 422
    rows = list(
        db.session.scalars(
            select(SpotCheckItem)
            .where(scope_clause(user, SpotCheckItem.region_path))
            .order_by(SpotCheckItem.code)
        )
    )
    return render_template(
        "inspections/draws/items.html", items=rows, values=values, can_manage=_is_manager(user),
        fields=ops.ITEM_FIELDS,
    ), status  # fmt: skip


def _item(item_id: int) -> SpotCheckItem:
    user = _staff()
    item = db.session.get(SpotCheckItem, item_id)
    if item is None or not in_scope(user, item.region_path):
        abort(404)
    return item


@bp.post("/items/<int:item_id>/publish")
@login_required
def publish_item(item_id: int):
    item = _item(item_id)
    try:
        ops.publish_item(item, actor=_staff())
        commit_request()
        flash("已公示", "success")
    except DomainError as exc:
        _fail(exc)
    return redirect(url_for(".items"))


@bp.post("/items/<int:item_id>/withdraw")
@login_required
def withdraw_item(item_id: int):
    item = _item(item_id)
    try:
        ops.withdraw_item(item, request.form.get("reason", ""), actor=_staff())
        commit_request()
        flash("已撤回公示", "success")
    except DomainError as exc:
        _fail(exc)
    return redirect(url_for(".items"))


# ---- 回避关系 ------------------------------------------------------------------------------------------------


@bp.route("/conflicts", methods=["GET", "POST"])
@login_required
def conflict_list():
    """回避关系: the list of one's own declarations (a section head's: the jurisdiction's) and the form; the
    enterprise is picked by search (the whole registry of the jurisdiction, not the first 500). A refused
    declaration comes back with its message next to the field and what was typed."""
    user = _staff()
    status = 200
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in ("user_id", "enterprise_id", "relation")}
        officer_id = int(values["user_id"]) if values["user_id"].isdigit() else user.id
        raw = values["enterprise_id"]
        enterprise_id = int(raw) if raw.isdigit() else 0
        officer = db.session.get(User, officer_id) if 0 < officer_id <= params.MAX_INT else None
        enterprise = (
            db.session.get(Enterprise, enterprise_id) if 0 < enterprise_id <= params.MAX_INT else None
        )
        if officer is None:
            errors["user_id"] = "请选择执法人员"
        if enterprise is None:
            errors["enterprise_id"] = "请选择企业"
        if not errors:
            assert officer is not None and enterprise is not None
            try:
                conflicts.declare(officer, enterprise, values["relation"], actor=user)
                commit_request()
                flash("回避关系已申报", "success")
                return redirect(url_for(".conflict_list"))
            except DomainError as exc:
                errors = _refused(exc)
        status = 422
    rows = conflicts.declarations_for(user, include_withdrawn=True)
    manage = conflicts.can_manage_for_others(user)
    officers: list[User] = []
    if manage:
        officers = [u for u in db.session.scalars(select(User).where(User.cert_no.is_not(None)).order_by(User.id))
                    if in_scope(user, u.scope_path or "\0")]  # fmt: skip
    return render_template(
        "inspections/draws/conflicts.html", rows=rows, manage=manage, officers=officers, user=user,
        values=values, errors=errors,
    ), status  # fmt: skip


@bp.post("/conflicts/<int:decl_id>/withdraw")
@login_required
def conflict_withdraw(decl_id: int):
    user = _staff()
    decl = db.session.get(ConflictDeclaration, decl_id)
    if decl is None or (decl.user_id != user.id and not (
            conflicts.can_manage_for_others(user) and in_scope(user, decl.region_path))):  # fmt: skip
        abort(404)
    try:
        conflicts.withdraw(decl, request.form.get("reason", ""), actor=user)
        commit_request()
        flash("回避关系已撤回", "success")
    except DomainError as exc:
        _fail(exc)
    return redirect(url_for(".conflict_list"))


# ---- public pages ------------------------------------------------------------------------------------------


def _public_batch(batch_id: int) -> DrawBatch:
    batch = db.session.get(DrawBatch, batch_id)
    if batch is None or batch.status == DrawStatus.DRAFT or batch.number is None:
        abort(404)
    return batch


@public.get("/items")
def public_items():
    return render_template("inspections/draws/public_items.html", items=ops.published_items())


@public.get("/")
def public_index():
    batches = list(
        db.session.scalars(
            select(DrawBatch)
            .where(DrawBatch.status != DrawStatus.DRAFT)
            .order_by(DrawBatch.id.desc())
            .limit(200)
        )
    )
    return render_template("inspections/draws/public_index.html", batches=batches)


def _names(batch: DrawBatch) -> dict[int, str]:
    """Officer names of the public record (名录库 members are public: 执法人员姓名 and 证号 are disclosed)."""
    ids = set(batch.inspectors or [])
    return {
        u.id: f"{u.name}（{u.cert_no or '—'}）"
        for u in db.session.scalars(select(User).where(User.id.in_(sorted(ids))))
    }


@public.get("/<int:batch_id>")
def public_record(batch_id: int):
    batch = _public_batch(batch_id)
    drawn = batch.status in (DrawStatus.DRAWN, DrawStatus.DONE)
    loaded = _preload(batch)  # noqa: F841 - kept in the identity map while the page renders
    return render_template(
        "inspections/draws/public_record.html", batch=batch, drawn=drawn, names=_names(batch), kinds=DrawEventKind,
        public_reason=ops.public_reason, results=_result_states(batch) if drawn else {}, period=_publish_period(batch),
    )  # fmt: skip


def _publish_period(batch: DrawBatch) -> str:
    """结果公示期限 in words (the pack's result_publish_period, M:med): "20个工作日"."""
    from app.inspections.rules import inspection_pack

    p = inspection_pack(batch.region_path, batch.planned_on).result_publish_period
    return f"{p.n}个{'工作日' if p.unit == 'working' else '日'}"


def _result_states(batch: DrawBatch) -> dict:
    """Each drawn target's inspection id → its result publication state (结果公示期限; 已公示/逾期未公示/未到期),
    computed by app.inspections.operations.results.public_result_states; only the drawn targets' own
    inspections (source 双随机), which the public record names anyway."""
    from app.inspections.models import Inspection
    from app.inspections.operations.results import public_result_states

    ids = sorted({t.inspection_id for t in batch.targets if t.inspection_id})
    if not ids:
        return {}
    inspections = list(db.session.scalars(select(Inspection).where(Inspection.id.in_(ids))))
    return public_result_states(inspections)


@public.get("/<int:batch_id>/inputs.json")
def public_inputs(batch_id: int):
    batch = _public_batch(batch_id)
    body = json.dumps(ops.published_inputs(batch), ensure_ascii=False, sort_keys=True)
    return (
        body,
        200,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f"attachment; filename=draw-{batch.id}-inputs.json",
        },
    )


class ReplayArgsSchema(params.QuerySchema):
    batch = params.integer("批次ID", minimum=1)


@public.route("/replay", methods=["GET", "POST"])
@csrf.exempt  # a read-only computation with no session: nothing to forge
def replay():
    batch = None
    outcome = None
    text = ""
    batch_id = params.check(ReplayArgsSchema, request.args).get("batch")
    if batch_id:
        batch = _public_batch(batch_id)
    if request.method == "POST":
        if (request.content_length or 0) > MAX_REPLAY_BYTES:
            abort(413)
        text = request.form.get("inputs", "")
        try:
            data = json.loads(text) if text.strip() else (ops.published_inputs(batch) if batch else None)
        except ValueError:
            data = None
            outcome = ops.Replay(False, None, None, None, None, None, "JSON格式不正确", [])
        if data is not None:
            if not isinstance(data, dict):
                outcome = ops.Replay(False, None, None, None, None, None, "应为JSON对象", [])
            else:
                use_log = batch if (batch is not None and not text.strip()) else None
                outcome = ops.replay(data, published=use_log)
        elif outcome is None:
            outcome = ops.Replay(False, None, None, None, None, None, "请粘贴抽取数据或选择批次", [])
    rows = ops.replay_rows(outcome) if outcome is not None and outcome.error is None else []
    enterprises, officers = _replay_names(batch, rows)
    return render_template(
        "inspections/draws/public_replay.html", batch=batch, outcome=outcome, text=text,
        versions=sorted(algo.ALGORITHMS), algorithms=algo.ALGORITHMS, rows=rows, enterprises=enterprises,
        officers=officers,
    )  # fmt: skip


def _replay_names(batch: DrawBatch | None, rows: list[dict]) -> tuple[dict[int, str], dict[int, str]]:
    """The names next to the replay's ids, as the batch's public record gives them: the enterprises of its
    published pool and the officers of its published 名录库 (none for pasted data without a batch)."""
    if batch is None or not rows:
        return {}, {}
    pool = {int(e["id"]) for e in batch.pool or []}
    ids = sorted({r["enterprise_id"] for r in rows if isinstance(r["enterprise_id"], int)} & pool)
    enterprises = (
        {
            eid: name
            for eid, name in db.session.execute(
                select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    return enterprises, _names(batch)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)
