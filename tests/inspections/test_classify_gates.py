"""Review of the class override's gates: two section heads on the same class — the second, whose form showed
the class before the first's change, is told who changed it and when, and nothing of theirs is written; the
override is refused to the enterprise's account, another county and the supervisor."""

from __future__ import annotations

import re

import pytest

from app.auth.roles import Role
from app.errors import Conflict
from app.extensions import db
from app.inspections.caps import class_of
from app.inspections.models import EnterpriseClass
from app.inspections.operations.classification import override_class, override_stamp
from tests.factories.org import _user


def _seen(html: str) -> str:
    m = re.search(r'name="seen"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="seen"', html
    )
    assert m, "the override form carries the class it was opened on"
    return m.group(1)


def test_the_second_of_two_section_heads_is_told_who_changed_it_first(world, frozen, login):
    ec = class_of(world.ent_a, 2026)
    head2 = _user("head2", "郑科长", [Role.SECTION_HEAD], world.brigade)
    db.session.commit()
    url = f"/inspections/classes/{ec.id}"
    first, second = login(world.section_head), login(head2)
    seen_first = _seen(first.get(url).get_data(as_text=True))
    seen_second = _seen(second.get(url).get_data(as_text=True))
    assert seen_first == seen_second == "-"
    r = first.post(url, data={"klass": "D", "reason": "企业主要负责人更换且隐患整改拖延", "seen": seen_first})
    assert r.status_code == 302
    r = second.post(url, data={"klass": "A", "reason": "企业标准化达标，降低频次", "seen": seen_second})
    assert r.status_code == 303  # a stale form: told why (flashed) and sent back to the class
    html = second.get(r.headers["Location"]).get_data(as_text=True)
    assert world.section_head.name in html and "调整为D类" in html
    db.session.expire_all()
    ec = db.session.get(EnterpriseClass, ec.id)
    assert ec.klass == "D" and ec.overridden_by_id == world.section_head.id
    # read again, the second may still change it, with the new stamp
    seen = _seen(second.get(url).get_data(as_text=True))
    assert seen == override_stamp(ec) != "-"
    r = second.post(url, data={"klass": "C", "reason": "复核后按C类执行", "seen": seen})
    assert r.status_code == 302


def test_the_operation_refuses_a_stale_stamp(world, frozen):
    ec = class_of(world.ent_a, 2026)
    stamp = override_stamp(ec)
    override_class(ec, "C", "提高检查频次", actor=world.section_head, seen=stamp)
    db.session.commit()
    with pytest.raises(Conflict):
        override_class(ec, "A", "降低检查频次", actor=world.section_head, seen=stamp)


@pytest.mark.parametrize("who", ["manager_a", "other_officer", "supervisor", "town_officer"])
def test_others_cannot_override(world, frozen, login, who):
    ec = class_of(world.ent_a, 2026)
    db.session.commit()
    r = login(getattr(world, who)).post(
        f"/inspections/classes/{ec.id}", data={"klass": "D", "reason": "理由充分的调整", "seen": "-"}
    )
    assert r.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(EnterpriseClass, ec.id).override_reason is None


def test_locked_budget_locks_the_class_row_before_counting(world, frozen):
    """For the writer adding a counted inspection (create_inspection): the class row is locked, then the count
    is read — two inspections created at once cannot both take the last place under the cap."""
    from sqlalchemy import event

    from app.inspections.caps import budget, locked_budget

    class_of(world.ent_a, 2026)
    db.session.commit()
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        seen.append(statement.split()[0].upper() + " " + statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        locked = locked_budget(world.ent_a, 2026)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    lock_at = next(i for i, s in enumerate(seen) if s.startswith("UPDATE") and "enterprise_classes" in s)
    count_at = next(i for i, s in enumerate(seen) if s.startswith("SELECT") and "FROM inspections" in s)
    assert lock_at < count_at
    assert locked == budget(world.ent_a, 2026)
