"""Demo registry: a 萧县-like county with towns, villages, the county 应急管理局 and its units, 63 enterprises
across the supervised industries, and one demo account per role.

All names, people and phone numbers are invented; 统一社会信用代码 are generated with valid check characters.
Deterministic: the same data on every run.
"""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from app.org.credit_code import make_credit_code
from app.org.models import Department, Enterprise, EnterpriseStatus, Region

DEMO_PASSWORD = "SafeLoop@2026"
CERT_EXPIRES_ON = date(2031, 12, 31)  # 执法证有效期至 of the demo officers
LEGAL_QUALIFICATION_NO = "A20183401010123"  # 法律职业资格证书编号 of the demo 法制审核人员
COUNTY_CODE = "341322"
FEATURED_ENTERPRISE = "萧县龙城精细化工有限公司"

# (code suffix, name, [(village code suffix, village name)])
TOWNS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("001", "凤城街道", [("001", "凤城社区"), ("002", "文昌社区"), ("003", "新城社区")]),
    ("100", "龙城镇", [("201", "城东村"), ("202", "城西村"), ("203", "前进村"), ("004", "工业园社区")]),
    ("101", "黄口镇", [("201", "黄口村"), ("202", "陈庄村"), ("203", "吴庄村")]),
    ("102", "杨楼镇", [("201", "杨楼村"), ("202", "孙集村")]),
    ("103", "闫集镇", [("201", "闫集村"), ("202", "史庄村"), ("203", "王集村")]),
    ("104", "新庄镇", [("201", "新庄村"), ("202", "胡庄村")]),
    ("105", "刘套镇", [("201", "刘套村"), ("202", "葛集村"), ("203", "八里屯村")]),
    ("106", "马井镇", [("201", "马井村"), ("202", "郭庄村")]),
    ("107", "圣泉镇", [("201", "圣泉村"), ("202", "梅村"), ("203", "梁桥村")]),
    ("108", "赵庄镇", [("201", "赵庄村"), ("202", "丁湖村")]),
    ("109", "祖楼镇", [("201", "祖楼村"), ("202", "化家村"), ("203", "张楼村")]),
]

ROADS = {
    "凤城街道": ["淮海路", "建设路", "萧城大道", "文化路"],
    "龙城镇": ["工业园区纬一路", "龙城大道", "经三路", "龙腾路"],
    "黄口镇": ["黄口大道", "站前路", "商贸街"],
    "杨楼镇": ["杨楼街", "310国道旁"],
    "闫集镇": ["葡萄大道", "闫集街"],
    "新庄镇": ["新庄街", "工业路"],
    "刘套镇": ["刘套街", "永刘路"],
    "马井镇": ["马井街", "矿区路"],
    "圣泉镇": ["圣泉街", "皇藏峪路"],
    "赵庄镇": ["赵庄街", "丁湖路"],
    "祖楼镇": ["祖楼街", "化家路"],
}

