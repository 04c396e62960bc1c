"""The enterprise is told each decision that concerns it, with the reason (issue #10 item 8); no other
enterprise is told anything."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.hazards import operations as ops
from app.notifications.models import Notification
from tests.factories.db import commit
from tests.factories.hazards import ready_task, rect_data, review_data


def _notices(user, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def _nobody_else(world) -> None:
    """ent_b's manager (another enterprise) was told nothing about ent_a's hazards."""
    assert _notices(world.manager_b) == []


def test_order_issued_tells_the_enterprise_every_item_and_deadline(make_order, world):
    order = make_order(
        {"location": "配电室"}, {"location": "仓库", "deadline": clock.today() + timedelta(days=15)}
    )
    [n] = _notices(world.manager_a, "order_issued")
    assert order.doc_number in n.title and "2项" in n.title
    assert "配电室" in n.body and "仓库" in n.body
    later = clock.today() + timedelta(days=15)
    assert (
        f"仓库：配电箱前堆放杂物，未保持通道畅通（一般隐患，整改期限{later.year}年{later.month}月{later.day}日）"
        in n.body
    )
    assert "整改期间安全防范措施要求：整改期间落实临时管控措施" in n.body
    assert (n.subject_type, n.subject_id) == ("rectification_orders", order.id)
    _nobody_else(world)


def test_order_notice_opens_the_order_page(make_order, world, login):
    order = make_order()
    [n] = _notices(world.manager_a, "order_issued")
    r = login(world.manager_a).get(f"/notifications/{n.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/hazards/orders/{order.id}")


def _extension(h, world, approved: bool, opinion: str):
    ops.request_extension(
        h,
        {
            "action": "extension",
            "ext_reason": "设备到货延迟",
            "ext_deadline": h.deadline + timedelta(days=10),
            "ext_interim_measures": "停用设备",
            "ext_files": [],
        },
        actor=world.manager_a,
    )
    ops.decide_extension(
        h,
        {
            "approved": "yes" if approved else "no",
            "approved_deadline": h.deadline + timedelta(days=8),
            "opinion": opinion,
        },
        actor=world.officer,
        task=ready_task(h, "review_extension"),
    )
    commit()


def test_extension_approved_tells_the_new_date(make_hazard, world):
    h = make_hazard()
    _extension(h, world, True, "同意延期，落实临时措施")
    [n] = _notices(world.manager_a, "extension_decided")
    assert "已批准" in n.title and h.code in n.title
    assert f"{h.deadline.month}月{h.deadline.day}日" in n.body and "同意延期，落实临时措施" in n.body
    _nobody_else(world)


def test_extension_rejected_tells_the_reason_and_the_standing_deadline(make_hazard, world):
    h = make_hazard()
    deadline = h.deadline
    _extension(h, world, False, "理由不充分")
    [n] = _notices(world.manager_a, "extension_decided")
    assert "未获批准" in n.title and "理由：理由不充分。" in n.body
    assert f"整改期限仍为{deadline.year}年{deadline.month}月{deadline.day}日" in n.body
    _nobody_else(world)


def test_review_passed_tells_closure(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    [review] = ops.review_hazards([(h, review_data(world))], actor=world.officer)
    commit()
    [n] = _notices(world.manager_a, "review_decided")
    assert "合格" in n.title and "销号" in n.title and review.doc_number in n.body
    _nobody_else(world)


def test_review_failed_tells_result_reasons_and_new_deadline(make_hazard, world, upload):
    h = make_hazard()
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    nd = clock.today() + timedelta(days=5)
    ops.review_hazards(
        [
            (
                h,
                review_data(
                    world, result="整改不合格", decision="return", new_deadline=nd, opinion="警示线未划设"
                ),
            )
        ],
        actor=world.officer,
    )
    commit()
    [n] = _notices(world.manager_a, "review_decided")
    assert "不合格" in n.title and n.level == "danger"
    assert (
        "整改不合格" in n.body and "警示线未划设" in n.body and f"{nd.month}月{nd.day}日前重新整改" in n.body
    )
    _nobody_else(world)


def test_review_referred_and_exception_outcomes(make_hazard, world, upload):
    h = make_hazard()
    for _ in range(2):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
        decision = "return" if h.failed_rounds == 0 else "exception"
        ops.review_hazards(
            [
                (
                    h,
                    review_data(
                        world,
                        result="未整改",
                        decision=decision,
                        opinion="仍未整改",
                        new_deadline=clock.today() + timedelta(days=5),
                    ),
                )
            ],
            actor=world.officer,
        )
        commit()
    exception = _notices(world.manager_a, "review_decided")[-1]
    assert "报请负责人审批" in exception.body
    ops.decide_exception(
        h,
        {"approved": "no", "opinion": "屡改不合格"},
        actor=world.leader,
        task=ready_task(h, "approve_exception"),
    )
    commit()
    [n] = _notices(world.manager_a, "exception_decided")
    assert "移送立案" in n.title and "屡改不合格" in n.body
    _nobody_else(world)


def test_exception_approved_tells_the_last_deadline(make_hazard, world, upload):
    h = make_hazard()
    for decision in ("return", "exception"):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
        ops.review_hazards(
            [
                (
                    h,
                    review_data(
                        world,
                        result="未整改",
                        decision=decision,
                        opinion="仍未整改",
                        new_deadline=clock.today() + timedelta(days=5),
                    ),
                )
            ],
            actor=world.officer,
        )
    nd = clock.today() + timedelta(days=12)
    ops.decide_exception(
        h,
        {"approved": "yes", "new_deadline": nd, "opinion": "最后一次"},
        actor=world.leader,
        task=ready_task(h, "approve_exception"),
    )
    commit()
    [n] = _notices(world.manager_a, "exception_decided")
    assert "准予再次限期整改" in n.title and f"{nd.month}月{nd.day}日前" in n.body and "最后一次" in n.body


def test_major_supervision_decision_tells_the_enterprise(make_hazard, world):
    h = make_hazard(level="重大", criterion_code="GM2023-11-3")
    deadline = clock.today() + timedelta(days=60)
    sup = ops.decide_supervision(
        h,
        {
            "listed": "yes",
            "level": "县级",
            "supervising_unit": "萧县安委办",
            "deadline": deadline,
            "plan_days": 7,
            "opinion": "停产整改",
            "contact": "王科长 0557-1234567",
        },
        actor=world.leader,
        task=ready_task(h, "decide_supervision"),
    )
    commit()
    [n] = _notices(world.manager_a, "supervision_decided")
    assert "挂牌督办" in n.title and sup.doc_number in n.body and "萧县安委办" in n.body
    assert "停产整改" in n.body and "报送治理方案" in n.body and "王科长" in n.body
    _nobody_else(world)
