"""Adversarial review (issue #14), spec §7.2: 第五项 (不立即组织抢救、擅离职守或者逃匿) lists the unit's main
负责人 alone, never the unit (应急管理部令第11号第六条第五项). The 列入告知书, 列入决定书 and the public 公示 said
the unit was listed; the other criteria still list the unit and, where they say so, its head with it."""

from __future__ import annotations

import pytest

from app import publication
from app.credit.publicity import KIND
from app.documents import documents_for
from app.extensions import db
from tests.factories.credit import PERSON, make_listing_fixture  # noqa: F401 - the walker fixture


def _doc_html(login, world, listing, doc_type: str) -> str:
    [doc] = documents_for(listing, doc_type=doc_type)
    db.session.commit()
    r = login(world.officer).get(f"/documents/{doc.id}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_criterion_5_lists_the_head_alone_in_the_documents_and_the_public_entry(
    login, world, make_listing, frozen
):
    w = make_listing(criterion="5").listed()
    name, role, ent = PERSON["person_name"], PERSON["person_role"], world.ent_a.name
    notice = _doc_html(login, world, w.listing, "credit_notice")
    assert f"本机关拟将你单位{role}{name}列入" in notice and "拟将你单位及" not in notice
    decision = _doc_html(login, world, w.listing, "credit_decision")
    assert f"本机关决定将你单位{role}{name}列入" in decision and "决定将你单位及" not in decision
    entry = publication.current_for(w.listing, KIND)
    assert entry is not None
    fields = dict(entry.fields)
    assert fields["失信主体名称"] == name and fields["统一社会信用代码"] == ""
    assert fields["主体类别"].startswith("自然人") and ent in fields["一并列入人员"]
    # the public page names the person, the ID masked, and does not list the unit as the subject
    html = login(world.manager_b).get("/gongshi/?kind=credit_listing").get_data(as_text=True)
    assert f"{name}列入安全生产严重失信主体名单" in html
    assert f"{ent}列入安全生产严重失信主体名单" not in html
    assert PERSON["person_id_no"] not in html


@pytest.mark.parametrize("criterion", ["6", "9"])
def test_other_criteria_still_list_the_unit(login, world, make_listing, frozen, criterion):
    w = make_listing(criterion=criterion).listed()
    decision = _doc_html(login, world, w.listing, "credit_decision")
    assert "本机关决定将你单位" in decision and f"你单位{PERSON['person_role']}" not in decision
    entry = publication.current_for(w.listing, KIND)
    assert entry is not None and dict(entry.fields)["失信主体名称"] == world.ent_a.name