# (name, industry, sub-sector, risk grade, category, town, village or None, staff, status or None)
ENTERPRISES: list[tuple] = [
    # 危险化学品
    (FEATURED_ENTERPRISE, "危险化学品", "生产", "较大", "C", "龙城镇", "工业园社区", 186, None),
    ("萧县皖北液化气有限公司", "危险化学品", "经营（带储存）", "较大", "C", "龙城镇", "城东村", 32, None),
    ("萧县华源化工有限公司", "危险化学品", "生产", "重大", "D", "杨楼镇", None, 240, None),
    ("萧县恒泰石油销售有限公司", "危险化学品", "经营（带储存）", "一般", "B", "凤城街道", "新城社区", 12, None),
    ("萧县龙城加油站有限公司", "危险化学品", "经营（带储存）", "一般", "B", "龙城镇", "城西村", 9, None),
    ("萧县宏达化工贸易有限公司", "危险化学品", "经营（无储存）", "低", "A", "凤城街道", "文昌社区", 6, None),
    ("萧县永安工业气体有限公司", "危险化学品", "生产", "较大", "C", "黄口镇", "吴庄村", 45, None),
    ("萧县瑞丰涂料有限公司", "危险化学品", "使用", "一般", "B", "刘套镇", None, 68, None),
    ("萧县鑫源化学试剂有限公司", "危险化学品", "经营（无储存）", "低", "A", "凤城街道", None, 5, None),
    ("萧县圣泉燃气有限公司", "危险化学品", "经营（带储存）", "较大", "C", "圣泉镇", "圣泉村", 58, None),
    ("萧县赵庄农药化工有限公司", "危险化学品", "生产", "较大", "C", "赵庄镇", "丁湖村", 120, "停产"),
    ("萧县黄口油脂化工有限公司", "危险化学品", "使用", "一般", "B", "黄口镇", None, 54, None),
    # 非煤矿山
    ("萧县白鹿山采石有限公司", "非煤矿山", "露天矿山", "较大", "C", "圣泉镇", "梁桥村", 85, None),
    ("萧县皇藏峪石料有限公司", "非煤矿山", "露天矿山", "较大", "C", "圣泉镇", "梅村", 64, "停产"),
    ("萧县祖楼建材矿业有限公司", "非煤矿山", "露天矿山", "一般", "B", "祖楼镇", "张楼村", 40, None),
    ("萧县永兴铁矿有限公司", "非煤矿山", "金属非金属地下矿山", "重大", "D", "马井镇", None, 210, None),
    ("萧县闫集石灰石矿有限公司", "非煤矿山", "露天矿山", "一般", "B", "闫集镇", "王集村", 36, "关闭"),
    ("萧县马井尾矿库管理有限公司", "非煤矿山", "尾矿库", "较大", "C", "马井镇", "郭庄村", 14, None),
    # 工贸
    ("萧县宏昌钢铁铸造有限公司", "工贸", "冶金", "较大", "C", "龙城镇", "工业园社区", 320, None),
    ("萧县恒鑫铸造有限公司", "工贸", "冶金", "较大", "C", "祖楼镇", None, 96, None),
    ("萧县恒达铝业有限公司", "工贸", "有色", "较大", "C", "黄口镇", "陈庄村", 150, None),
    ("萧县皖淮水泥有限公司", "工贸", "建材", "较大", "C", "杨楼镇", "孙集村", 260, None),
    ("萧县鑫磊新型建材有限公司", "工贸", "建材", "一般", "B", "闫集镇", None, 48, None),
    ("萧县永固混凝土有限公司", "工贸", "建材", "一般", "B", "凤城街道", None, 72, None),
    ("萧县鼎盛建材有限公司", "工贸", "建材", "一般", "B", "赵庄镇", "赵庄村", 38, None),
    ("萧县金田农机制造有限公司", "工贸", "机械", "一般", "B", "新庄镇", "胡庄村", 88, None),
    ("萧县华瑞汽车配件有限公司", "工贸", "机械", "一般", "A", "龙城镇", "前进村", 130, None),
    ("萧县新龙电器有限公司", "工贸", "机械", "低", "A", "龙城镇", "工业园社区", 75, None),
    ("萧县皖北葡萄酒业有限公司", "工贸", "轻工", "一般", "B", "闫集镇", "史庄村", 90, None),
    ("萧县黄口面粉有限公司", "工贸", "轻工", "较大", "C", "黄口镇", "黄口村", 75, None),
    ("萧县丰源食品有限公司", "工贸", "轻工", "一般", "B", "刘套镇", "葛集村", 110, None),
    ("萧县东方纸业有限公司", "工贸", "轻工", "一般", "B", "赵庄镇", None, 66, None),
    ("萧县瑞达木业有限公司", "工贸", "轻工", "较大", "C", "刘套镇", "八里屯村", 58, None),
    ("萧县利民饲料有限公司", "工贸", "轻工", "一般", "B", "马井镇", "马井村", 42, None),
    ("萧县金穗米业有限公司", "工贸", "轻工", "低", "A", "祖楼镇", "化家村", 28, None),
    ("萧县锦绣纺织有限公司", "工贸", "纺织", "一般", "B", "新庄镇", "新庄村", 260, None),
    ("萧县华棉纺织服装有限公司", "工贸", "纺织", "一般", "B", "凤城街道", "凤城社区", 180, None),
    ("萧县天虹家纺有限公司", "工贸", "纺织", "低", "A", "杨楼镇", "杨楼村", 95, None),
    ("萧县卷烟配套材料有限公司", "工贸", "烟草", "一般", "B", "龙城镇", None, 60, None),
    ("萧县华夏物资贸易有限公司", "工贸", "商贸", "低", "A", "凤城街道", None, 18, None),
    ("萧县祥和冷链仓储有限公司", "工贸", "商贸", "较大", "C", "龙城镇", "城东村", 35, None),
    # 烟花爆竹
    ("萧县安泰烟花爆竹批发有限公司", "烟花爆竹", "批发", "较大", "C", "杨楼镇", "孙集村", 18, None),
    ("萧县吉祥烟花爆竹销售有限公司", "烟花爆竹", "零售", "一般", "B", "凤城街道", None, 4, None),
    ("萧县黄口鸿运烟花爆竹经营有限公司", "烟花爆竹", "零售", "一般", "B", "黄口镇", None, 3, None),
    ("萧县喜庆烟花爆竹有限公司", "烟花爆竹", "零售", "低", "A", "闫集镇", "闫集村", 3, None),
    ("萧县祖楼红火烟花爆竹有限公司", "烟花爆竹", "零售", "低", "A", "祖楼镇", "祖楼村", 2, None),
    # 建筑施工
    ("萧县城投建设工程有限公司", "建筑施工", "房屋建筑", "较大", "C", "凤城街道", None, 150, None),
    ("萧县广厦建工集团有限公司", "建筑施工", "房屋建筑", "较大", "C", "凤城街道", "凤城社区", 210, None),
    ("萧县宏远建筑安装工程有限公司", "建筑施工", "房屋建筑", "一般", "B", "龙城镇", None, 86, None),
    ("萧县安居房地产开发建设有限公司", "建筑施工", "房屋建筑", "一般", "B", "龙城镇", "城西村", 64, None),
    ("萧县路桥工程有限公司", "建筑施工", "市政工程", "一般", "B", "凤城街道", "文昌社区", 120, None),
    ("萧县恒基市政工程有限公司", "建筑施工", "市政工程", "一般", "B", "杨楼镇", None, 52, None),
    ("萧县黄口建筑工程有限公司", "建筑施工", "房屋建筑", "低", "A", "黄口镇", "陈庄村", 40, None),
    # 商贸
    ("萧县百货大楼有限公司", "商贸", "商场超市", "一般", "B", "凤城街道", "凤城社区", 220, None),
    ("萧县惠民购物中心有限公司", "商贸", "商场超市", "一般", "B", "龙城镇", "城东村", 140, None),
    ("萧县新庄商贸城有限公司", "商贸", "商场超市", "低", "A", "新庄镇", None, 35, None),
    ("萧县马井农资超市有限公司", "商贸", "商场超市", "低", "A", "马井镇", None, 8, None),
    ("萧县顺达物流有限公司", "商贸", "仓储物流", "一般", "B", "龙城镇", "工业园社区", 76, None),
    ("萧县皖北农产品冷链物流有限公司", "商贸", "仓储物流", "较大", "C", "闫集镇", "闫集村", 48, None),
    ("萧县刘套快运物流有限公司", "商贸", "仓储物流", "低", "A", "刘套镇", "刘套村", 22, None),
    ("萧县凤城大酒店有限公司", "商贸", "餐饮", "一般", "B", "凤城街道", "新城社区", 95, None),
    ("萧县老味道餐饮管理有限公司", "商贸", "餐饮", "低", "A", "凤城街道", "文昌社区", 26, None),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = [
    "建国", "志强", "秀英", "海涛", "桂兰", "红梅", "永军", "德胜", "玉兰", "立新", "春生", "明华", "国庆", "丽娟",
    "文斌", "俊峰", "凤英", "长江", "学军", "晓东", "卫东", "金龙", "淑珍", "振华", "新民", "秋菊", "宏伟", "爱华",
]
MOBILE_PREFIXES = ["139", "138", "158", "187", "136", "155", "151", "183", "135", "177"]

# demo accounts: username → (name, roles, department key | None, enterprise name | None, 执法证号 | None, scope)
DEMO_ACCOUNTS: list[tuple[str, str, list[Role], str | None, str | None, str | None]] = [
    ("officer", "王振华", [Role.OFFICER], "执法大队", None, "34132201001"),
    ("officer2", "赵立新", [Role.OFFICER], "执法大队", None, "34132201002"),
    ("town_officer", "孙德胜", [Role.OFFICER], "龙城镇安监站", None, "34132201011"),
    ("legal", "钱丽娟", [Role.LEGAL_REVIEWER], "法规科", None, "34132201021"),
    ("section_head", "吴建国", [Role.SECTION_HEAD, Role.OFFICER], "执法大队", None, "34132201003"),
    ("leader", "周明华", [Role.LEADER], "萧县应急管理局", None, None),
    ("supervisor", "郑晓东", [Role.SUPERVISOR], "综合科", None, None),
    ("admin", "系统管理员", [Role.ADMIN], None, None, None),
    ("qiye", "李春生", [Role.ENTERPRISE], None, FEATURED_ENTERPRISE, None),
    ("qiye2", "陈秀英", [Role.ENTERPRISE], None, "萧县黄口面粉有限公司", None),
]


def _person(i: int, salt: int = 0) -> str:
    return SURNAMES[(i * 7 + salt * 13) % len(SURNAMES)] + GIVEN[(i * 11 + salt * 5) % len(GIVEN)]


def _mobile(i: int, salt: int = 0) -> str:
    n = (i * 7_919_317 + salt * 1_299_709 + 3_141_592) % 100_000_000
    return f"{MOBILE_PREFIXES[(i + salt) % len(MOBILE_PREFIXES)]}{n:08d}"


def _landline(i: int) -> str:
    return f"0557-50{(i * 4_111 + 21_307) % 100_000:05d}"


def credit_code_for(i: int) -> str:
    """A stable, valid, varied-looking 统一社会信用代码 for demo enterprise number i."""
    serial = 1_000_000_000_000 + (i * 2_654_435_761) % 20_000_000_000_000
    return make_credit_code(COUNTY_CODE, serial)


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    region = Region(code=code, name=name, level=level, parent=parent)
    region.path = (parent.path if parent else "/") + code + "/"
    db.session.add(region)
    return region


def seed_regions() -> dict:
    province = _region("340000", "安徽省", "province", None)
    city = _region("341300", "宿州市", "city", province)
    county = _region(COUNTY_CODE, "萧县", "county", city)
    towns: dict[str, Region] = {}
    villages: dict[tuple[str, str], Region] = {}
    for suffix, name, vills in TOWNS:
        town = _region(COUNTY_CODE + suffix, name, "town", county)
        towns[name] = town
        for vsuffix, vname in vills:
            villages[(name, vname)] = _region(town.code + vsuffix, vname, "village", town)
    db.session.flush()
    return {"province": province, "city": city, "county": county, "towns": towns, "villages": villages}


def seed_departments(county: Region, towns: dict[str, Region]) -> dict[str, Department]:
    bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county, phone="0557-5022110")
    depts = {"萧县应急管理局": bureau}
    for name, kind, phone in (
        ("执法大队", "大队", "0557-5022119"),
        ("法规科", "科室", "0557-5022112"),
        ("危化科", "科室", "0557-5022113"),
        ("综合科", "科室", "0557-5022115"),
        ("办公室", "科室", "0557-5022111"),
    ):
        depts[name] = Department(name=name, kind=kind, parent=bureau, region=county, phone=phone)
    for town_name, phone in (("龙城镇", "0557-5061230"), ("黄口镇", "0557-5071230")):
        name = f"{town_name}安监站"
        depts[name] = Department(name=name, kind="站", parent=bureau, region=towns[town_name], phone=phone)
    db.session.add_all(depts.values())
    db.session.flush()
    return depts


