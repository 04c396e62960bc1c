"""The standard world every test can ask for: one county with two towns, a bureau with its units,
enterprises in each town and in another county, and one user per role (password auth.PASSWORD)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db as _db
from app.org.credit_code import make_credit_code
from app.org.models import Department, Enterprise, Region
from tests.factories.auth import PASSWORD_HASH


@dataclass
class World:
    county: Region
    town_a: Region
    town_b: Region
    village_a: Region
    other_county: Region
    bureau: Department
    brigade: Department
    legal_section: Department
    town_station: Department
    other_bureau: Department
    ent_a: Enterprise
    ent_a2: Enterprise
    ent_b: Enterprise
    ent_other: Enterprise
    officer: User
    officer2: User
    town_officer: User
    legal: User
    leader: User
    section_head: User
    supervisor: User
    admin: User
    manager_a: User
    manager_b: User
    other_officer: User


def _region(code, name, level, parent=None):
    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = (parent.path if parent else "/") + code + "/"
    _db.session.add(r)
    return r


def _user(username, name, roles, dept=None, ent=None, cert=None):
    u = User(username=username, name=name, department=dept, enterprise=ent, cert_no=cert,
             cert_expires_on=date(2031, 12, 31) if cert else None,
             legal_qualification_no="A20183401000123" if Role.LEGAL_REVIEWER in roles else None)
    u.password_hash = PASSWORD_HASH
    u.set_roles(roles)
    _db.session.add(u)
    return u


def _enterprise(name, region, serial, industry="工贸", sub="机械", grade="一般", cat="B"):
    e = Enterprise(
        name=name, credit_code=make_credit_code(region.code[:6], serial), industry=industry, sub_sector=sub,
        risk_grade=grade, category=cat, address=f"{region.name}工业路{serial}号", legal_rep="张三",
        main_person="张三", safety_manager="李四", phone="0557-5000000",
    )
    e.set_region(region)
    _db.session.add(e)
    return e


@pytest.fixture
def world(db) -> World:
    prov = _region("340000", "安徽省", "province")
    city = _region("341300", "宿州市", "city", prov)
    county = _region("341322", "萧县", "county", city)
    town_a = _region("341322100", "龙城镇", "town", county)
    town_b = _region("341322101", "黄口镇", "town", county)
    village_a = _region("341322100201", "城东村", "village", town_a)
    other_county = _region("341321", "砀山县", "county", city)
    other_town = _region("341321100", "砀城镇", "town", other_county)
    db.session.flush()
    bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
    brigade = Department(name="执法大队", kind="大队", parent=bureau, region=county)
    legal_section = Department(name="法规科", kind="科室", parent=bureau, region=county)
    town_station = Department(name="龙城镇安监站", kind="站", parent=bureau, region=town_a)
    other_bureau = Department(name="砀山县应急管理局", short_name="砀", kind="局", region=other_county)
    db.session.add_all([bureau, brigade, legal_section, town_station, other_bureau])
    db.session.flush()
    ent_a = _enterprise("萧县龙城机械制造有限公司", village_a, 1)
    ent_a2 = _enterprise("萧县龙城化工有限公司", town_a, 2, "危险化学品", "生产", "较大", "C")
    ent_b = _enterprise("萧县黄口建材有限公司", town_b, 3, "工贸", "建材")
    ent_other = _enterprise("砀山县砀城食品有限公司", other_town, 4, "工贸", "轻工")
    db.session.flush()
    w = World(
        county=county, town_a=town_a, town_b=town_b, village_a=village_a, other_county=other_county,
        bureau=bureau, brigade=brigade, legal_section=legal_section, town_station=town_station,
        other_bureau=other_bureau, ent_a=ent_a, ent_a2=ent_a2, ent_b=ent_b, ent_other=ent_other,
        officer=_user("officer", "王执法", [Role.OFFICER], brigade, cert="34130001"),
        officer2=_user("officer2", "赵执法", [Role.OFFICER], brigade, cert="34130002"),
        town_officer=_user("town_officer", "孙站长", [Role.OFFICER], town_station, cert="34130003"),
        legal=_user("legal", "钱法制", [Role.LEGAL_REVIEWER], legal_section, cert="34130004"),
        leader=_user("leader", "周局长", [Role.LEADER], bureau),
        section_head=_user("section_head", "吴队长", [Role.SECTION_HEAD, Role.OFFICER], brigade, cert="34130005"),
        supervisor=_user("supervisor", "郑统计", [Role.SUPERVISOR], bureau),
        admin=_user("admin", "管理员", [Role.ADMIN], bureau),
        manager_a=_user("manager_a", "李安全", [Role.ENTERPRISE], ent=ent_a),
        manager_b=_user("manager_b", "陈安全", [Role.ENTERPRISE], ent=ent_b),
        other_officer=_user("other_officer", "冯执法", [Role.OFFICER], other_bureau, cert="34120001"),
    )
    db.session.commit()
    return w
