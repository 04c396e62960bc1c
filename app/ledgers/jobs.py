"""台账导出 as a job: the request queues it (`enqueue_export`: permission and filter checked, nothing
read), the jobs worker writes the workbook (`run_export`: rows in the owner's data scope as it is when
the job runs, progress as rows are written), and `ledger.exported` is recorded when the file is ready."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from app import audit, clock, jobs
from app.auth.models import User
from app.db import bulk_read
from app.errors import NotFound, require
from app.extensions import db
from app.ledgers import definitions
from app.ledgers.export import ExportMeta, write
from app.ledgers.sources import Extract, LedgerSource, exportable, source_of

KIND = "ledger_export"  # a job kind (not an audit action: `ledger.exported` is)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DENIED = "只有执法、统计和管理人员可以导出台账"

audit.register_action_labels({"ledger.exported": "导出台账"})


def unit_of(user: User) -> str:
    """导出单位: the user's agency and department."""
    dept = user.department
    if dept is None:
        return user.name
    agency = dept.agency
    return agency.name if agency.id == dept.id else f"{agency.name}{dept.name}"


def _checked(name: str, user: User) -> tuple[LedgerSource, definitions.LedgerDef]:
    require(bool(exportable(user)), DENIED)
    source = source_of(name)
    if source is None:
        raise NotFound("没有这个台账")
    require(source.can_export(user), DENIED)
    try:
        return source, definitions.get(name)
    except definitions.LedgerNotFound:
        raise NotFound("没有这个台账") from None


def describe(name: str, args, *, actor: User) -> tuple[definitions.LedgerDef, Extract]:
    """The ledger and the filter as its source reads it (words, arguments), for the page that asks before
    exporting (its rows are not read)."""
    source, ledger = _checked(name, actor)
    return ledger, source.rows(name, actor, args, attachment_base="", today=clock.today())


def enqueue_export(name: str, args, *, actor: User, attachment_base: str) -> jobs.Job:
    """Queue the export of ledger `name` with the filter `args` (query arguments, as on the ledger page)."""
    source, ledger = _checked(name, actor)
    # the source reads the filter as it will when the job runs (bad values are refused now, not then);
    # its rows are an iterator, not read here
    extract = source.rows(name, actor, args, attachment_base=attachment_base, today=clock.today())
    params = {"ledger": name, "args": extract.filter_args, "attachment_base": attachment_base}
    return jobs.enqueue(KIND, params, actor=actor, title=ledger.title, note=f"筛选条件：{extract.filters}")


def run_export(job: jobs.Job, run: jobs.JobRun) -> jobs.JobResult:
    with bulk_read(db.session):  # its count and its rows each pass the table once (app.db.bulk_read)
        return _export(job, run)


def _export(job: jobs.Job, run: jobs.JobRun) -> jobs.JobResult:
    owner, name = run.owner, run.params["ledger"]
    source, ledger = _checked(name, owner)  # the owner's rights as they are now
    args = MultiDict(run.params["args"])
    extract = source.rows(name, owner, args, attachment_base=run.params["attachment_base"], today=clock.today())
    total = extract.total() if extract.total is not None else None
    now = clock.now().astimezone(clock.TZ)
    meta = ExportMeta(unit=unit_of(owner), exported_at=now, period=extract.period, filters=extract.filters,
                      exported_by=owner.name)
    out, count = write(ledger, run.counted(extract.rows, total), meta)
    with out:
        path = run.save(out, f"{name}.xlsx")

    def record() -> None:
        audit.record(
            owner,
            "ledger.exported",
            None,
            summary=f"{owner.name}导出{ledger.title}（{count}条）",
            data={"ledger": name, "filters": extract.filter_args, "rows": count, "job": job.id},
        )

    return jobs.JobResult(path=path, download_name=f"{ledger.title}_{now:%Y%m%d%H%M}.xlsx", mimetype=XLSX,
                          note=f"共 {count} 条；筛选条件：{extract.filters}", on_done=record)


jobs.register_kind(KIND, run_export, "台账导出")