def seed_enterprises(towns: dict[str, Region], villages: dict[tuple[str, str], Region]) -> list[Enterprise]:
    enterprises = []
    for i, (name, industry, sub, grade, cat, town, village, staff, status) in enumerate(ENTERPRISES, start=1):
        region = villages[(town, village)] if village else towns[town]
        roads = ROADS[town]
        address = f"萧县{town}{village or ''}{roads[i % len(roads)]}{(i * 17) % 280 + 1}号"
        boss = _person(i, 1)
        e = Enterprise(
            name=name, credit_code=credit_code_for(i), industry=industry, sub_sector=sub, risk_grade=grade,
            category=cat, address=address, legal_rep=boss, main_person=boss if i % 3 else _person(i, 2),
            main_person_phone=_mobile(i, 1), safety_manager=_person(i, 3), phone=_landline(i),
            staff_count=staff, status=status or EnterpriseStatus.OPERATING.value,
        )
        e.set_region(region)
        enterprises.append(e)
    db.session.add_all(enterprises)
    db.session.flush()
    return enterprises


def seed_users(depts: dict[str, Department], enterprises: dict[str, Enterprise]) -> dict[str, User]:
    users: dict[str, User] = {}
    for username, name, roles, dept, ent, cert in DEMO_ACCOUNTS:
        user = User(
            username=username, name=name, department=depts[dept] if dept else None,
            enterprise=enterprises[ent] if ent else None, cert_no=cert,
            phone=_mobile(len(users) + 100),
        )
        if cert:  # 执法证 valid through the demo (gates refuse an officer whose expiry is not on record)
            user.cert_expires_on = CERT_EXPIRES_ON
        if Role.LEGAL_REVIEWER in roles:  # 法律职业资格 (Art.58: the 法制审核 reviewer holds one)
            user.legal_qualification_no = LEGAL_QUALIFICATION_NO
        user.set_roles(roles)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    db.session.flush()
    return users


def seed_registry() -> dict:
    """Create the demo county, departments, enterprises and accounts. Flushes; the caller commits.

    Returns the key objects for later seeders: county, towns {name: Region}, villages {(town, village):
    Region}, departments {name: Department}, bureau, enterprises [..], enterprise_by_name {name: ..},
    featured_enterprise, users {username: User}.
    """
    regions = seed_regions()
    depts = seed_departments(regions["county"], regions["towns"])
    enterprises = seed_enterprises(regions["towns"], regions["villages"])
    by_name = {e.name: e for e in enterprises}
    users = seed_users(depts, by_name)
    return {
        **regions,
        "departments": depts,
        "bureau": depts["萧县应急管理局"],
        "enterprises": enterprises,
        "enterprise_by_name": by_name,
        "featured_enterprise": by_name[FEATURED_ENTERPRISE],
        "users": users,
    }
