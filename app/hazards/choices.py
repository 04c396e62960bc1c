"""Dynamic choices of the hazard task forms (`choices_from` in forms/*.json): enterprises in the officer's
scope, the 重大事故隐患 criteria, certified co-officers for the second signature; and the names of the fixed
choices stored as short codes (隐患类别 人/物/管理/环境), read from the form that offers them."""

from __future__ import annotations

from sqlalchemy import select

from app import forms
from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.db import hold
from app.extensions import db
from app.hazards import criteria
from app.org.models import Enterprise


def _enterprise_label(value) -> str | None:
    """A picked enterprise's name for the re-rendered form: only within the user's scope (the registry's
    enterprise_label), so /hazards/new?enterprise_id=… never names another jurisdiction's enterprise."""
    from flask import has_request_context
    from flask_login import current_user

    from app.org.queries import enterprise_label

    if not has_request_context():  # a document or a notice written by the system: no reader to leak to
        e = db.session.get(Enterprise, int(value)) if str(value).isdigit() else None
        return e.name if e else None
    return enterprise_label(current_user, value) if current_user.is_authenticated else None


def _user_label(value) -> str | None:
    u = db.session.get(User, int(value)) if str(value).isdigit() else None
    return u.name if u else None


def _enterprise_if_in_scope(actor, context, value) -> list[tuple[int, str]]:
    """The one enterprise a submit names, if enterprises_in_scope would offer it: one row read, not a county's.
    Read as the entity: the operation that follows finds it in the session instead of reading it again."""
    if actor is None or actor.is_enterprise_user or not str(value).isdigit():
        return []
    rows = db.session.scalars(
        select(Enterprise).where(Enterprise.id == int(value),
                                 scope_clause(actor, Enterprise.region_path, Enterprise.id))
    ).all()
    hold(*rows)
    return [(e.id, e.name) for e in rows]


@forms.register_choices("hazards.enterprises_in_scope", label=_enterprise_label, search="org.enterprise_lookup",
                        check=_enterprise_if_in_scope)
def enterprises_in_scope(actor, context) -> list[tuple[int, str]]:
    """Every enterprise in the officer's scope: what validation accepts. The form never lists them: it
    searches them (search=, the registry's enterprise picker), so a county's thousands are all pickable."""
    if actor is None or actor.is_enterprise_user:
        return []
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.name)
        .where(scope_clause(actor, Enterprise.region_path, Enterprise.id))
        .order_by(Enterprise.name)
    ).all()
    return [(r.id, r.name) for r in rows]


@forms.register_choices(
    "hazards.major_criteria", label=lambda v: c.citation if (c := criteria.get(v)) else None
)
def major_criteria(actor, context) -> list[tuple[str, str]]:
    return criteria.choices()


def _co_officer_subject(context) -> tuple[str | None, int | None]:
    """The region path and enterprise the second officer's jurisdiction must cover (the task's, else the
    hazard's or the 指令书's); (None, None) before there is one."""
    context = context or {}
    task = context.get("task")
    subject = context.get("hazard") or context.get("order")
    if task is not None:
        return task.region_path, task.enterprise_id
    if subject is not None:
        return subject.region_path, subject.enterprise_id
    return None, None


def _label(u: User) -> str:
    return f"{u.name}（{u.cert_no or '无执法证号'}）"


def _co_officer_if_offered(actor, context, value) -> list[tuple[int, str]]:
    """The one officer a submit names, if co_officers would offer them: read with roles and jurisdiction in one
    statement (User.load_active), which the operation's own check of the second officer then reuses."""
    region_path, enterprise_id = _co_officer_subject(context)
    if actor is None or actor.is_enterprise_user or region_path is None or not str(value).isdigit():
        return co_officers(actor, context) if region_path is None and actor is not None else []
    u = User.load_active(int(value))
    if (u is None or u.id == actor.id or u.is_enterprise_user or not u.has_role(Role.OFFICER)
            or not in_scope(u, region_path, enterprise_id)):
        return []
    hold(u)
    return [(u.id, _label(u))]


@forms.register_choices("hazards.co_officers", label=_user_label, check=_co_officer_if_offered)
def co_officers(actor, context) -> list[tuple[int, str]]:
    """Other certified officers whose jurisdiction covers the subject (the second signature)."""
    if actor is None or actor.is_enterprise_user:
        return []
    region_path, enterprise_id = _co_officer_subject(context)
    if region_path is not None:
        users = users_with_role(
            Role.OFFICER,
            region_path=region_path,
            enterprise_id=enterprise_id,
            exclude_id=actor.id,
            order_by=User.name,
        )
    else:  # nothing to be in scope of yet: the officers of the actor's own agency
        agency = actor.department.agency.id if actor.department is not None else None
        users = users_with_role(Role.OFFICER, agency_id=agency, exclude_id=actor.id, order_by=User.name)
    return [(u.id, _label(u)) for u in users]


def category_names() -> dict[str, str]:
    """隐患类别 as stored (人/物/管理/环境) -> its full name as the 登记隐患 form offers it (物的不安全状态 …),
    for pages, documents and ledgers that show a stored category: one list of names, in the form."""
    field = forms.get_form("register_hazard").field("category")
    return {str(value): label for value, label in field.choices or ()}
