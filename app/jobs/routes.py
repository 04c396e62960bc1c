"""后台任务 pages: the user's own jobs (/jobs), one job with its progress (/jobs/<id>, polled as JSON
at /jobs/<id>/status) and its file (/jobs/<id>/download). Another user's job answers 404 everywhere."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user, login_required

from app.db import commit_request
from app.jobs import operations as ops
from app.jobs.models import Job
from app.jobs.registry import kind_of

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _kind_label(job: Job) -> str:
    kind = kind_of(job.kind)
    return kind.label if kind else job.kind


@bp.get("")
@login_required
def index():
    return render_template("jobs/index.html", jobs=ops.recent(current_user), kind_label=_kind_label)


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int):
    job = ops.owned(job_id, current_user)
    return render_template("jobs/detail.html", job=job, kind_label=_kind_label(job),
                           file_missing=job.downloadable and ops.result_file(job) is None)


@bp.get("/<int:job_id>/status")
@login_required
def status(job_id: int):
    job = ops.owned(job_id, current_user)
    return jsonify(
        id=job.id,
        status=job.status,
        status_label=job.status_label,
        done=job.progress_done,
        total=job.progress_total,
        percent=job.percent,
        finished=job.finished,
        note=job.note,
        error=job.error,
        download_url=url_for("jobs.download", job_id=job.id) if job.downloadable else None,
    )


@bp.get("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = ops.owned(job_id, current_user)
    path = ops.result_file(job)
    if path is None:
        abort(404)
    ops.record_download(job, actor=current_user)
    commit_request()
    return send_file(path, mimetype=job.mimetype, as_attachment=True, download_name=job.download_name,
                     max_age=0)
