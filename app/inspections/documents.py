"""The inspection's own 文书 (domain spec §3.3): 检查方案 (inspection_scheme, 检方, registered here) and the
现场检查记录 (inspection_record, 检记, a platform type; this module gives it its template). Numbered per issuing
agency and year through app.documents.issue_document and locked once issued. Templates:
app/inspections/templates/documents/<code>.html (A4, extending documents/_a4.html), found through the template
folder of the blueprint `inspection_documents`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from app.documents import issue_document
from app.documents.doc_types import DocType, register_doc_type

SCHEME = "inspection_scheme"
RECORD = "inspection_record"

DOC_TYPES = [
    DocType(SCHEME, "检查方案", "检方", aliases=("监督检查方案", "行政检查方案"), sealed=False),
]


def issue(inspection: Any, code: str, content: dict, *, actor, title: str | None = None):
    """Issue one of the inspection's documents on its agency's serial, locked. The inspection's code,
    enterprise and team are added to `content` (the caller's keys win)."""
    e = inspection.enterprise
    users = team_users(inspection)
    base = {
        "inspection_id": inspection.id,
        "code": inspection.code,
        "source": inspection.source,
        "party": {
            "name": e.name,
            "credit_code": e.credit_code,
            "address": e.address,
            "legal_rep": e.legal_rep,
        },
        "team": [
            {"name": users[m.user_id].name, "role": m.role, "cert_no": m.cert_no} for m in inspection.members
        ],
    }
    return issue_document(
        code,
        agency=inspection.agency,
        subject=inspection,
        content={**base, **content},
        actor=actor,
        title=title,
    )


def team_users(inspection: Any) -> dict[int, Any]:
    """id → User of each member: those not in the session yet read in one statement without their roles (a
    lazy load of each member's user reads the user, then its roles, which the document does not need)."""
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload
    from sqlalchemy.orm.attributes import set_committed_value

    from app.auth.models import User
    from app.extensions import db

    users: dict[int, Any] = {}
    for m in inspection.members:
        u = db.session.identity_map.get(db.session.identity_key(User, m.user_id))
        if u is not None:
            users[m.user_id] = u
    missing = [m.user_id for m in inspection.members if m.user_id not in users]
    if missing:
        stmt = select(User).where(User.id.in_(missing)).options(lazyload(User.role_rows))
        users.update((u.id, u) for u in db.session.scalars(stmt))
    for m in inspection.members:  # the members hold them (the session alone would let them go)
        if m.user_id in users and "user" not in m.__dict__:
            set_committed_value(m, "user", users[m.user_id])
    return users


def register(app: Flask) -> None:
    for doc_type in DOC_TYPES:
        register_doc_type(doc_type)
    if "inspection_documents" not in app.blueprints:
        app.register_blueprint(Blueprint("inspection_documents", __name__, template_folder="templates"))
