"""Dynamic choices of the case forms (`choices_from` in forms/*.json): certified officers of the case's
jurisdiction, presiding officers (never the case's investigators), the 违法行为库 and the discretion factors."""

from __future__ import annotations

from app import clock, forms
from app.auth.models import User
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases import discretion
from app.cases.models import CaseProposal, PenaltyCase
from app.extensions import db


def _user_label(value) -> str | None:
    u = db.session.get(User, int(value)) if str(value).isdigit() else None
    return u.name if u else None


def _where(context) -> tuple[str | None, int | None, PenaltyCase | None]:
    context = context or {}
    task = context.get("task")
    if task is not None:
        case = db.session.get(PenaltyCase, task.subject_id) if task.subject_type == "penalty_cases" else None
        return task.region_path, task.enterprise_id, case
    subject = context.get("case") or context.get("proposal")
    if isinstance(subject, (PenaltyCase, CaseProposal)):
        return (
            subject.region_path,
            subject.enterprise_id,
            subject if isinstance(subject, PenaltyCase) else None,
        )
    return None, None, None


@forms.register_choices("cases.officers", label=_user_label)
def officers(actor, context) -> list[tuple[int, str]]:
    """Officers of the jurisdiction holding a 执法证 valid today (Art.42): who may be named case officers."""
    if actor is None or actor.is_enterprise_user:
        return []
    region_path, enterprise_id, _case = _where(context)
    if region_path is None:
        agency = actor.department.agency.id if actor.department is not None else None
        users = users_with_role(Role.OFFICER, agency_id=agency, order_by=User.name)
    else:
        users = users_with_role(
            Role.OFFICER, region_path=region_path, enterprise_id=enterprise_id, order_by=User.name
        )
    today = clock.today()
    return [
        (u.id, f"{u.name}（{u.cert_no}，有效期至{u.cert_expires_on:%Y-%m-%d}）")
        for u in users
        if u.cert_valid_on(today)
    ]


@forms.register_choices("cases.presiding", label=_user_label)
def presiding(actor, context) -> list[tuple[int, str]]:
    """听证主持人: staff of the jurisdiction (legal reviewers first) who did not investigate the case."""
    if actor is None or actor.is_enterprise_user:
        return []
    region_path, enterprise_id, case = _where(context)
    excluded = {o.user_id for o in case.officers} | {case.created_by_id} if case is not None else set()
    seen: dict[int, str] = {}
    for role in (Role.LEGAL_REVIEWER, Role.SECTION_HEAD, Role.LEADER):
        for u in users_with_role(
            role, region_path=region_path, enterprise_id=enterprise_id, order_by=User.name
        ):
            if u.id not in excluded and u.id not in seen:
                seen[u.id] = u.name
    return list(seen.items())


@forms.register_choices("cases.violations", label=lambda v: _violation_label(v))
def violations(actor, context) -> list[tuple[str, str]]:
    return [
        (e.code, f"{e.violation}（{e.penalty_article}）{'〔示例数据〕' if e.illustrative else ''}")
        for e in discretion.library().entries
    ]


def _violation_label(value) -> str | None:
    try:
        e = discretion.entry(str(value))
    except Exception:  # noqa: BLE001 - an unknown stored code just has no label
        return None
    return e.violation


@forms.register_choices(
    "cases.factors", label=lambda v: discretion.FACTORS[v].label if v in discretion.FACTORS else None
)
def factors(actor, context) -> list[tuple[str, str]]:
    return [(f.code, f"{f.label}（{f.basis}）") for f in discretion.FACTORS.values()]


STATEMENT_OPTIONS = (
    ("stated", "提出陈述申辩"),
    ("hearing", "要求举行听证"),
    ("waived", "放弃陈述申辩和听证"),
)


@forms.register_choices("cases.statement_options", label=lambda value: dict(STATEMENT_OPTIONS).get(value))
def statement_options(actor, context) -> list[tuple[str, str]]:
    """陈述申辩、申请听证: 要求举行听证 is offered only when the 告知 gave the hearing right — the party was
    offered a hearing the notice had just told it it did not have, and refused on submit."""
    _region, _enterprise, case = _where(context)
    hearing = case is None or bool(case.hearing_right)
    return [(v, label) for v, label in STATEMENT_OPTIONS if v != "hearing" or hearing]
