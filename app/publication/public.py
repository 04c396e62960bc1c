"""行政执法公示: the public pages, open to anybody without signing in (/gongshi/).

Nothing internal is reachable from here: the pages use their own layout (no navigation, no user, no
session: they set no cookie), show only what `queries.shown` allows, and the fields as
`queries.public_fields` masks them. A withdrawn or expired entry's URL answers 404 with no content.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from app import clock, params
from app.publication import queries
from app.publication.kinds import find_kind, registered_kinds

bp = Blueprint("gongshi", __name__, url_prefix="/gongshi", template_folder="templates")


def _kind_name(code: str) -> str:
    kind = find_kind(code)
    return kind.name if kind else code


@bp.get("/")
def index():
    values = params.check(queries.PublicArgsSchema, request.args)
    page = queries.public_page(values)
    this_year = clock.today().year
    years = list(range(this_year, max(queries.FIRST_YEAR, this_year - 10) - 1, -1))
    return render_template(
        "publication/public_list.html",
        page=page,
        values=values,
        kinds=registered_kinds(),
        years=years,
        kind_name=_kind_name,
    )


@bp.get("/<int:publication_id>")
def detail(publication_id: int):
    entry = queries.public_entry(publication_id)
    if entry is None:
        return render_template("publication/public_gone.html"), 404
    return render_template(
        "publication/public_detail.html",
        entry=entry,
        fields=queries.public_fields(entry),
        kind_name=_kind_name(entry.kind),
    )
