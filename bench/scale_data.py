"""A city's decade of work for the scale benchmarks of issue #15: 宿州市 with its five counties, ~15,000
enterprises and 1,000,000 hazards over five years (2022-01-01 .. 2026-11-30) in ~400,000 issued
责令限期整改指令书, on SQLite (bench/out/scale_1m.db) and PostgreSQL (database bench_scale).

    from bench.scale_data import ensure, USERS, PASSWORD
    url = ensure()                      # SQLite; ensure(PG_URL) for PostgreSQL
    python -m bench.scale_data          # builds/upgrades SQLite, and PostgreSQL when BENCH_DATABASE_URL is set

What is in it: regions with the app's codes and paths (/340000/341300/341322/341322100/…), the city and the
five county 应急管理局 (and one 安监站), enterprises with valid 统一社会信用代码, officers per bureau, and the
hazards with every NOT NULL / FK / UNIQUE constraint respected: codes YH{year}{id:06d} and 文号
（萧）应急责改〔2024〕12号 as the app makes them (document_counters hold the last serials, so a copy that
issues more orders continues the numbering), a realistic status mix (most 已销号, a few % open, some
currently overdue, ~1 % 已移送立案 with a penalty_referrals row, ~2 % 重大), and locations and
descriptions from a vocabulary (a two-character term such as 配电 matches about 2 % of hazards).

What is not in it: workflow instances, tasks, documents, audit records and the per-step rows (整改, 延期,
复查, 督办). Lists, search, the dashboard and the ledger export read none of them; open hazards in this
data set have no process instance, and no benchmark may open their tasks.

Log in as USERS[...] with PASSWORD (the only accounts with a real argon2 hash; the generated officers have
an unusable one).

The cached data set is shared by every benchmark: never write into it (logging in, which records the
session and the login, is the one write allowed). A benchmark that writes takes a private copy with
copy_of(name) (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE <name> TEMPLATE bench_scale, which
waits until no one else is connected to bench_scale). ensure() regenerates only when the data set is missing or DATA_VERSION changed (kept in the
table bench_scale_meta), and otherwise brings it up to date with the app's committed migrations, printing
how long each took on 1,000,000 hazards. Migrations not yet committed are left to the copies of their
authors (upgrade_timed(copy_url)), so a half-written migration never lands in the shared data set.
"""

from __future__ import annotations

import bisect
import fcntl
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # `python bench/scale_data.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"

DATA_VERSION = "2"  # bump when the generated rows change: both caches are rebuilt
SEED = 20261203
N_HAZARDS = int(os.environ.get("SCALE_HAZARDS", "1000000"))  # a smaller N (trying the generator) caches apart
BASE_REVISION = "0012_hazard_list_index"  # schema the rows are loaded into; later migrations run on the rows
FIRST_DAY, LAST_DAY = date(2022, 1, 1), date(2026, 11, 30)
AS_OF = date(2026, 12, 1)  # the day the statuses describe (overdue = deadline before it, still open)

_SUFFIX = "" if N_HAZARDS == 1_000_000 else f"_{N_HAZARDS}"
SQLITE_PATH = OUT / f"scale_1m{_SUFFIX}.db"
PG_SERVER = "postgresql://postgres@127.0.0.1:55432"
PG_NAME = f"bench_scale{_SUFFIX}"
PG_URL = f"{PG_SERVER}/{PG_NAME}"
READY_FILE = Path("/tmp/scale_ready")

PASSWORD = "Bench@2026pass"
USERS = {
    "city": "bench_city",  # 统计/台账管理员 of 宿州市应急管理局: the whole city
    "county": "bench_xiao",  # 执法人员 of 萧县应急管理局: the county
    "town": "bench_town",  # 执法人员 of 龙城镇安监站: one town
    "enterprise": "bench_qiye",  # 企业安全管理人员 of the 萧县 enterprise with the most hazards
}

PROVINCE = ("340000", "安徽省")
CITY = ("341300", "宿州市")
# code, name, short name (文号), share of the city's enterprises, town names (街道 first)
COUNTIES: list[tuple[str, str, str, float, list[str]]] = [
    ("341302", "埇桥区", "埇", 0.35, [
        "汴河街道", "沱河街道", "道东街道", "南关街道", "三里街道", "北关街道", "城东街道", "符离镇", "夹沟镇",
        "褚兰镇", "曹村镇", "栏杆镇", "大店镇", "蒿沟镇", "永安镇"]),
    ("341321", "砀山县", "砀", 0.16, [
        "砀城街道", "薛楼街道", "周寨镇", "曹庄镇", "赵屯镇", "李庄镇", "唐寨镇", "葛集镇", "玄庙镇", "程庄镇",
        "朱楼镇", "官庄坝镇", "关帝庙镇", "良梨镇", "陈庄镇"]),
    ("341322", "萧县", "萧", 0.17, [
        "凤城街道", "龙城镇", "黄口镇", "杨楼镇", "闫集镇", "新庄镇", "刘套镇", "马井镇", "圣泉镇", "赵庄镇",
        "祖楼镇", "白土镇", "官桥镇", "丁里镇", "永堌镇"]),
    ("341323", "灵璧县", "灵", 0.17, [
        "灵城街道", "韦集镇", "黄湾镇", "娄庄镇", "杨疃镇", "尹集镇", "浍沟镇", "尤集镇", "高楼镇", "朝阳镇",
        "渔沟镇", "冯庙镇", "虞姬镇", "下楼镇", "禅堂镇"]),
    ("341324", "泗县", "泗", 0.15, [
        "泗城街道", "屏山镇", "长沟镇", "墩集镇", "丁湖镇", "草沟镇", "大杨镇", "刘圩镇", "大庄镇", "山头镇",
        "黄圩镇", "草庙镇", "瓦坊镇", "黑塔镇", "大路口镇"]),
]
VILLAGE_STEMS = ["王庄", "李楼", "张集", "前进", "新华", "陈庄", "刘湖", "孙圩", "胡庄", "赵桥", "周寨", "吴集",
                 "郑楼", "马庄", "朱湖", "杨圩", "黄庄", "高楼", "丁集", "郭庄", "林场", "梁桥", "许楼", "韩庄"]
