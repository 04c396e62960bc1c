"""The public pages (no sign-in; only shown entries; no field of a withdrawn one) and the staff list
(signed in, scoped to the viewer's jurisdiction)."""

from datetime import date

import pytest

from app import clock
from app.publication import queries, withdraw


@pytest.fixture(autouse=True)
def _today():
    clock.freeze(date(2026, 5, 12))


def test_anonymous_reads_the_list_and_a_detail_with_numbers_masked(app, db, world, put):
    entry = put(
        values={"行政相对人名称": "张三", "身份证号": "340421199001011234", "联系电话": "13812345678"}
    )
    db.session.commit()
    client = app.test_client()
    page = client.get("/gongshi/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "行政决定：张三" in html
    assert "Set-Cookie" not in page.headers  # no session for the public
    assert "退出" not in html and "/inbox" not in html and "王执法" not in html  # nothing internal
    detail = client.get(f"/gongshi/{entry.id}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "340421********1234" in text and "138****5678" in text
    assert "199001011234" not in text and "12345678" not in text


def test_withdrawn_and_expired_entries_leave_the_public_pages(app, db, world, put):
    kept = put(world.ent_a)
    gone = put(world.ent_b)
    expiring = put(world.ent_a2, expires_on=date(2026, 5, 13))
    withdraw(gone, "决定被撤销", actor=world.leader, due_on=None)
    db.session.commit()
    client = app.test_client()
    html = client.get("/gongshi/").get_data(as_text=True)
    assert kept.title in html and expiring.title in html and gone.title not in html
    withdrawn = client.get(f"/gongshi/{gone.id}")
    body = withdrawn.get_data(as_text=True)
    assert withdrawn.status_code == 404
    assert (
        "已撤回" in body and world.ent_b.name not in body and "决定被撤销" not in body
    )  # no fields, no reason
    clock.freeze(date(2026, 5, 14))  # past its 公示截止期
    html = client.get("/gongshi/").get_data(as_text=True)
    assert kept.title in html and expiring.title not in html
    assert client.get(f"/gongshi/{expiring.id}").status_code == 404
    assert client.get("/gongshi/999999").status_code == 404


def test_the_list_filters_by_kind_year_and_title_and_pages_newest_first(db, world, put, other_kind):
    clock.freeze(date(2025, 12, 30))
    old = put(world.ent_b, decided_on=date(2025, 12, 29))
    clock.freeze(date(2026, 5, 12))
    a = put(world.ent_a)
    a2 = put(world.ent_a2)
    result = put(world.ent_a, kind=other_kind, values={"检查对象": world.ent_a.name, "检查结果": "合格"})
    db.session.commit()

    def ids(**values):
        return [p.id for p in queries.public_page(values).items]

    assert ids() == [result.id, a2.id, a.id, old.id]
    assert ids(kind="test_result") == [result.id]
    assert ids(year=2025) == [old.id]
    assert ids(q="化工") == [a2.id]  # 萧县龙城化工有限公司
    assert ids(q="龙城", kind="test_decision") == [a2.id, a.id]
    first = queries.public_page({}, per_page=3)
    assert first.total == 4 and [p.id for p in first.items] == [result.id, a2.id, a.id]
    second = queries.public_page({"after": first.next_after}, per_page=3)
    assert [p.id for p in second.items] == [old.id] and second.next_after is None


def test_public_query_parameters_are_checked(app, world):
    client = app.test_client()
    assert client.get("/gongshi/?year=abc").status_code == 422
    assert client.get("/gongshi/?after=1;DROP").status_code == 422
    assert client.get("/gongshi/?q=" + "很" * 51).status_code == 422


def test_internal_pages_still_require_sign_in(app, world):
    client = app.test_client()
    for url in ("/publications/", "/inbox", "/done"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url


def test_a_signed_in_viewer_of_the_public_page_sees_no_internal_menu(db, world, put, login):
    put()
    db.session.commit()
    html = login(world.officer).get("/gongshi/").get_data(as_text=True)
    assert "退出" not in html and "王执法" not in html and "行政决定" in html


def test_the_staff_list_is_scoped_to_the_jurisdiction(db, world, put, login):
    mine = put(world.ent_a, decided_on=date(2026, 4, 20), due_on=date(2026, 4, 29))
    theirs = put(world.ent_other)
    withdraw(mine, "决定被撤销", actor=world.leader, due_on=date(2026, 5, 11))
    db.session.commit()
    html = login(world.officer).get("/publications/").get_data(as_text=True)
    assert mine.title in html and theirs.title not in html
    assert "逾期公示" in html and "逾期撤回" in html and "决定被撤销" in html
    other = login(world.other_officer).get("/publications/").get_data(as_text=True)
    assert theirs.title in other and mine.title not in other
    assert login(world.manager_a).get("/publications/").status_code == 403
