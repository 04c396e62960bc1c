"""The demo's 分类分级 (seed_classify): 标准化 grades that keep each class, certificate issue dates, one
override with its reason; the class list and the inspector library read them."""

from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.inspections.classify_seed import OVERRIDE
from app.inspections.models import EnterpriseClass
from app.seed import seed_demo
from tests.factories.auth import PASSWORD_HASH


def test_demo_classes(app, login):
    ctx = seed_demo()
    ctx["users"]["section_head"].password_hash = PASSWORD_HASH  # the demo's own password is not the tests'
    db.session.commit()
    assert "classify" in ctx["inspections_seeded"]["areas"]
    year = clock.today().year
    rows = {
        ec.enterprise_id: ec
        for ec in db.session.scalars(select(EnterpriseClass).where(EnterpriseClass.year == year))
    }
    hazchem = [e for e in ctx["enterprises"] if e.industry == "危险化学品" and e.id in rows]
    assert hazchem and all(rows[e.id].basis["criterion"] == "standardization_grade" for e in hazchem)
    target = ctx["enterprise_by_name"][OVERRIDE[0]]
    ec = rows[target.id]
    assert ec.override_reason == OVERRIDE[1] and "ABCD".index(ec.klass) == "ABCD".index(ec.computed_class) + 1
    assert target.category == ec.klass
    officer = ctx["users"]["officer"]
    assert officer.cert_issued_on is not None
    client = login(ctx["users"]["section_head"])
    html = client.get(f"/inspections/classes?class={ec.klass}").get_data(as_text=True)
    assert target.name in html and "已调整" in html
    assert officer.name in client.get("/inspections/inspectors").get_data(as_text=True)
