"""Adversarial review of the credit domain (issue #14): defects found and fixed — the listed enterprise's
陈述申辩 task page showed the agency's internal 事实与证据; a 负责人 who served the 列入告知书 (or recorded the
party's statement, or recorded a paper 信用修复 application) could decide it; the second of two people
recording a 复议/诉讼 outcome or revoking an early removal was not told who did it and when; the 列入决定书
printed the 核查意见 as an answer to a statement nobody made."""

from __future__ import annotations

from datetime import date

import pytest

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.credit import effects
from app.credit.models import CreditListing, ListingStatus
from app.credit.operations import listing as ops
from app.credit.operations import repair as repair_ops
from app.documents import documents_for
from app.errors import InvalidState, PermissionDenied
from app.extensions import db
from tests.factories.credit import SERVE, make_listing_fixture  # noqa: F401 - the walker fixture
from tests.factories.files import PDF

EVIDENCE = "现场检查记录"  # in tests.factories.credit.new_listing's evidence: internal


def _text(r) -> str:
    return r.get_data(as_text=True)


def _form_error(r) -> str:
    """The message at the top of a re-rendered listing page (not the rest of the page, which names people)."""
    import re

    m = re.search(r'data-testid="form-error">([^<]*)<', _text(r))
    assert m is not None, _text(r)[:2000]
    return m.group(1)


def _user(world, username: str, *roles) -> User:
    from tests.factories.org import _user

    user = _user(username, username, list(roles), world.bureau)
    db.session.flush()
    return user


def _reload(listing: CreditListing) -> CreditListing:
    db.session.expire_all()
    return db.session.get(CreditListing, listing.id)


# ---- (2)/(3) the enterprise's own task page: its terms, never the internal record --------------------------


def test_the_enterprise_statement_task_page_hides_the_internal_evidence(login, world, make_listing, frozen):
    w = make_listing()
    w.notify().serve()
    db.session.commit()
    task = w.task("state_case")
    html = _text(login(world.manager_a).get(f"/tasks/{task.id}"))
    assert "列入告知书" in html and "未取得安全生产许可证擅自从事生产" in html  # the 告知's facts and reasons
    assert EVIDENCE not in html and 'data-testid="evidence"' not in html
    # the API's task facts render the same way for the same reader
    api = login(world.manager_a).get(f"/api/v1/tasks/{task.id}")
    assert EVIDENCE not in _text(api)
    # staff still see the evidence at the same step
    w.waive()
    db.session.commit()
    verify = w.task("verify")
    assert EVIDENCE in _text(login(world.officer).get(f"/tasks/{verify.id}"))


# ---- (1) a decider who handled the listing ------------------------------------------------------------------


def test_a_leader_who_served_the_notice_cannot_decide(login, world, make_listing, frozen):
    both = _user(world, "deputy1", Role.OFFICER, Role.LEADER)
    w = make_listing().notify()
    ops.serve_notice(w.listing, {**SERVE, "served_on": clock.today()}, actor=both)
    w.waive().verify()
    with pytest.raises(PermissionDenied, match="不能作出列入决定"):
        w.decide(actor=both)
    db.session.commit()
    task = w.task("decide")
    assert login(both).post(f"/tasks/{task.id}", data={"decision": "list"}).status_code == 403
    assert _reload(w.listing).decided_on is None
    w.listing = _reload(w.listing)
    w.decide(actor=world.leader)
    assert w.listing.status == ListingStatus.SERVING


def test_a_leader_who_recorded_the_party_statement_cannot_decide(world, make_listing, frozen):
    both = _user(world, "deputy2", Role.OFFICER, Role.LEADER)
    w = make_listing().notify().serve()
    ops.submit_statement(w.listing, {"statement_kind": "陈述申辩", "text": "口头陈述：已整改"}, actor=both)
    w.verify()
    with pytest.raises(PermissionDenied, match="不能作出列入决定"):
        w.decide(actor=both)
    w.decide(actor=world.leader)
    assert w.listing.status == ListingStatus.SERVING