BRANDS = ["宏昌", "华源", "恒泰", "鑫源", "永安", "瑞丰", "金盛", "天成", "德隆", "宏达", "兴旺", "富民", "昌盛",
          "隆基", "盛达", "嘉禾", "中联", "皖北", "淮海", "汇通", "明阳", "荣华", "信诚", "安泰", "顺发", "金鼎",
          "新星", "博远", "同创", "正大", "国泰", "万达", "佳和", "东方", "伟业", "宝丰", "润泽", "长青", "康达",
          "恒信", "广源", "利民", "鸿运", "世纪", "众合", "金桥", "开元", "永盛", "鼎盛", "诚信"]
# industry, sub-sector: words of the business in the name, share of the enterprises
BUSINESS: list[tuple[str, str, list[str], float]] = [
    ("危险化学品", "生产", ["化工", "精细化工", "新材料", "化学", "工业气体"], 0.04),
    ("危险化学品", "经营（带储存）", ["石油销售", "液化气", "燃气", "加油站"], 0.04),
    ("危险化学品", "经营（无储存）", ["化工贸易", "化学试剂", "化工产品销售"], 0.02),
    ("危险化学品", "使用", ["涂料", "塑业", "制药"], 0.02),
    ("非煤矿山", "露天矿山", ["矿业", "石料", "石材"], 0.02),
    ("非煤矿山", "金属非金属地下矿山", ["矿业"], 0.005),
    ("非煤矿山", "尾矿库", ["矿业"], 0.005),
    ("工贸", "冶金", ["钢铁铸造", "铸造", "金属制品"], 0.04),
    ("工贸", "有色", ["铝业", "铜业"], 0.02),
    ("工贸", "建材", ["水泥", "新型建材", "混凝土", "砖瓦"], 0.06),
    ("工贸", "机械", ["机械制造", "机械", "汽车配件", "农机", "五金"], 0.10),
    ("工贸", "轻工", ["面粉", "食品", "木业", "纸业", "酒业", "家具"], 0.12),
    ("工贸", "纺织", ["纺织", "服饰"], 0.04),
    ("工贸", "烟草", ["烟草"], 0.005),
    ("工贸", "商贸", ["商贸"], 0.015),
    ("烟花爆竹", "批发", ["烟花爆竹"], 0.01),
    ("烟花爆竹", "零售", ["烟花爆竹"], 0.07),
    ("建筑施工", "房屋建筑", ["建筑工程", "建设工程", "建筑安装"], 0.10),
    ("建筑施工", "市政工程", ["市政工程", "路桥工程"], 0.05),
    ("商贸", "商场超市", ["超市", "购物中心", "百货"], 0.09),
    ("商贸", "仓储物流", ["物流", "仓储"], 0.06),
    ("商贸", "餐饮", ["餐饮管理", "酒店"], 0.05),
]
SOURCES = [("执法检查", 35), ("双随机", 15), ("暗访", 8), ("企业自查", 25), ("举报", 5), ("专项行动", 12)]
CATEGORIES = [("物", 45), ("管理", 35), ("人", 10), ("环境", 10)]
# places in a plant, each with the problems found there (a description is "<place><problem>"), and how
# often each kind of place is named: 配电 (the two-character search term) in about 2 % of hazards
PLACE_WEIGHTS = [2, 9, 9, 5, 5, 6, 6, 5, 8, 6, 8, 4, 5, 12]
PLACES: list[tuple[list[str], list[str]]] = [
    (["配电室", "低压配电室"], ["配电柜前未铺设绝缘胶垫", "配电箱门未上锁，无警示标识", "电缆沟积水，盖板缺失",
                              "配电柜内堆放杂物"]),
    (["生产车间", "一号车间", "二号车间", "装配车间"], ["电气线路私拉乱接", "安全通道被物料占用",
                                                   "设备防护罩缺失", "作业人员未佩戴劳动防护用品"]),
    (["仓库", "成品仓库", "原料仓库"], ["货物堆垛超高，距灯具不足0.5米", "消防通道堵塞", "照明灯具未采用防爆型",
                                   "物品混存，未分类分区存放"]),
    (["罐区", "储罐区", "甲类罐区"], ["可燃气体检测报警装置失效", "防火堤有孔洞未封堵", "储罐液位计损坏",
                                  "静电接地线断开"]),
    (["锅炉房"], ["安全阀超期未校验", "压力表未定期检定", "司炉工无证上岗"]),
    (["空压机房", "泵房"], ["储气罐安全阀超期未校验", "设备旋转部位无防护罩", "地面油污未清理"]),
    (["粉尘作业区", "抛光打磨车间", "面粉仓"], ["除尘系统未设置泄爆装置", "粉尘清扫制度未落实，积尘严重",
                                          "除尘器未采用防爆电气"]),
    (["有限空间", "污水池", "地下窨井"], ["未设置有限空间警示标识", "作业前未进行气体检测",
                                     "未配备通风及救援设备"]),
    (["办公楼", "员工宿舍", "食堂"], ["疏散指示标志损坏", "灭火器压力不足", "燃气管道未设置泄漏报警装置"]),
    (["叉车作业区", "装卸平台"], ["叉车未定期检验", "装卸平台无防坠落护栏", "作业区域未划定警示线"]),
    (["施工现场", "脚手架", "基坑"], ["脚手架连墙件缺失", "临边洞口未设置防护", "周边堆载超过规定",
                                  "塔吊限位装置失效"]),
    (["加油区", "卸油口"], ["卸油口未设置静电接地报警", "消防沙池缺沙", "加油机未设置紧急切断阀"]),
    (["危险化学品库房", "危废暂存间"], ["危险化学品未设置安全周知卡", "库房通风设施损坏",
                                    "危险化学品出入库登记不全"]),
    (["安全管理台账", "应急预案"], ["未建立隐患排查治理台账", "应急预案未按规定组织演练",
                                "安全教育培训记录不全", "特种作业人员证件过期"]),
]
PROVISIONS = [
    "《中华人民共和国安全生产法》第三十六条第一款", "《中华人民共和国安全生产法》第四十一条第二款",
    "《中华人民共和国安全生产法》第二十八条第一款", "《中华人民共和国安全生产法》第四十二条",
    "《工贸企业粉尘防爆安全规定》第十二条", "《危险化学品安全管理条例》第二十四条",
    "《工贸企业有限空间作业安全规定》第十四条", "《中华人民共和国消防法》第二十八条",
]
REQUIREMENTS = ["立即整改，整改期间采取有效防范措施", "限期整改完毕，并报送整改情况", "停止使用相关设施设备，整改合格后方可恢复"]


