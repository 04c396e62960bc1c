"""The listed banner follows the enterprise onto the hazard and penalty-case pages and their lists (staff only),
next to its name; another enterprise's rows carry none, and the enterprise's own account sees none."""

from __future__ import annotations

from app.credit import effects
from app.extensions import db
from tests.factories.db import commit

FLAG = 'data-testid="enterprise-flag"'


def _in_force(world, listed):
    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def test_hazard_pages_show_the_flag_of_a_listed_enterprise(world, listed, login, make_hazard):
    listed_hazard = make_hazard()
    other_hazard = make_hazard(enterprise_id=world.ent_b.id)
    commit()
    _in_force(world, listed)
    c = login(world.officer)
    assert effects.LISTED_LABEL in c.get(f"/hazards/{listed_hazard.id}").get_data(as_text=True)
    assert FLAG not in c.get(f"/hazards/{other_hazard.id}").get_data(as_text=True)
    listing = c.get("/hazards").get_data(as_text=True)
    assert listing.count(FLAG) == 2  # ent_a's row: 严重失信主体 and 重点监管; ent_b's none


def test_case_pages_show_the_flag_to_staff_only(world, listed, login, make_case):
    case = make_case().file().case
    commit()
    _in_force(world, listed)
    staff = login(world.officer)
    assert effects.LISTED_LABEL in staff.get(f"/cases/{case.id}").get_data(as_text=True)
    assert staff.get("/cases/").get_data(as_text=True).count(FLAG) == 2
    own = login(world.manager_a)
    assert FLAG not in own.get(f"/cases/{case.id}").get_data(as_text=True)

