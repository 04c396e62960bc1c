"""The party's progress names the 告知书 actually served on it: a notice with the hearing right is the
行政处罚（听证）告知书 (as printed on the document), never a plain 行政处罚告知书."""

from __future__ import annotations

from decimal import Decimal

from app.cases.view import outsider_progress
from app.documents import documents_for
from tests.factories.db import commit

HEARING_LINE = {
    "target": "单位",
    "kinds": ["罚款"],
    "fine": Decimal("60000"),
}  # ≥ 50000: 较大数额 (宿州 pack)


def _labels(case) -> list[str]:
    return [s.label for s in outsider_progress(case)]


def test_a_hearing_notice_is_named_as_issued(login, world, make_case):
    w = make_case().file().evidence().report(lines=[dict(HEARING_LINE)], factors=["major_hazard"]).notify()
    case = w.case
    commit()
    assert case.notices[-1].hearing_right
    (doc,) = [d for d in documents_for(case) if d.doc_type == "hearing_notice"]
    labels = _labels(case)
    assert "已送达行政处罚（听证）告知书" in labels and "已送达行政处罚告知书" not in labels, labels
    page = login(world.manager_a).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已送达行政处罚（听证）告知书" in page and "已送达行政处罚告知书" not in page
    api = login(world.manager_a).get(f"/api/v1/cases/{case.id}").get_json()
    assert "已送达行政处罚（听证）告知书" in [s["label"] for s in api["progress"]]
    assert doc.id in [d["id"] for d in api["documents"]]


def test_a_notice_without_hearing_right_keeps_its_name(world, make_case):
    w = make_case().file().evidence().report().notify()  # 30000: no hearing right
    assert not w.case.notices[-1].hearing_right
    labels = _labels(w.case)
    assert "已送达行政处罚告知书" in labels and not any("听证" in x for x in labels), labels


def test_an_unserved_notice_is_not_in_the_progress(world, make_case):
    from app.cases import operations as ops

    w = make_case().file().evidence().report(lines=[dict(HEARING_LINE)], factors=["major_hazard"])
    ops.issue_notice(w.case, {"contact": "王执法"}, actor=world.officer)
    assert not any("告知书" in x for x in _labels(w.case))
