"""移送立案 as a hand-off between domains: the hazard loop announces the referral (signal) and receives the
penalty-case domain's answer through its own operation; the receiving side never writes hazard tables."""

from __future__ import annotations

import pytest

from app import audit, clock
from app.errors import InvalidState, ValidationFailed
from app.hazards import operations as ops
from app.hazards.models import HazardStatus, ReferralStatus
from app.hazards.signals import referral_made
from tests.factories.db import commit
from tests.factories.hazards import rect_data, review_data


def _refer(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="refer", facts="拒不整改"))], actor=world.officer
    )
    commit()
    return h


def test_referral_is_announced_once_with_its_facts(make_hazard, world, upload):
    received = []

    def receiver(referral):  # what app/cases will do: read the referral, keep its id in its own table
        received.append((referral.id, referral.hazard_id, referral.facts, referral.provisions))

    with referral_made.connected_to(receiver):
        h = _refer(make_hazard, world, upload)
    assert h.status == HazardStatus.REFERRED
    assert received == [(h.referral.id, h.id, "拒不整改", h.provision)]


def test_answer_filed_records_case_number_and_audit(make_hazard, world, upload):
    h = _refer(make_hazard, world, upload)
    ops.answer_referral(h.referral, filed=True, case_number="（萧）应急立〔2026〕3号", actor=world.section_head)
    commit()
    ref = h.referral
    assert ref.status == ReferralStatus.FILED and ref.case_number == "（萧）应急立〔2026〕3号"
    assert ref.answered_by == world.section_head and ref.answered_at == clock.now()
    event = audit.history(h)[-1]
    assert event.action == "hazard.referral_answered" and event.changes == {"referral": ["待立案", "已立案"]}


def test_answer_declined_needs_a_reason_and_is_given_once(make_hazard, world, upload):
    h = _refer(make_hazard, world, upload)
    with pytest.raises(ValidationFailed) as exc:
        ops.answer_referral(h.referral, filed=False, reason=" ", actor=world.section_head)
    assert "reason" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.answer_referral(h.referral, filed=True, case_number="", actor=world.section_head)
    assert "case_number" in exc.value.field_errors
    ops.answer_referral(h.referral, filed=False, reason="已过追责时效", actor=world.section_head)
    commit()
    assert h.referral.status == ReferralStatus.DECLINED and h.referral.answer == "已过追责时效"
    with pytest.raises(InvalidState):
        ops.answer_referral(h.referral, filed=True, case_number="X", actor=world.section_head)
