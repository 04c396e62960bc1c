"""Printable view of an issued document: /documents/<id>."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.documents.access import can_view
from app.documents.models import OfficialDocument
from app.errors import NotFound
from app.extensions import db

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<int:doc_id>")
@login_required
def show(doc_id: int):
    document = db.session.get(OfficialDocument, doc_id)
    if document is None or not can_view(current_user, document):
        raise NotFound("您要找的文书不存在，或不在您的管辖范围内")
    doc_type = document.doc_type_def
    templates = [document.template]
    if doc_type is not None and doc_type.template_name not in templates:
        templates.append(doc_type.template_name)
    templates.append("documents/generic.html")
    return render_template(templates, doc=document, doc_type=doc_type, c=document.content,
                           number=document.number, agency=document.agency)