# --- rows ---------------------------------------------------------------------------------------------
def _utc(d: date, hour: int = 2, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


def _doc_number(short: str, word: str, year: int, serial: int) -> str:
    return f"（{short}）应急{word}〔{year}〕{serial}号"  # app.documents.numbering.format_number


class World:
    """Regions, departments, users and enterprises as row tuples (ids assigned here), then hazards."""

    def __init__(self, n_hazards: int = N_HAZARDS, seed: int = SEED):
        self.rng = random.Random(seed)
        self.n_hazards = n_hazards
        self.regions: list[tuple] = []  # id, code, name, level, parent_id, path
        self.departments: list[tuple] = []  # id, name, short_name, kind, parent_id, region_id
        self.enterprises: list[tuple] = []
        self.officers: dict[int, list[int]] = {}  # agency id -> officer user ids
        self.users: list[dict] = []
        self.counters: dict[tuple[int, int], int] = {}  # (agency id, year) -> last 责改 serial
        self.case_counters: dict[tuple[int, int], int] = {}
        self._build_org()

    def _region(self, code: str, name: str, level: str, parent: tuple | None) -> tuple:
        row = (len(self.regions) + 1, code, name, level, parent[0] if parent else None,
               (parent[5] if parent else "/") + code + "/")
        self.regions.append(row)
        return row

    def _department(self, name: str, short: str | None, kind: str, parent_id: int | None, region: tuple) -> int:
        did = len(self.departments) + 1
        self.departments.append((did, name, short, kind, parent_id, region[0]))
        return did

    def _build_org(self) -> None:
        rng = self.rng
        province = self._region(*PROVINCE, "province", None)
        city = self._region(*CITY, "city", province)
        self.city_bureau = self._department("宿州市应急管理局", "宿", "局", None, city)
        self.county_of_agency: dict[int, tuple] = {}
        places: list[tuple[tuple, tuple, int, str]] = []  # (region, town, agency, county name) enterprises sit in
        place_weights: list[float] = []
        self.towns: dict[str, tuple] = {}
        for code, name, short, share, town_names in COUNTIES:
            county = self._region(code, name, "county", city)
            agency = self._department(f"{name}应急管理局", short, "局", None, county)
            self.county_of_agency[agency] = county
            n_streets = sum(t.endswith("街道") for t in town_names)
            for ti, tname in enumerate(town_names):
                tcode = code + (f"{ti + 1:03d}" if ti < n_streets else f"{100 + ti - n_streets:03d}")
                town = self._region(tcode, tname, "town", county)
                self.towns[tname] = town
                stems = rng.sample(VILLAGE_STEMS, 3)
                vills = [self._region(tcode + f"{201 + vi:03d}", stem + ("社区" if tname.endswith("街道") else "村"),
                                      "village", town) for vi, stem in enumerate(stems)]
                tw = rng.uniform(0.5, 1.5) * share
                for r in (town, *vills):
                    places.append((r, town, agency, name))
                    place_weights.append(tw / 4)
        self.xiao_agency = next(a for a, c in self.county_of_agency.items() if c[1] == "341322")
        self.town_station = self._department("龙城镇安监站", None, "站", self.xiao_agency, self.towns["龙城镇"])
        # officers: 8 per bureau (unusable password), they find, issue, close and refer
        uid = 0
        for agency in [self.city_bureau, *self.county_of_agency]:
            ids = []
            for i in range(8):
                uid += 1
                self.users.append({"id": uid, "username": f"officer_{agency}_{i + 1}",
                                   "name": _person(rng), "department_id": agency, "cert_no": f"34{agency:02d}{i:04d}",
                                   "roles": ["officer"], "password": None})
                ids.append(uid)
            self.officers[agency] = ids
        # enterprises
        cum_places = _cumulative(place_weights)
        cum_business = _cumulative([b[3] for b in BUSINESS])
        names: set[str] = set()
        self.ent_weight: list[float] = []
        self.ent_agency: list[int] = []
        self.ent_path: list[str] = []
        for i in range(max(60, self.n_hazards * 15 // 1000)):
            region, town, agency, county_name = places[bisect.bisect(cum_places, rng.random() * cum_places[-1])]
            industry, sub, words, _ = BUSINESS[bisect.bisect(cum_business, rng.random() * cum_business[-1])]
            prefix = "宿州市" if county_name == "埇桥区" else county_name
            for attempt in range(20):
                stem = town[2][:2] if attempt == 0 and rng.random() < 0.3 else rng.choice(BRANDS)
                name = f"{prefix}{stem}{rng.choice(words)}{'经营部' if sub == '零售' else '有限公司'}"
                if name not in names:
                    break
                name = f"{prefix}{stem}{rng.choice(BRANDS)}{rng.choice(words)}{'经营部' if sub == '零售' else '有限公司'}"
                if name not in names:
                    break
            names.add(name)
            risk = rng.choices(["重大", "较大", "一般", "低"], [3, 15, 60, 22])[0]
            category = {"重大": "D", "较大": "C", "一般": "B", "低": "A"}[risk]
            staff = int(rng.lognormvariate(3.5, 1.0)) + 3
            serial = 1_000_000_000_000 + ((i + 1) * 2_654_435_761) % 20_000_000_000_000
            self.enterprises.append((
                i + 1, name, _credit_code(region[1][:6], serial), industry, sub, risk, category, region[0], region[5],
                f"安徽省宿州市{county_name}{town[2]}{rng.choice(['工业园区', '经济开发区', ''])}"
                f"{rng.choice(BRANDS)}路{rng.randint(1, 299)}号",
                _person(rng), _person(rng), _mobile(rng), _person(rng), _mobile(rng), staff,
                "在业" if rng.random() > 0.05 else rng.choice(["停产", "关闭"]),
            ))
            # hazards found per enterprise: skewed (a few plants account for much), more where risk is higher
            self.ent_weight.append(min(rng.paretovariate(1.6), 20.0) * {"重大": 3, "较大": 2, "一般": 1, "低": 0.6}[risk])
            self.ent_agency.append(agency)
            self.ent_path.append(region[5])
        self.cum_ent = _cumulative(self.ent_weight)
        # the four accounts benchmarks log in with
        xiao_path = self.county_of_agency[self.xiao_agency][5]
        top = max((w, i) for i, w in enumerate(self.ent_weight) if self.ent_path[i].startswith(xiao_path))[1]
        self.enterprise_user_ent = top + 1
        for key, role, dept, ent in (("city", "supervisor", self.city_bureau, None),
                                     ("county", "officer", self.xiao_agency, None),
                                     ("town", "officer", self.town_station, None),
                                     ("enterprise", "enterprise_manager", None, top + 1)):
            uid += 1
            self.users.append({"id": uid, "username": USERS[key], "name": _person(rng), "department_id": dept,
                               "enterprise_id": ent, "cert_no": f"3413{uid:04d}" if dept else None,
                               "roles": [role], "password": PASSWORD})

    # --- hazards ------------------------------------------------------------------------------------------
    def orders_and_hazards(self) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
        """Yields (order row, its hazard rows, referral rows), in date order (ids grow with found_on)."""
        rng = self.rng
        n_days = (LAST_DAY - FIRST_DAY).days + 1
        # work grows a little every year, and happens on working days
        day_w = []
        for k in range(n_days):
            d = FIRST_DAY + timedelta(days=k)
            day_w.append((1 + 0.12 * (d.year - 2022)) * (1.0 if d.weekday() < 5 else 0.15))
        cum_days = _cumulative(day_w)
        sizes_cum = _cumulative([30, 25, 20, 15, 10])  # hazards per 指令书: 1–5, 2.5 on average
        sizes: list[int] = []
        total = 0
        while total < self.n_hazards:
            n = min(bisect.bisect(sizes_cum, rng.random() * sizes_cum[-1]) + 1, self.n_hazards - total)
            sizes.append(n)
            total += n
        days = sorted(bisect.bisect(cum_days, rng.random() * cum_days[-1]) for _ in sizes)
        cum_src = _cumulative([w for _, w in SOURCES])
        cum_cat = _cumulative([w for _, w in CATEGORIES])
        cum_places = _cumulative(PLACE_WEIGHTS)
        major_criteria = _major_criteria()
        shorts = {d[0]: d[2] for d in self.departments}
        hid = 0
        rid = 0
        for oid, (k, n) in enumerate(zip(days, sizes, strict=True), start=1):
            found = FIRST_DAY + timedelta(days=k)
            e = bisect.bisect(self.cum_ent, rng.random() * self.cum_ent[-1])
            ent_id, path = e + 1, self.ent_path[e]
            source = SOURCES[bisect.bisect(cum_src, rng.random() * cum_src[-1])][0]
            agency = self.ent_agency[e]
            if source in ("双随机", "专项行动") and rng.random() < 0.15:
                agency = self.city_bureau
            officer, co = rng.sample(self.officers[agency], 2)
            created = _utc(found, rng.randint(0, 8), rng.randint(0, 59))
            draft = found >= AS_OF - timedelta(days=2) and rng.random() < 0.15
            if draft:
                doc_number = record_no = issued_at = issued_by = None
                order_status = "draft"
            else:
                key = (agency, found.year)
                self.counters[key] = serial = self.counters.get(key, 0) + 1
                doc_number = _doc_number(shorts[agency], "责改", found.year, serial)
                record_no = _doc_number(shorts[agency], "检记", found.year, serial)
                issued_at = created + timedelta(minutes=rng.randint(20, 180))
                issued_by, order_status = officer, "issued"
            order = (oid, ent_id, path, agency, officer, co, source, found, record_no,
                     "整改期间，你单位应当采取有效的安全防范措施，确保安全。", order_status, doc_number, None,
                     issued_at, issued_by, created, issued_at or created)
            hazards, referrals = [], []
            for seq in range(1, n + 1):
                hid += 1
                row, referral = self._hazard(hid, oid, seq, ent_id, path, source, found, officer, agency, created,
                                             doc_number, draft, cum_cat, cum_places, major_criteria,
                                             shorts)
                hazards.append(row)
                if referral:
                    rid += 1
                    referrals.append((rid, *referral))
            yield order, hazards, referrals

    def _hazard(self, hid, oid, seq, ent_id, path, source, found, officer, agency, created, doc_number, draft,
                cum_cat, cum_places, major_criteria, shorts):
        rng = self.rng
        places, problems = PLACES[bisect.bisect(cum_places, rng.random() * cum_places[-1])]
        location = rng.choice(places)
        problem = rng.choice(problems)
        description = f"{location}{problem}" + rng.choice(["", "", "，存在较大安全风险", "，企业未及时发现",
                                                           "，现场已责令采取临时管控措施"])
        category = CATEGORIES[bisect.bisect(cum_cat, rng.random() * cum_cat[-1])][0]
        major = rng.random() < 0.02
        crit_code = crit_cite = crit_text = None
        if major:
            c = rng.choice(major_criteria)
            crit_code, crit_cite, crit_text = c.code, c.citation, c.text
            period = rng.choice([60, 90, 120, 180])
        else:
            period = rng.choice([3, 7, 7, 10, 15, 15, 30])
        original = found + timedelta(days=period)
        extensions = 1 if rng.random() < 0.05 else 0
        deadline = original + timedelta(days=(60 if major else rng.choice([15, 30])) * extensions)
        status, completed, closed, closed_by, referred = "待签发", None, None, None, None
        overdue, overdue_at, failed = False, None, 0
        referral = None
        if not draft:
            # fate < never: never fixed, open (overdue) until today — a backlog that grows in recent years;
            # never <= fate < never + 1 %: 复查 twice unqualified, then 移送立案; otherwise fixed and closed
            never = 0.002 + 0.004 * (found.year - 2022)
            fate = rng.random()
            late = rng.random() < 0.08
            if fate < never:
                completed_plan = None
            elif late:
                completed_plan = deadline + timedelta(days=rng.randint(1, 60))
            else:
                span = (deadline - found).days
                completed_plan = found + timedelta(days=rng.randint(max(1, span // 3), max(1, span)))
            if never <= fate < never + 0.01:
                failed = 2
                referred_plan = deadline + timedelta(days=rng.randint(15, 60))
                if referred_plan < AS_OF:
                    status, referred = "已移送立案", referred_plan
                    if late:
                        overdue_at = _utc(deadline, 16, 5)
                    referral = self._referral(hid, ent_id, path, location, problem, deadline, doc_number, officer,
                                              agency, referred, shorts)
            if status == "待签发" and completed_plan is not None and fate >= never + 0.01:
                review = completed_plan + timedelta(days=rng.randint(0, 12))
                if review < AS_OF:
                    status, completed, closed, closed_by = "已销号", completed_plan, review, officer
                    if late:
                        overdue_at = _utc(deadline, 16, 5)
                        failed = rng.choice([0, 0, 1])
            if status == "待签发":  # open on AS_OF
                overdue = deadline < AS_OF and (completed_plan is None or completed_plan > deadline
                                                or completed_plan >= AS_OF)
                if completed_plan is not None and completed_plan < AS_OF and not failed:
                    completed = completed_plan
                if overdue:
                    overdue_at = _utc(deadline, 16, 5)
                age = (AS_OF - found).days
                if major:
                    status = ("待督办决定" if age < 5 else "待报治理方案" if age < 15
                              else "待验收" if completed else "治理中")
                elif completed:
                    status = "待复查"
                elif not overdue and rng.random() < 0.08:
                    status = "延期审批中"
                else:
                    status = "整改中"
        last = closed or referred or completed
        updated = _utc(last, 3) if last else (overdue_at or created)
        return (hid, f"YH{found.year}{hid:06d}", oid, seq, ent_id, path, source, found, officer, location,
                description, category, "重大" if major else "一般", crit_code, crit_cite, crit_text,
                rng.choice(PROVISIONS), rng.choice(REQUIREMENTS), original, deadline, status, overdue, overdue_at,
                failed, False, extensions, ("停产停业" if major and rng.random() < 0.3 else None) if major else None,
                completed, closed, closed_by, referred, found.year, None, created, max(updated, created)), referral

    def _referral(self, hid, ent_id, path, location, problem, deadline, doc_number, officer, agency, referred, shorts):
        rng = self.rng
        at = _utc(referred, 3, rng.randint(0, 59))
        status, case_number, answer, answered_at, answered_by = "待立案", None, None, None, None
        if referred < AS_OF - timedelta(days=20):
            answered_at, answered_by = at + timedelta(days=rng.randint(3, 15)), officer
            if rng.random() < 0.92:
                key = (agency, referred.year)
                self.case_counters[key] = n = self.case_counters.get(key, 0) + 1
                status, case_number = "已立案", _doc_number(shorts[agency], "罚立", referred.year, n)
            else:
                status, answer = "不予立案", "经审查，违法事实不清，证据不足，不予立案。"
        facts = (f"该单位{location}{problem}，经{doc_number}责令于{deadline.isoformat()}前整改，"
                 f"经两次复查仍不合格。")
        evidence = f"责令限期整改指令书 {doc_number}；整改复查意见书两份；现场照片"
        return (hid, ent_id, path, facts, evidence, "《中华人民共和国安全生产法》第一百零二条", officer, at, status,
                case_number, answer, answered_at, answered_by, at, answered_at or at)


def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建国", "海燕", "志强", "晓东", "文华", "玉兰", "国庆", "春梅"]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _credit_code(region6: str, serial: int) -> str:
    from app.org.credit_code import make_credit_code

    return make_credit_code(region6, serial)


def _major_criteria():
    from app.hazards import criteria

    return criteria.all_criteria()


# --- columns of each table, in the order of the row tuples --------------------------------------------
COLUMNS = {
    "regions": ["id", "code", "name", "level", "parent_id", "path"],
    "departments": ["id", "name", "short_name", "kind", "parent_id", "region_id", "is_active", "created_at",
                    "updated_at"],
    "enterprises": ["id", "name", "credit_code", "industry", "sub_sector", "risk_grade", "category", "region_id",
                    "region_path", "address", "legal_rep", "main_person", "main_person_phone", "safety_manager",
                    "phone", "staff_count", "status", "created_at", "updated_at"],
    "rectification_orders": ["id", "enterprise_id", "region_path", "agency_id", "created_by_id", "co_officer_id",
                             "source", "inspected_on", "inspection_record_no", "interim_measures", "status",
                             "doc_number", "document_id", "issued_at", "issued_by_id", "created_at", "updated_at"],
    "hazards": ["id", "code", "order_id", "seq", "enterprise_id", "region_path", "source", "found_on",
                "found_by_id", "location", "description", "category", "level", "criterion_code",
                "criterion_citation", "criterion_text", "provision", "requirement", "original_deadline", "deadline",
                "status", "is_overdue", "overdue_at", "failed_rounds", "exception_granted", "extension_count",
                "suspension_scope", "completed_on", "closed_on", "closed_by_id", "referred_on", "discovered_year",
                "remarks", "created_at", "updated_at"],
    "penalty_referrals": ["id", "hazard_id", "enterprise_id", "region_path", "facts", "evidence", "provisions",
                          "referred_by_id", "referred_at", "status", "case_number", "answer", "answered_at",
                          "answered_by_id", "created_at", "updated_at"],
    "document_counters": ["id", "agency_id", "year", "code_word", "last_serial"],
}
BULK = ("rectification_orders", "hazards", "penalty_referrals")


def _sqlite_value(v):
    """What SQLAlchemy stores on SQLite: dates ISO, datetimes naive UTC with microseconds, booleans 0/1."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


class Loader:
    """Writes row tuples: executemany in large batches on SQLite, COPY on PostgreSQL (FK triggers off while
    loading: the rows are consistent by construction, and each COPY would otherwise check every key)."""

    def __init__(self, raw, dialect: str):
        self.raw, self.dialect = raw, dialect
        self.counts: dict[str, int] = {}
        self.cur = raw.cursor()
        if dialect == "sqlite":
            for pragma in ("foreign_keys=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY"):
                self.cur.execute(f"PRAGMA {pragma}")
        else:
            self.cur.execute("SET session_replication_role = replica")

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = COLUMNS[table]
        if self.dialect == "sqlite":
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self.cur.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])
        else:
            with self.cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        self.counts[table] = self.counts.get(table, 0) + len(rows)

    def commit(self) -> None:
        self.raw.commit()


# --- building ----------------------------------------------------------------------------------------
def _app(url: str):
    from app import create_app
    from app.config import TestConfig

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "UPLOAD_DIR": str(OUT / "uploads"), "WORKFLOW_INCLUDE_TEST_FILES": True,
                       "EXTRA_WORKFLOW_DIRS": TestConfig.EXTRA_WORKFLOW_DIRS,
                       "EXTRA_FORMS_DIRS": TestConfig.EXTRA_FORMS_DIRS})


def _timed(label: str, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    took = time.perf_counter() - t0
    print(f"  {label:<44} {took:8.1f} s", flush=True)
    return took


def _secondary_indexes(conn, dialect: str, table: str) -> list[tuple[str, str]]:
    if dialect == "sqlite":
        return list(conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,)))
    return list(conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %(t)s AND schemaname = current_schema() "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)", {"t": table}))


def _build(url: str) -> None:
    """Schema at BASE_REVISION, the rows, indexes, ANALYZE, later migrations, derived tables, the version."""
    from flask_migrate import upgrade
    from sqlalchemy import MetaData, Table, text

    from app.auth.models import User
    from app.extensions import db

    started = time.perf_counter()
    app = _app(url)
    with app.app_context():
        dialect = db.engine.dialect.name
        print(f"生成 {N_HAZARDS:,} 条隐患数据 → {url}", flush=True)
        _timed(f"schema (migrations to {BASE_REVISION})", lambda: upgrade(str(MIGRATIONS), BASE_REVISION))
        world = World()
        with db.engine.begin() as conn:
            dropped = {t: _secondary_indexes(conn, dialect, t) for t in BULK}
            for rows in dropped.values():
                for name, _ in rows:
                    conn.exec_driver_sql(f"DROP INDEX {name}")
        raw = db.engine.raw_connection()
        try:
            load = Loader(raw.driver_connection, dialect)
            now = _utc(AS_OF)
            t0 = time.perf_counter()
            load.write("regions", world.regions)
            load.write("departments", [(*d, True, now, now) for d in world.departments])
            load.write("enterprises", [(*e, now, now) for e in world.enterprises])
            load.commit()
            # users with the app's own hashing and role rows (few); ids as assigned by the world. Written into
            # the tables as BASE_REVISION has them (reflected): the model's later columns (cert_issued_on, …)
            # come with the later migrations
            users_t, roles_t = (Table(t, MetaData(), autoload_with=db.engine) for t in ("users", "user_roles"))
            users, roles = [], []
            for u in world.users:
                user = User()
                if u["password"]:
                    user.set_password(u["password"])
                row = {"id": u["id"], "username": u["username"], "name": u["name"], "cert_no": u["cert_no"],
                       "password_hash": user.password_hash if u["password"] else "!unusable",
                       "department_id": u["department_id"], "enterprise_id": u.get("enterprise_id"),
                       "is_active": True, "session_version": 1, "created_at": now, "updated_at": now}
                users.append({k: v for k, v in row.items() if k in users_t.c})
                roles += [{"user_id": u["id"], "role": str(r)} for r in sorted(set(u["roles"]))]
            with db.engine.begin() as conn:
                conn.execute(users_t.insert(), users)
                conn.execute(roles_t.insert(), roles)
            orders, hazards, referrals = [], [], []
            for order, hs, rs in world.orders_and_hazards():
                orders.append(order)
                hazards.extend(hs)
                referrals.extend(rs)
                if len(hazards) >= 50_000:
                    load.write("rectification_orders", orders)
                    load.write("hazards", hazards)
                    load.write("penalty_referrals", referrals)
                    orders, hazards, referrals = [], [], []
                    print(f"    {load.counts['hazards']:>9,} hazards  {time.perf_counter() - t0:6.1f} s", flush=True)
            load.write("rectification_orders", orders)
            load.write("hazards", hazards)
            load.write("penalty_referrals", referrals)
            counters = [(agency, year, "责改", last) for (agency, year), last in sorted(world.counters.items())]
            counters += [(agency, year, "罚立", last) for (agency, year), last in sorted(world.case_counters.items())]
            load.write("document_counters", [(i, *c) for i, c in enumerate(counters, start=1)])
            load.commit()
            print(f"  {'rows (generate + load)':<44} {time.perf_counter() - t0:8.1f} s   "
                  + ", ".join(f"{t} {n:,}" for t, n in load.counts.items()), flush=True)
        finally:
            raw.close()
        with db.engine.begin() as conn:
            for rows in dropped.values():
                for name, sql in rows:
                    _timed(f"index {name}", lambda sql=sql: conn.exec_driver_sql(sql))
            if dialect == "postgresql":  # ids were given explicitly: move the sequences past them
                for table in ("regions", "departments", "enterprises", "users", "user_roles", *BULK,
                              "document_counters"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        _timed("ANALYZE", lambda: _analyze(db.engine, dialect))
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE bench_scale_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))")
            conn.execute(text("INSERT INTO bench_scale_meta VALUES ('data_version', :v), ('n_hazards', :n), "
                              "('built_at', :b)"), {"v": DATA_VERSION, "n": str(N_HAZARDS),
                                                    "b": datetime.now(UTC).isoformat(timespec="seconds")})
        db.session.remove()
        db.engine.dispose()
    upgrade_timed(url, committed_only=True)
    rebuild_derived(url)
    print(f"  {'total':<44} {time.perf_counter() - started:8.1f} s", flush=True)


def _analyze(engine, dialect: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # what git names the file's content


def committed_revisions() -> dict[str, str] | None:
    """{revision: git blob sha} of the migrations committed in HEAD and unchanged in the working tree (None
    when git is not available). HEAD is read, not the index: helpers commit through private indexes."""
    try:
        listing = subprocess.run(["git", "ls-tree", "-r", "HEAD", "migrations/versions"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None
    from alembic.script import ScriptDirectory

    head_sha = {}
    for line in listing:
        meta, _, path = line.partition("\t")
        head_sha[path] = meta.split()[2]
    out = {}
    for r in ScriptDirectory(str(MIGRATIONS)).walk_revisions():
        rel = str(Path(r.path).resolve().relative_to(ROOT)) if r.path else ""
        if rel in head_sha and _blob_sha(Path(r.path).read_bytes()) == head_sha[rel]:
            out[r.revision] = head_sha[rel]
    return out


def _applied_shas(conn) -> dict[str, str]:
    from sqlalchemy import text

    rows = conn.execute(text("SELECT key, value FROM bench_scale_meta WHERE key LIKE 'migration:%'"))
    return {k.split(":", 1)[1]: v for k, v in rows}


def _record_shas(conn, shas: dict[str, str]) -> None:
    from sqlalchemy import text

    for rev, sha in shas.items():
        conn.execute(text("DELETE FROM bench_scale_meta WHERE key = :k"), {"k": f"migration:{rev}"})
        conn.execute(text("INSERT INTO bench_scale_meta VALUES (:k, :v)"), {"k": f"migration:{rev}", "v": sha})


def upgrade_timed(url: str, *, committed_only: bool = False) -> dict[str, float]:
    """Apply the migrations the database lacks one at a time, printing how long each took. With
    `committed_only` (the shared cache): stop before the first migration not committed in git, and first
    undo any applied migration whose committed file changed since it ran (then run it again, timed), so the
    cache never keeps the schema of a superseded draft."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade

    from app.extensions import db

    script = ScriptDirectory(str(MIGRATIONS))
    allowed = committed_revisions() if committed_only else None
    took: dict[str, float] = {}
    app = _app(url)
    with app.app_context():
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if allowed is not None:
            with db.engine.begin() as conn:
                recorded = _applied_shas(conn)
                applied = [r.revision for r in script.iterate_revisions(current, "base")]
                _record_shas(conn, {r: allowed[r] for r in applied if r not in recorded and r in allowed})
                stale = [r for r in applied if r in recorded and allowed.get(r, recorded[r]) != recorded[r]]
            if stale:
                lowest = script.get_revision(stale[-1])
                print(f"  迁移 {', '.join(stale)} 的文件已更新：先降级到 {lowest.down_revision} 再重新升级", flush=True)
                _timed(f"downgrade to {lowest.down_revision}", lambda: downgrade(str(MIGRATIONS), lowest.down_revision))
                current = lowest.down_revision
        pending = list(reversed(list(script.iterate_revisions("heads", current))))
        for rev in pending:
            if allowed is not None and rev.revision not in allowed:
                print(f"  迁移 {rev.revision} 尚未提交（或有未提交的修改），共享数据集暂不升级"
                      f"（在副本上用 upgrade_timed 试）", flush=True)
                break
            took[rev.revision] = _timed(f"migration {rev.revision}", lambda r=rev.revision: upgrade(str(MIGRATIONS), r))
            if allowed is not None:
                with db.engine.begin() as conn:
                    _record_shas(conn, {rev.revision: allowed[rev.revision]})
        db.engine.dispose()
    return took


def rebuild_derived(url: str) -> None:
    """Run the repair commands of the derived tables (search index, dashboard summary) when they exist."""
    from app.hazards.cli import hazards_cli

    app = _app(url)
    runner = app.test_cli_runner()
    for command in ("search-rebuild", "summary-rebuild"):
        if command not in hazards_cli.commands:
            print(f"  flask hazards {command}: 命令尚不存在，跳过", flush=True)
            continue
        t0 = time.perf_counter()
        result = runner.invoke(args=["hazards", command])
        took = time.perf_counter() - t0
        status = "ok" if result.exit_code == 0 else (
            f"失败 (exit {result.exit_code}: {result.output.strip()[-200:]} {result.exception!r:.200})")
        print(f"  {'flask hazards ' + command:<44} {took:8.1f} s   {status}", flush=True)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


# --- cache -------------------------------------------------------------------------------------------
def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def _version(url: str) -> str | None:
    """The data set's DATA_VERSION, or None when the database is missing or incomplete."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split("///", 1)[1]
        if not Path(path).exists():
            return None
        con = sqlite3.connect(path)
        try:
            return con.execute("SELECT value FROM bench_scale_meta WHERE key = 'data_version'").fetchone()[0]
        except (sqlite3.Error, TypeError):
            return None
        finally:
            con.close()
    import psycopg

    name = url.rsplit("/", 1)[1]
    with _pg_admin() as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            return None
    with psycopg.connect(url) as con:
        try:
            row = con.execute("SELECT value FROM bench_scale_meta WHERE key = 'data_version'").fetchone()
        except psycopg.Error:
            return None
    return row[0] if row else None


def size(url: str) -> str:
    if url.startswith("sqlite"):
        return f"{Path(url.split('///', 1)[1]).stat().st_size / 2**20:,.0f} MB"
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]


def ensure(url: str | None = None) -> str:
    """The URL of the ready data set (SQLite by default, or the PostgreSQL one when `url` names the
    PostgreSQL server), generated when missing or outdated, else upgraded to the committed migrations."""
    pg = bool(url) and url.startswith("postgresql")
    target = PG_URL if pg else f"sqlite:///{SQLITE_PATH}"
    OUT.mkdir(exist_ok=True)
    with open(OUT / f"scale_data{_SUFFIX}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; the others wait and find it ready
        if _version(target) == DATA_VERSION:
            upgrade_timed(target, committed_only=True)
            return target
        if pg:
            build_name = f"{PG_NAME}_build"
            with _pg_admin() as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {build_name} WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {build_name}")
            _build(f"{PG_SERVER}/{build_name}")
            with _pg_admin() as admin:  # swap in the finished database
                admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
                admin.execute(f"ALTER DATABASE {build_name} RENAME TO {PG_NAME}")
        else:
            tmp = SQLITE_PATH.with_suffix(".building.db")
            for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                p.unlink(missing_ok=True)
            _build(f"sqlite:///{tmp}")
            for p in (Path(f"{SQLITE_PATH}-wal"), Path(f"{SQLITE_PATH}-shm")):
                p.unlink(missing_ok=True)
            os.replace(tmp, SQLITE_PATH)  # readers never see a half-built file
        print(f"  大小 {size(target)}", flush=True)
        return target


def copy_of(name: str, url: str | None = None) -> str:
    """A private, writable copy of the ready data set (bench/out/<name>.db, or PostgreSQL database <name>)."""
    source = ensure(url)
    if source.startswith("sqlite"):
        path = OUT / f"{name}.db"
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        shutil.copyfile(SQLITE_PATH, path)
        return f"sqlite:///{path}"
    import psycopg

    with _pg_admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for attempt in range(120):  # a template must have no other session: wait for readers to finish
            try:
                admin.execute(f"CREATE DATABASE {name} TEMPLATE {PG_NAME}")
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 119:
                    raise
                time.sleep(5)
    return f"{PG_SERVER}/{name}"


def describe(url: str) -> None:
    """The mix the benchmarks run on: statuses, overdue, 重大, and how often 配电 and 化工 match."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM hazards")).scalar_one()
        figures = {
            "open": f"status IN ({', '.join(repr(s) for s in _open_statuses())})",
            "currently overdue": "is_overdue",
            "ever overdue": "overdue_at IS NOT NULL",
            "已销号": "status = '已销号'",
            "已移送立案": "status = '已移送立案'",
            "待签发 (draft)": "status = '待签发'",
            "重大": "level = '重大'",
            "配电 in location/description": "location LIKE '%配电%' OR description LIKE '%配电%'",
            "萧县 scope": "region_path LIKE '/340000/341300/341322/%'",
        }
        parts = []
        for label, cond in figures.items():
            n = conn.execute(text(f"SELECT count(*) FROM hazards WHERE {cond}")).scalar_one()
            parts.append(f"{label} {n:,} ({100 * n / max(total, 1):.2f} %)")
        n = conn.execute(text("SELECT count(*) FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id "
                              "WHERE e.name LIKE '%化工%'")).scalar_one()
        parts.append(f"enterprise name 化工 {n:,} ({100 * n / max(total, 1):.2f} %)")
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("regions", "enterprises", "users", "rectification_orders", "penalty_referrals")}
    engine.dispose()
    print(f"  {url}: {total:,} hazards; " + "; ".join(parts))
    print("  " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))


def _open_statuses() -> list[str]:
    from app.hazards.models import OPEN_STATUSES

    return [str(s) for s in OPEN_STATUSES]


def main() -> None:
    urls = [ensure()]
    if os.environ.get("BENCH_DATABASE_URL", "").startswith("postgresql"):
        urls.append(ensure(os.environ["BENCH_DATABASE_URL"]))
    for u in urls:
        describe(u)
        print(f"ready: {u}  ({size(u)})")


if __name__ == "__main__":
    main()
