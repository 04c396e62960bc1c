"""Hazard search (issue #15): a hazard is found by its code, location or description, or by its
enterprise's name, through the databases' full-text indexes (app.search: character bigrams, so one- and
two-character Chinese terms are found, and the results are those of `LIKE '%term%'` on the normalised
text, identical on SQLite and PostgreSQL).

Enterprise names get an index of their own rather than a `LIKE` on the (small) enterprises table: the
same normalisation then applies to every field (ＹＨ = yh, full-width brackets = ASCII ones), which a
`LIKE` would do differently on each database (case, full-width forms).
"""

from __future__ import annotations

import click
from sqlalchemy import ColumnElement, or_, select

from app import search
from app.extensions import db
from app.hazards.cli import hazards_cli
from app.hazards.models import Hazard
from app.org.models import Enterprise

FIELDS = ("code", "location", "description")
HAZARDS = search.register(Hazard, "hazard_search", FIELDS)
ENTERPRISES = search.register(Enterprise, "enterprise_search", ("name",))


def clause(q: str) -> ColumnElement[bool]:
    """Hazards whose code, location or description contains `q`, or whose enterprise's name does."""
    enterprises = select(Enterprise.id).where(search.contains(Enterprise, q))
    return or_(search.contains(Hazard, q), Hazard.enterprise_id.in_(enterprises))


@hazards_cli.command("search-rebuild")
def search_rebuild_command() -> None:
    """重建隐患检索索引（编号、部位、描述、企业名称）：修复绕过应用直接改库后的索引。"""
    conn = db.session.connection()
    for index in (HAZARDS, ENTERPRISES):
        search.rebuild_timed(conn, index, echo=click.echo)
    db.session.commit()
    click.echo("检索索引已重建。")
