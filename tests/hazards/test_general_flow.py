"""Every path through hazard_rectification.bpmn at the operation level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import audit, clock
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db as _db
from app.hazards import operations as ops
from app.hazards.models import HazardStatus, PenaltyReferral
from tests.factories.db import commit
from tests.factories.hazards import ready, rect_data, review_data


def test_issue_order_numbers_document_and_starts_one_instance_per_hazard(make_order, world):
    order = make_order(
        {"location": "配电室"}, {"location": "仓库", "deadline": clock.today() + timedelta(days=15)}
    )
    assert order.doc_number and "责改" in order.doc_number
    assert [h.status for h in order.hazards] == [HazardStatus.RECTIFYING, HazardStatus.RECTIFYING]
    for h in order.hazards:
        assert ready(h) == ["submit_rectification"]
        assert h.code.startswith("YH2026")
    assert order.hazards[1].deadline == clock.today() + timedelta(days=15)
    assert audit.history(order)[-1].action == "hazard.order_issued"


def test_pass_first_time(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    assert h.status == HazardStatus.REVIEWING and ready(h) == ["review_rectification"]
    [review] = ops.review_hazards([(h, review_data(world))], actor=world.officer)
    commit()
    assert h.status == HazardStatus.CLOSED and h.closed_on == clock.today() and h.closed_by == world.officer
    assert ready(h) == []
    assert review.doc_number and "复查" in review.doc_number
    assert [e.action for e in audit.history(h)][-1] == "hazard.closed"


def test_fail_then_pass(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    new_deadline = clock.today() + timedelta(days=5)
    ops.review_hazards(
        [
            (
                h,
                review_data(
                    world,
                    result="整改不合格",
                    decision="return",
                    new_deadline=new_deadline,
                    opinion="警示线未划设",
                ),
            )
        ],
        actor=world.officer,
    )
    commit()
    assert h.status == HazardStatus.RECTIFYING and h.failed_rounds == 1 and h.deadline == new_deadline
    assert ready(h) == ["submit_rectification"]
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards([(h, review_data(world))], actor=world.officer)
    commit()
    assert h.status == HazardStatus.CLOSED
    assert [r.round for r in h.rectifications] == [1, 2]
    assert [r.passed for r in h.reviews] == [False, True]


def test_extension_approved_moves_deadline_and_records_approver(make_hazard, world):
    h = make_hazard()
    old = h.deadline
    ops.request_extension(
        h,
        {
            "action": "extension",
            "ext_reason": "设备到货延迟",
            "ext_deadline": old + timedelta(days=10),
            "ext_interim_measures": "设置隔离",
            "ext_files": [],
        },
        actor=world.manager_a,
    )
    commit()
    assert h.status == HazardStatus.EXTENSION_PENDING and h.deadline == old
    assert ready(h) == ["review_extension"]
    ops.decide_extension(
        h,
        {"approved": "yes", "approved_deadline": old + timedelta(days=8), "opinion": "同意"},
        actor=world.officer,
    )
    commit()
    ext = h.extensions[0]
    assert ext.status == "approved" and ext.decided_by == world.officer
    assert h.deadline == old + timedelta(days=8) and h.extension_count == 1
    assert h.status == HazardStatus.RECTIFYING and ready(h) == ["submit_rectification"]


def test_extension_rejected_keeps_deadline(make_hazard, world):
    h = make_hazard()
    old = h.deadline
    ops.request_extension(
        h,
        {
            "action": "extension",
            "ext_reason": "理由",
            "ext_deadline": old + timedelta(days=10),
            "ext_interim_measures": "措施",
        },
        actor=world.manager_a,
    )
    ops.decide_extension(h, {"approved": "no", "opinion": "理由不充分"}, actor=world.officer)
    commit()
    assert h.deadline == old and h.extensions[0].status == "rejected"
    assert h.extensions[0].decided_by == world.officer
    assert ready(h) == ["submit_rectification"]


def test_extension_only_before_deadline(make_hazard, world):
    h = make_hazard()
    clock.freeze(h.deadline + timedelta(days=1))
    with pytest.raises(InvalidState):
        ops.request_extension(
            h,
            {"ext_reason": "x", "ext_deadline": h.deadline + timedelta(days=9), "ext_interim_measures": "y"},
            actor=world.manager_a,
        )


def test_two_failed_rounds_then_only_referral(make_hazard, world, upload):
    h = make_hazard()
    for rnd in (1, 2):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
        if rnd == 1:
            ops.review_hazards(
                [
                    (
                        h,
                        review_data(
                            world,
                            result="未整改",
                            decision="return",
                            new_deadline=clock.today() + timedelta(days=3),
                        ),
                    )
                ],
                actor=world.officer,
            )
    # second failure: "return" is no longer allowed
    with pytest.raises(ValidationFailed) as exc:
        ops.review_hazards(
            [
                (
                    h,
                    review_data(
                        world,
                        result="未整改",
                        decision="return",
                        new_deadline=clock.today() + timedelta(days=3),
                    ),
                )
            ],
            actor=world.officer,
        )
    assert "decision" in exc.value.field_errors
    ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="refer", facts="两次复查均未整改"))],
        actor=world.officer,
    )
    commit()
    assert h.status == HazardStatus.REFERRED and h.failed_rounds == 2 and ready(h) == []
    ref = _db_referral(h)
    assert ref.facts == "两次复查均未整改" and h.order.doc_number in ref.evidence
    assert ref.referred_by == world.officer and ref.status == "待立案"


def _db_referral(h) -> PenaltyReferral:
    return h.referral


def test_leader_exception_once_then_referral(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards(
        [
            (
                h,
                review_data(
                    world, result="未整改", decision="return", new_deadline=clock.today() + timedelta(days=3)
                ),
            )
        ],
        actor=world.officer,
    )
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    nd = clock.today() + timedelta(days=20)
    ops.review_hazards(
        [(h, review_data(world, result="部分整改", decision="exception", new_deadline=nd))],
        actor=world.officer,
    )
    commit()
    assert h.status == HazardStatus.EXCEPTION_PENDING and ready(h) == ["approve_exception"]
    with pytest.raises(PermissionDenied):
        ops.decide_exception(
            h, {"approved": "yes", "new_deadline": nd, "opinion": "同意"}, actor=world.officer
        )
    ops.decide_exception(
        h, {"approved": "yes", "new_deadline": nd, "opinion": "同意再给一次期限"}, actor=world.leader
    )
    commit()
    assert h.status == HazardStatus.RECTIFYING and h.deadline == nd and h.exception_granted
    assert ready(h) == ["submit_rectification"]
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    # a second exception is refused; only referral remains
    with pytest.raises(ValidationFailed):
        ops.review_hazards(
            [(h, review_data(world, result="未整改", decision="exception", new_deadline=nd))],
            actor=world.officer,
        )
    ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="refer", facts="特批后仍未整改"))],
        actor=world.officer,
    )
    commit()
    assert h.status == HazardStatus.REFERRED and ready(h) == []


def test_leader_rejects_exception_refers(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards(
        [
            (
                h,
                review_data(
                    world, result="未整改", decision="return", new_deadline=clock.today() + timedelta(days=3)
                ),
            )
        ],
        actor=world.officer,
    )
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards(
        [
            (
                h,
                review_data(
                    world,
                    result="未整改",
                    decision="exception",
                    new_deadline=clock.today() + timedelta(days=9),
                ),
            )
        ],
        actor=world.officer,
    )
    ops.decide_exception(h, {"approved": "no", "opinion": "不予特批"}, actor=world.leader)
    commit()
    assert h.status == HazardStatus.REFERRED and h.referral is not None and ready(h) == []
    assert "不予特批" in h.referral.facts


def test_exception_not_allowed_before_cap(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    with pytest.raises(ValidationFailed):
        ops.review_hazards(
            [
                (
                    h,
                    review_data(
                        world,
                        result="未整改",
                        decision="exception",
                        new_deadline=clock.today() + timedelta(days=3),
                    ),
                )
            ],
            actor=world.officer,
        )


def test_result_and_decision_must_agree(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    with pytest.raises(ValidationFailed):
        ops.review_hazards([(h, review_data(world, result="未整改", decision="close"))], actor=world.officer)
    with pytest.raises(ValidationFailed):
        ops.review_hazards(
            [(h, review_data(world, result="已整改", decision="refer", facts="x"))], actor=world.officer
        )


def test_only_own_enterprise_manager_can_respond(make_hazard, world, upload):
    h = make_hazard()
    with pytest.raises(PermissionDenied):
        ops.submit_rectification(h, rect_data(upload, world.manager_b), actor=world.manager_b)
    with pytest.raises(PermissionDenied):
        ops.submit_rectification(h, rect_data(upload, world.officer), actor=world.officer)


def test_only_officers_in_jurisdiction_review(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    for outsider in (world.other_officer, world.manager_a, world.leader):
        with pytest.raises(PermissionDenied):
            ops.review_hazards([(h, review_data(world))], actor=outsider)


def test_batch_review_issues_one_document_and_moves_each_hazard(make_order, world, upload):
    order = make_order({"location": "A"}, {"location": "B"}, {"location": "C"})
    a, b, c = order.hazards
    for h in (a, b):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    reviews = ops.review_hazards(
        [
            (a, review_data(world)),
            (
                b,
                review_data(
                    world,
                    result="部分整改",
                    decision="return",
                    new_deadline=clock.today() + timedelta(days=4),
                ),
            ),
        ],
        actor=world.officer,
    )
    commit()
    assert reviews[0].doc_number == reviews[1].doc_number
    assert a.status == HazardStatus.CLOSED and b.status == HazardStatus.RECTIFYING and b.failed_rounds == 1
    assert c.status == HazardStatus.RECTIFYING and c.failed_rounds == 0  # independent loop


def test_wrong_step_is_refused(make_hazard, world):
    h = make_hazard()
    with pytest.raises(InvalidState):
        ops.review_hazards([(h, review_data(world))], actor=world.officer)
    with pytest.raises(InvalidState):
        ops.decide_extension(h, {"approved": "yes", "opinion": "x"}, actor=world.officer)


def test_extension_requests_are_capped(make_hazard, world):
    h = make_hazard()
    for _ in range(2):
        ops.request_extension(
            h,
            {
                "ext_reason": "理由",
                "ext_deadline": h.deadline + timedelta(days=5),
                "ext_interim_measures": "措施",
            },
            actor=world.manager_a,
        )
        ops.decide_extension(h, {"approved": "no", "opinion": "不同意"}, actor=world.officer)
    commit()
    with pytest.raises(InvalidState):
        ops.request_extension(
            h,
            {
                "ext_reason": "理由",
                "ext_deadline": h.deadline + timedelta(days=5),
                "ext_interim_measures": "措施",
            },
            actor=world.manager_a,
        )
    assert ready(h) == ["submit_rectification"]


def test_a_review_is_never_dated_before_the_hazard_was_found(make_hazard, world, upload):
    """销号 ≥ 排查 is an invariant the list's 销号-month filter relies on (app.hazards.queries)."""
    h = make_hazard(found_on=clock.today() - timedelta(days=3))
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    with pytest.raises(ValidationFailed) as err:
        ops.review_hazards([(h, review_data(world, reviewed_on=clock.today() - timedelta(days=4)))], actor=world.officer)
    assert "复查日期不能早于排查日期" in str(err.value.field_errors["reviewed_on"])
    _db.session.rollback()
    [review] = ops.review_hazards([(h, review_data(world, reviewed_on=h.found_on))], actor=world.officer)
    assert h.closed_on == h.found_on
