"""An enterprise id outside the user's scope in a filter (issue #11 item 4): the ledger page, the export's
page, the hazard list, its API, the dashboard and the 登记隐患 form neither print its name nor filter on it
(422 with a Chinese message, as an unknown id: its existence is not told apart), where the names of all the
enterprises outside a town could once be enumerated by id. An id in scope still filters and is named."""

from __future__ import annotations

import pytest

from app.auth.roles import Role
from app.extensions import db
from tests.factories.org import _user

PAGES = [
    "/ledgers?enterprise_id={id}",
    "/ledgers/hazard_ledger.xlsx?enterprise_id={id}",
    "/ledgers/major_hazard_ledger.xlsx?enterprise_id={id}",
    "/hazards?enterprise_id={id}",
    "/dashboard?enterprise_id={id}",
]


@pytest.fixture
def town_leader(world):
    user = _user("town_leader", "龙城镇长", [Role.LEADER, Role.OFFICER], world.town_station, cert="34139999")
    db.session.commit()
    return user


@pytest.mark.parametrize("page", PAGES)
def test_an_enterprise_outside_the_scope_is_neither_named_nor_filtered(world, town_leader, login, page):
    client = login(town_leader)
    for outside in (world.ent_b, world.ent_other):
        r = client.get(page.format(id=outside.id))
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (page, r.status_code)
        assert outside.name not in html and "不存在或不在您的管辖范围内" in html
    missing = client.get(page.format(id=999999))
    assert missing.status_code == 422  # the same answer as for an id that does not exist


@pytest.mark.parametrize("page", PAGES)
def test_an_enterprise_in_scope_still_filters(world, town_leader, login, make_hazard, page):
    make_hazard(enterprise_id=world.ent_a.id)
    r = login(town_leader).get(page.format(id=world.ent_a.id))
    assert r.status_code == 200, (page, r.status_code)


def test_the_api_refuses_an_enterprise_outside_the_scope(world, town_leader, login):
    client = login(town_leader)
    r = client.get(f"/api/v1/hazards?enterprise_id={world.ent_b.id}")
    assert r.status_code == 422 and world.ent_b.name not in r.get_data(as_text=True)
    assert client.get(f"/api/v1/hazards?enterprise_id={world.ent_a.id}").status_code == 200


def test_the_ledger_names_an_enterprise_in_scope(world, town_leader, login, make_hazard):
    make_hazard(enterprise_id=world.ent_a.id)
    html = login(town_leader).get(f"/ledgers?enterprise_id={world.ent_a.id}").get_data(as_text=True)
    assert f"企业：{world.ent_a.name}" in html or world.ent_a.name in html


def test_the_register_form_names_only_enterprises_in_scope(world, login):
    client = login(world.town_officer)
    html = client.get(f"/hazards/new?enterprise_id={world.ent_b.id}").get_data(as_text=True)
    assert world.ent_b.name not in html
    html = client.get(f"/hazards/new?enterprise_id={world.ent_a.id}").get_data(as_text=True)
    assert world.ent_a.name in html
