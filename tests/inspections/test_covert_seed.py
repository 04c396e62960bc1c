"""The 暗访 demo story: a completed visit with its 交办, 督办, 回头看 and the month's 通报, and a sealed one only
its team sees."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.inspections import sealed
from app.inspections.covert_seed import seed_covert
from app.inspections.models.covert import AssignmentStatus, Bulletin, CovertStatus, CovertVisit
from app.seed.registry import seed_registry


def test_the_demo_has_a_completed_visit_with_its_governance_and_a_sealed_one(db, frozen):
    ctx = seed_registry()
    out = seed_covert(ctx)
    db.session.commit()
    done = db.session.get(CovertVisit, out["completed"])
    assert done.status == CovertStatus.DONE and done.targets[0].inspection_id is not None
    (assignment,) = done.assignments
    assert assignment.status == AssignmentStatus.CLOSED and len(assignment.supervisions) == 1
    bulletin = db.session.get(Bulletin, out["bulletin"])
    assert bulletin.number.endswith("1号") and bulletin.problems[0]["code"] == done.code
    secret = db.session.get(CovertVisit, out["sealed"])
    assert secret.status == CovertStatus.SEALED
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert {u for u, user in users.items() if sealed.can_see(user, secret)} == {
        "leader",
        "officer",
        "officer2",
    }
    assert sealed.can_see(users["section_head"], done) and not sealed.can_see(users["qiye"], done)
