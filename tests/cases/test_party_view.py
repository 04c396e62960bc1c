"""What the party (the enterprise account) and the officers read of the penalty lines and documents on the case
page: the party sees the decided penalty only once the decision is served on it and opens only the documents
served on it (or handed to it); a fine reads once (no “罚款罚款”); the demo's case names are whole 案由."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import clock
from app.cases import gates
from app.cases import operations as ops
from app.cases.models import CaseProposal, PenaltyCase
from app.documents import documents_for
from app.extensions import db
from tests.factories.db import commit


def _text(resp) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", resp.get_data(as_text=True)))


def _lines(resp) -> str:
    html = resp.get_data(as_text=True)
    start = html.index('data-testid="lines"')
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html[start : html.index("</table>", start)]))


def _doc(case, code):
    return [d for d in documents_for(case, include_voided=False) if d.doc_type == code][-1]


def _prepared(world, make_case):
    """告知 served, the party waived, the 呈批表 made and the 法制审核 passed: the decision not yet made."""
    w = make_case().file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    ops.legal_review(
        w.case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，证据确凿，程序合法",
            "confirmed": [i.key for i in gates.checklist(w.case, clock.today())],
        },
        actor=world.legal,
    )
    commit()
    return w


def test_the_party_sees_the_decided_penalty_only_once_served(world, make_case, login):
    w = _prepared(world, make_case)
    case = w.case
    party, officer = login(world.manager_a), login(world.officer)

    lines = _lines(party.get(f"/cases/{case.id}"))
    assert "告知" in lines and "决定" not in lines, lines  # the 呈批 proposal is no decision yet
    staff = _lines(officer.get(f"/cases/{case.id}"))
    assert "拟决定" in staff and "罚款罚款" not in staff, staff

    api = party.get(f"/api/v1/cases/{case.id}").get_json()["lines"][0]
    assert api["proposed_fine"] is None and api["decided_fine"] is None and api["notified_fine"], api
    assert login(world.officer).get(f"/api/v1/cases/{case.id}").get_json()["lines"][0]["decided_fine"]

    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    commit()
    assert "决定" not in _lines(party.get(f"/cases/{case.id}"))  # decided, not yet served
    assert party.get(f"/api/v1/cases/{case.id}").get_json()["lines"][0]["decided_fine"] is None
    decision = _doc(case, "penalty_decision")
    assert party.get(f"/documents/{decision.id}").status_code == 404
    assert f"/documents/{decision.id}" not in party.get(f"/cases/{case.id}").get_data(as_text=True)

    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    lines = _lines(party.get(f"/cases/{case.id}"))
    assert "决定" in lines and "拟决定" not in lines and "罚款罚款" not in lines, lines
    served = party.get(f"/api/v1/cases/{case.id}").get_json()
    assert served["lines"][0]["decided_fine"] and decision.id in [d["id"] for d in served["documents"]]
    assert party.get(f"/cases/{case.id}/documents/{decision.id}").status_code == 302
    assert party.get(f"/documents/{decision.id}").status_code == 200
    staff = _lines(officer.get(f"/cases/{case.id}"))
    assert "拟决定" not in staff and "决定" in staff, staff


def test_the_party_does_not_open_an_outward_document_not_yet_served(world, make_case, login):
    w = make_case().file().evidence().report()
    ops.issue_notice(w.case, {"contact": "王执法 0557-5000001"}, actor=world.officer)
    commit()
    notice = _doc(w.case, "penalty_notice")
    party = login(world.manager_a)
    assert 'data-testid="lines"' not in party.get(f"/cases/{w.case.id}").get_data(as_text=True)
    assert party.get(f"/documents/{notice.id}").status_code == 404
    assert party.get(f"/cases/{w.case.id}/documents/{notice.id}").status_code == 404
    assert login(world.officer).get(f"/documents/{notice.id}").status_code == 200

    ops.serve_notice(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()
    assert party.get(f"/documents/{notice.id}").status_code == 200
    assert "告知" in _lines(party.get(f"/cases/{w.case.id}"))
    receipt = _doc(w.case, "service_receipt")
    assert party.get(f"/documents/{receipt.id}").status_code == 200


def test_demo_case_names_are_whole(app):
    from app.seed import seed_demo

    seed_demo()
    db.session.commit()
    for case in db.session.scalars(select(PenaltyCase)):
        assert case.name.endswith("案"), case.name
        middle = case.name.split("涉嫌", 1)[-1][:-1]
        # not the facts cut after a fixed number of characters (“…未对安案”)
        assert not (len(middle) < len(case.facts) and case.facts.startswith(middle)), case.name
    # a 文号 in a proposal's source reference carries its number (…〔2026〕31号, not …〔2026〕现场检查记录)
    for proposal in db.session.scalars(select(CaseProposal)):
        ref = proposal.source_ref or ""
        if "〔" in ref:
            assert re.search(r"〔\d{4}〕\d+号", ref), ref