def _granted(world, listed, upload, applicant=None):
    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    clock.freeze(date(2027, 11, 3))  # 满12个月 after the term started (frozen START)
    applicant = applicant or world.manager_a
    repair = repair_ops.apply_repair(
        listing,
        {"statement": "已整改", "commitment": [upload(applicant, PDF, "信用承诺书.pdf", "application/pdf")]},
        actor=applicant,
    )
    repair_ops.verify_repair(
        repair,
        {
            "verification": "属实",
            "proposal": "grant",
            "corrected_confirmed": True,
            "corrected_evidence": "现场核查",
            "paid_confirmed": True,
            "paid_evidence": "罚款缴款书",
        },
        actor=world.officer,
    )
    return listing, repair


def test_the_leader_who_recorded_a_paper_repair_application_cannot_decide_it(world, listed, upload, frozen):
    both = _user(world, "deputy3", Role.OFFICER, Role.LEADER)
    listing, repair = _granted(world, listed, upload, applicant=both)
    assert repair.channel == repair_ops.CHANNEL_RECORDED
    with pytest.raises(PermissionDenied, match="登记该书面申请的人员不能作出修复决定"):
        repair_ops.decide_repair(repair, {"repair_decision": "grant", "reason": "符合条件"}, actor=both)
    repair_ops.decide_repair(repair, {"repair_decision": "grant", "reason": "符合条件"}, actor=world.leader)
    assert listing.status == ListingStatus.REMOVED


# ---- (5) two people at the same form: the second is told who and when -----------------------------------------


def test_the_second_revocation_names_who_revoked_and_when(login, world, listed, upload, frozen):
    listing, repair = _granted(world, listed, upload)
    repair_ops.decide_repair(repair, {"repair_decision": "grant", "reason": "符合条件"}, actor=world.leader)
    leader2 = _user(world, "leader2", Role.LEADER)
    db.session.commit()
    url = f"/credit/{listing.id}/repairs/{repair.id}/revoke"
    first, second = login(world.leader), login(leader2)
    assert 'data-testid="form-credit_revoke_repair"' in _text(second.get(f"/credit/{listing.id}"))
    assert first.post(url, data={"reason": "承诺书系伪造"}).status_code == 302
    r = second.post(url, data={"reason": "许可证系伪造"})
    assert r.status_code == 409
    assert f"已由{world.leader.name}于2027年11月03日撤销" in _form_error(r)
    # the operation itself says so too (a stale task page, the API)
    db.session.expire_all()
    repair = db.session.get(type(repair), repair.id)
    with pytest.raises(InvalidState, match=f"已由{world.leader.name}于2027年11月03日撤销"):
        repair_ops.revoke_repair(repair, {"reason": "再次"}, actor=leader2)


def test_the_second_remedy_outcome_names_who_recorded_it_and_when(login, world, listed, frozen):
    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    today = clock.today().isoformat()
    officer = login(world.officer)
    assert (
        officer.post(
            f"/credit/{listing.id}/remedies",
            data={"kind": "复议", "body": "宿州市人民政府", "filed_on": today},
        ).status_code
        == 302
    )
    url = f"/credit/{listing.id}/remedies/outcome"
    outcome = {"outcome": "维持", "outcome_on": today, "ref": "宿政复决〔2026〕1号"}
    assert officer.post(url, data=outcome).status_code == 302
    r = login(world.section_head).post(url, data={**outcome, "outcome": "撤销"})
    assert r.status_code == 409
    message = _form_error(r)
    assert f"“维持”已由{world.officer.name}于" in message and clock.today().isoformat() in message
    assert _reload(listing).status == ListingStatus.LISTED  # the stale 撤销 changed nothing


# ---- (6) the 列入决定书 answers only a statement that was made ----------------------------------------------


@pytest.mark.parametrize("made", [True, False])
def test_the_decision_prints_the_answer_only_to_a_statement_made(login, world, make_listing, frozen, made):
    w = make_listing().notify().serve()
    (w.state() if made else w.waive()).verify().decide()
    [doc] = documents_for(w.listing, doc_type="credit_decision")
    assert doc.content["stated"] is made
    db.session.commit()
    html = _text(login(world.officer).get(f"/documents/{doc.id}"))
    assert ("对你单位的陈述、申辩，本机关核查意见如下" in html) is made
    for part in ("经查", "管理期限", "移出条件", "行政复议", "行政诉讼", "惩戒措施"):
        assert part in html
