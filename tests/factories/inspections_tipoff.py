"""举报 for the tip-off tests: received through the operation (number, query code, workflow), and helpers that
run one to a given step. The informant's identity uses values easy to search for in every channel."""

from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from app.inspections.operations import tipoff as ops

INFORMANT = {
    "informant_name": "林举报",
    "informant_phone": "13912345678",
    "informant_id_no": "340421199001011234",
    "informant_address": "萧县龙城镇幸福路8号",
}
SECRETS = ("林举报", "13912345678", "340421199001011234", "幸福路8号")
VISIT_ON = date(2026, 11, 3)


def tipoff_data(world, **over) -> dict:
    data = {
        "channel": "phone",
        "anonymous": False,
        **INFORMANT,
        "enterprise_id": world.ent_a.id,
        "place": "喷漆车间",
        "content": "喷漆车间违规存放大量油漆，消防通道被堵，举报人电话13912345678。",
    }
    data.update(over)
    return data


def visit(inspection, actor=None) -> None:
    """The verifying inspection's team arrives (start_onsite: credentials shown, recusal explained): 检查中."""
    from app.inspections.operations.inspection import start_onsite

    member = actor or inspection.lead_officer
    start_onsite(
        inspection,
        {
            "place": "喷漆车间",
            "present_person": "李安全",
            "credentials_shown": True,
            "recusal_explained": True,
            "recusal_answer": "不申请回避",
            "checklist_code": "confined_space",
        },
        actor=member,
    )
    db.session.flush()


@pytest.fixture
def tipoffs(db, world, frozen):
    """tipoffs.receive(**over) -> (tipoff, code); .accept(t); .inspect(t); .verify(t, verdict); .feed(t);
    .to_reward(verdict="true", major=False)"""

    class Flow:
        def receive(self, actor=None, **over):
            return ops.receive(tipoff_data(world, **over), actor=actor or world.officer)

        def accept(self, t, officer=None):
            ops.assign(
                t,
                {"decision": "accept", "assignee_id": (officer or world.officer2).id},
                actor=world.section_head,
            )

        def inspect(self, t, actor=None):
            actor = actor or world.officer2
            insp = ops.open_inspection(
                t,
                {"planned_on": VISIT_ON.isoformat(), "member_ids": [world.officer2.id, world.officer.id]},
                actor=actor,
            )
            return insp

        def verify(self, t, verdict="true", major=False, actor=None):
            ops.verify(
                t,
                {
                    "verified": verdict,
                    "verification": "现场检查发现喷漆车间存放油漆超量，消防通道堵塞。",
                    "major_hazard": major,
                },
                actor=actor or world.officer2,
            )

        def feed(self, t, method=None, actor=None):
            ops.feed_back(
                t,
                {
                    "method": method or ("code" if t.anonymous else "phone"),
                    "feedback": "经核查，举报事项属实，已责令整改并立案查处。",
                },
                actor=actor or t.received_by,
            )

        def to_reward(self, verdict="true", major=False, **over):
            t, code = self.receive(**over)
            self.accept(t)
            visit(self.inspect(t))
            self.verify(t, verdict, major)
            self.feed(t)
            return t, code

    return Flow()
