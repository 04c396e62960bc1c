"""The enterprise picker's search (issue #10 item 14): by name, 统一社会信用代码 or 乡镇/街道, within the user's
data scope, LIKE wildcards taken literally, a bounded number of matches; and the pages that pick an
enterprise render the searchable picker, never a list of every enterprise."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from app.org.credit_code import make_credit_code
from app.org.models import Enterprise
from app.org.queries import search_enterprises


def names(client, q, **args) -> list[str]:
    r = client.get("/enterprises/lookup", query_string={"q": q, **args})
    assert r.status_code == 200, r.status_code
    return [item["name"] for item in r.get_json()["items"]]


def add(world, name, serial, region=None):
    region = region or world.town_a
    e = Enterprise(name=name, credit_code=make_credit_code(region.code[:6], serial), industry="工贸",
                   sub_sector="机械", risk_grade="一般", category="B")
    e.set_region(region)
    _db.session.add(e)
    _db.session.commit()
    return e


def test_search_by_name_code_and_town_within_the_county(world, login):
    c = login(world.officer)
    assert names(c, "龙城") == ["萧县龙城化工有限公司", "萧县龙城机械制造有限公司"]
    assert names(c, world.ent_b.credit_code[-8:].lower()) == [world.ent_b.name]  # part of the code, any case
    assert names(c, "黄口镇") == [world.ent_b.name]  # the town's name
    assert world.ent_other.name not in names(c, "有限公司")  # another county
    item = c.get("/enterprises/lookup", query_string={"q": "黄口"}).get_json()["items"][0]
    assert item == {"id": world.ent_b.id, "name": world.ent_b.name, "credit_code": world.ent_b.credit_code,
                    "town": "黄口镇"}


def test_town_officer_never_gets_another_towns_enterprises(world, login):
    c = login(world.town_officer)  # 龙城镇
    assert names(c, "有限公司") == ["萧县龙城化工有限公司", "萧县龙城机械制造有限公司"]
    for q in (world.ent_b.name, world.ent_b.credit_code, "黄口", "建材", ""):
        assert world.ent_b.name not in names(c, q), q


@pytest.mark.parametrize("username", ["manager_a", "manager_b"])
def test_enterprise_accounts_are_denied(world, login, username):
    r = login(getattr(world, username)).get("/enterprises/lookup", query_string={"q": "萧县"})
    assert r.status_code == 403


def test_login_required(app, world):
    r = app.test_client().get("/enterprises/lookup?q=萧县")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_like_wildcards_are_literal(world, login, db):
    add(world, "萧县百分百%化工有限公司", 700001)
    add(world, "萧县下划线_机械有限公司", 700002)
    c = login(world.officer)
    assert names(c, "%") == ["萧县百分百%化工有限公司"]
    assert names(c, "_") == ["萧县下划线_机械有限公司"]
    assert names(c, "萧县%有限") == []  # not "萧县…有限": % is a character here
    assert names(c, "\\") == []


def test_full_width_term_and_prefix_first(world, login, db):
    add(world, "龙城镇配套五金厂", 700003)
    c = login(world.officer)
    found = names(c, "龙城")
    assert found[0] == "龙城镇配套五金厂"  # the name starting with the term comes first
    code = world.ent_a.credit_code
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    assert names(c, fullwidth) == [world.ent_a.name]


def test_results_are_bounded_and_say_there_are_more(world, login, db):
    for i in range(25):
        add(world, f"萧县批量{i:02d}有限公司", 710000 + i)
    c = login(world.officer)
    body = c.get("/enterprises/lookup", query_string={"q": "批量"}).get_json()
    assert len(body["items"]) == 20 and body["more"] is True
    body = c.get("/enterprises/lookup", query_string={"q": "批量", "limit": 500}).get_json()
    assert len(body["items"]) == 25 and body["more"] is False  # 25 ≤ the cap of 50
    found, more = search_enterprises(world.officer, "批量", limit=5)
    assert [e.name for e in found] == [f"萧县批量{i:02d}有限公司" for i in range(5)] and more


def test_new_hazard_form_searches_instead_of_listing(world, login):
    c = login(world.officer)
    html = c.get("/hazards/new").get_data(as_text=True)
    assert 'data-picker-url="/enterprises/lookup"' in html and "/static/picker.js" in html
    assert world.ent_a.name not in html and world.ent_b.name not in html  # no list of every enterprise
    # a rejected form comes back with the picked enterprise still picked, by name
    r = c.post("/hazards/new", data={"enterprise_id": str(world.ent_b.id)})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'<option value="{world.ent_b.id}" selected>{world.ent_b.name}</option>' in page


def test_list_filter_keeps_the_picked_enterprise_and_never_names_one_out_of_scope(world, login):
    c = login(world.town_officer)
    html = c.get(f"/hazards?enterprise_id={world.ent_a.id}").get_data(as_text=True)
    assert f'<option value="{world.ent_a.id}" selected>{world.ent_a.name}</option>' in html
    assert world.ent_a2.name not in html.split('data-testid="enterprise_id-picker"', 1)[1].split("</div>", 1)[0]
    html = c.get(f"/hazards?enterprise_id={world.ent_b.id}").get_data(as_text=True)
    assert world.ent_b.name not in html  # another town's: its id in the address reveals no name


def test_user_form_binds_an_enterprise_through_the_picker(world, login):
    c = login(world.admin)
    html = c.get(f"/admin/users/{world.manager_a.id}/edit").get_data(as_text=True)
    assert 'data-picker-url="/enterprises/lookup"' in html
    assert f'<option value="{world.ent_a.id}" selected>{world.ent_a.name}</option>' in html
    assert world.ent_b.name not in html  # the bound one only, not a list of every enterprise


def test_ledger_filter_uses_the_picker(world, login):
    html = login(world.supervisor).get(f"/ledgers?enterprise_id={world.ent_b.id}").get_data(as_text=True)
    assert 'data-testid="enterprise_id-picker"' in html
    assert f'<option value="{world.ent_b.id}" selected>{world.ent_b.name}</option>' in html
    assert world.ent_a2.name not in html


def test_registry_list_search_reads_full_width_like_the_picker(world, login):
    code = world.ent_b.credit_code
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) for ch in code[-6:])
    html = login(world.officer).get("/enterprises", query_string={"q": fullwidth}).get_data(as_text=True)
    assert world.ent_b.name in html and world.ent_a.name not in html
