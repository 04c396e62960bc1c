"""我的待办 / 已办 pages and the generic task page (form, subject summary, history, process steps)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import audit, clock, forms, params, workflow
from app.auth.models import User
from app.auth.permissions import can_reassign, in_scope
from app.db import commit_request
from app.errors import require
from app.extensions import db
from app.inbox import operations, queries
from app.org.models import Enterprise
from app.org.queries import town_options
from app.subjects import view_of as subject_view
from app.workflow.models import HumanTask

bp = Blueprint("inbox", __name__)


def _load_task(task_id: int) -> HumanTask:
    task = queries.visible_task(current_user, task_id)
    if task is None:
        abort(404)
    return task


@bp.get("/inbox")
@login_required
def index():
    f = queries.InboxFilters.from_args(request.args)
    result = queries.inbox(current_user, f)
    towns = town_options(current_user)
    enterprise_ids = {t.enterprise_id for t in result.tasks if t.enterprise_id}
    enterprises = {e.id: e for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))}
    return render_template(
        "inbox/index.html", result=result, f=f, towns=towns, enterprises=enterprises,
        choices=queries.filter_choices(current_user), due_filters=queries.DUE_FILTERS, sorts=queries.SORTS,
        now=clock.now(), process_names=queries.process_names(),
        completed=queries.completed_name(
            current_user, params.lenient(queries.CompletedArgsSchema, request.args).get("completed")),
    )


@bp.get("/done")
@login_required
def done():
    page = params.check(params.PageArgsSchema, request.args)["page"]
    result = queries.done(current_user, page)
    return render_template("inbox/done.html", result=result, process_names=queries.process_names())


def _case_history(subject, instance) -> list:
    """The trail on a task page: events about the business object and about its workflow instance (generic
    steps, claims, reassignments, timers), oldest first, each once."""
    events = {id(e): e for e in audit.history(instance)}
    if subject is not None:
        events.update((id(e), e) for e in audit.history(subject))
    return sorted(events.values(), key=lambda e: (e.id is None, e.id or 0))


def _task_context(task: HumanTask, values=None, errors=None) -> dict:
    view = subject_view(task.subject_type)
    subject = view.load(task.subject_id) if view else None
    formdef = forms.get_form(task.form_name) if task.form_name else None
    outsider = queries.is_outsider(current_user)
    progress = view.outsider_progress if view and outsider and view.outsider_progress else None
    facts = workflow.facts_for(task, actor=current_user)  # the domain's facts for this decision, prefill
    refusal = queries.refusal(current_user, task) if task.status == "ready" else None
    if values is None and facts is not None:
        values = facts.initial
    return {
        "task": task,
        "subject": subject,
        "subject_template": view.summary_template if view else None,
        "subject_url": view.url(subject) if view and view.url and subject is not None else None,
        "formdef": formdef,
        "values": values or {},
        "errors": errors or {},
        "can_act": task.status == "ready" and queries.can_act(current_user, task),
        "refusal": refusal,
        # an outsider (enterprise account) gets its case's progress in its own terms: no diagram, no
        # internal steps or trail, no claim; the domain supplies it (SubjectView.outsider_progress)
        "outsider": outsider,
        "progress": progress(subject) if progress and subject is not None else None,
        "events": [] if outsider else _case_history(subject, task.instance),
        "steps": queries.visible_steps(current_user, workflow.history(task.instance)),
        "ready": [t for t in workflow.ready_tasks(task.instance) if queries.can_view(current_user, t)],
        "diagram": None if outsider else workflow.instance_diagram(task.instance),
        # nobody steers a task they are refused (a case officer choosing who approves the case)
        "can_reassign": can_reassign(current_user) and task.status == "ready" and not refusal,
        "now": clock.now(),
        "reassign_candidates": queries.reassign_candidates(task) if can_reassign(current_user) and not refusal else [],
        "forms": forms,
        "facts": facts,
    }


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int):
    task = _load_task(task_id)
    return render_template("inbox/task.html", **_task_context(task))


@bp.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int):
    actor = current_user._get_current_object()  # the User itself: operations get it, not the proxy
    task = _load_task(task_id)
    if task.status != "ready":
        return _already_done(task)
    require(queries.can_act(actor, task), queries.cannot_act_message(actor, task))
    try:  # the form's rules, then the operation's: either way the form comes back with all it held
        with forms.submission(
            task.form_name, request.form, request.files, actor=actor, context={"task": task}
        ) as data:
            operations.complete(task, data, actor=actor)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return render_template("inbox/task.html", **_task_context(task, exc.values, exc.errors)), exc.status
    commit_request()
    # The notice travels in the address, not in the session cookie: no cookie rewrite on the busiest
    # POST and the GET after it, and it shows in the tab that submitted (safeloop.js drops the parameter).
    return redirect(url_for("inbox.index", completed=task_id))


def _already_done(task: HumanTask):
    return render_template("error.html", status=409, message=workflow.not_ready_message(task)), 409


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    task = _load_task(task_id)
    operations.claim(task, actor=current_user)
    commit_request()
    flash("已认领该任务，其他同事将不再看到它", "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int):
    task = _load_task(task_id)
    operations.release(task, actor=current_user)
    commit_request()
    flash("已退回该任务，同岗位同事均可办理", "info")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/reassign")
@login_required
def reassign(task_id: int):
    task = _load_task(task_id)
    require(can_reassign(current_user), "只有科室负责人可以改派任务")
    own = queries.refusal(current_user, task)
    require(own is None, own or "")
    user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    if user is None or not user.is_active or not user.has_role(task.candidate_role) or not in_scope(
        user, task.region_path, task.enterprise_id
    ):
        flash("改派对象无效：须为该岗位、在辖区内的在职人员", "danger")
        return redirect(url_for("inbox.task", task_id=task_id))
    why = queries.refusal(user, task)
    if why:
        flash(f"改派对象无效：{user.name}不能办理该任务（{why}）", "danger")
        return redirect(url_for("inbox.task", task_id=task_id))
    operations.reassign(task, user, actor=current_user)
    commit_request()
    flash(f"已改派给{user.name}", "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.app_context_processor
def inbox_badge():
    if current_user.is_authenticated:
        return {"inbox_counts": lambda: queries.inbox_counts(current_user)}
    return {}
