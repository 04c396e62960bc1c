"""The hazard loop as a browser user posts it, over real HTTP (bench/server.py), one function per step.

    app, world = build_world("journey", clients=1)        # fresh database: county, bureau, users, enterprises
    with Server(app.config["SQLALCHEMY_DATABASE_URI"]) as server:
        officer, manager, leader = (world.login(server, who) for who in ("officer1", "manager1", "leader"))
        h = register(officer, world)                          # POST /hazards/new, multipart with a photo
        r = issue(officer, world, h.order_id)                 # 责令限期整改指令书
        r = rectify(manager, task_form(manager, h.id, "submit_rectification"))   # 整改 with a photo
        r = review(officer, world, task_form(officer, h.id, "review_rectification"))  # 复查 pass → 销号

Each step posts exactly the fields the page's form posts (forms/*.json; the pages of app/hazards/routes.py,
as tests/browser/test_hazard_journey.py fills them) with the CSRF token of the page, and returns the
server's Response: status, the app's own time (`server_ms`) and statement count (`sql`) from Server-Timing,
and the client's elapsed time. A step that the app refuses raises StepFailed with the page's text.

Task ids come from the page a user opens before acting: the hazard's page (`task_form`) holds the form of
each task the user may act on, its action `/hazards/<id>/tasks/<task id>`. `register` follows its
redirect to the draft 指令书 page, as the browser does, to learn the hazard and order ids.

`python bench/hazard_journey.py` walks every step once on bench/out/journey.db (or BENCH_DATABASE_URL) and
prints the figures of each.
"""

from __future__ import annotations

import itertools
import re
import struct
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import Client, Response, Server  # noqa: E402

PASSWORD = "Bench@2026journey"
MAJOR_CRITERION = "GM2023-11-3"  # 铝粉干式除尘系统未设置泄爆… (app/hazards/criteria)
FORM = re.compile(r'<form method="post" action="([^"]+)" class="safeloop-form" novalidate data-form="([a-z_]+)"')
_photo_serial = itertools.count(1)


class StepFailed(RuntimeError):
    def __init__(self, step: str, r: Response):
        super().__init__(f"{step}: HTTP {r.status} {r.location or ''}\n{_main_text(r.text)[:1500]}")
        self.response = r


def _main_text(html: str) -> str:
    main = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def _expect_redirect(step: str, r: Response) -> Response:
    if r.status != 302:
        raise StepFailed(step, r)
    return r


# --- a photo ---------------------------------------------------------------------------------------


def jpeg(width: int = 64, height: int = 48) -> bytes:
    """A valid baseline JPEG of a uniform grey picture, different bytes on every call (a COM segment with
    a serial: the attachment store keeps files by content, so equal photos would be stored once).
    Huffman tables with one code each: DC difference 0 and end-of-block, so each 8×8 block is two bits."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    blocks = -(-width // 8) * -(-height // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)  # pad the last byte with 1-bits, as the standard says
    scan = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xff", b"\xff\x00")
    one_code = bytes([1] + [0] * 15)  # one code of length 1
    return b"".join([
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xFE, f"SafeLoop bench photo {next(_photo_serial)}".encode()),
        segment(0xDB, b"\x00" + bytes([1] * 64)),
        segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
        segment(0xC4, b"\x00" + one_code + b"\x00" + b"\x10" + one_code + b"\x00"),
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        scan,
        b"\xff\xd9",
    ])


def photo(name: str = "现场.jpg") -> tuple[str, bytes, str]:
    return (name, jpeg(), "image/jpeg")


# --- the world -------------------------------------------------------------------------------------


@dataclass
class World:
    """Who is who in the benchmark database. Client k (1-based) works as officer<k> with enterprise
    ent[k-1] and its manager manager<k>, so concurrent clients never share a draft 指令书."""

    enterprise_ids: list[int]
    user_ids: dict[str, int] = field(default_factory=dict)
    password: str = PASSWORD

    def enterprise_of(self, k: int) -> int:
        return self.enterprise_ids[k - 1]

    def co_officer_of(self, officer: str) -> int:
        """The second signature: the officer's partner (officer0 signs with officer1 and so on)."""
        return self.user_ids["officer0"] if officer != "officer0" else self.user_ids["officer1"]

    def login(self, server: Server, username: str) -> Client:
        c = server.client()
        c.login(username, self.password)
        c.username = username  # type: ignore[attr-defined]
        return c


def build_world(name: str = "journey", clients: int = 1):
    """A fresh database (bench.common.bench_app: bench/out/<name>.db or BENCH_DATABASE_URL) holding one
    county with a town, its 应急管理局 (officer0 … officer<clients>, a leader, a section head, a
    supervisor) and `clients` enterprises with a safety manager each (manager1 …). Returns (app, World)."""
    from app.auth.models import User
    from app.auth.roles import Role
    from app.extensions import db
    from app.org.credit_code import make_credit_code
    from app.org.models import Department, Enterprise, Region
    from bench.common import bench_app
    from bench.server import AUDIT_KEY

    app = bench_app(name)
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the server's key: one audit chain for setup and requests
    with app.app_context():
        county = Region(code="341322", name="萧县", level="county", path="/341322/")
        town = Region(code="341322100", name="龙城镇", level="town", parent=county, path="/341322/341322100/")
        db.session.add_all([county, town])
        db.session.flush()
        bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
        db.session.add(bureau)
        ents = []
        for k in range(1, clients + 1):
            ent = Enterprise(name=f"萧县龙城第{k}机械制造有限公司", credit_code=make_credit_code("341322", k),
                             industry="工贸")
            ent.set_region(town)
            ents.append(ent)
        db.session.add_all(ents)
        db.session.flush()
        people: list[tuple[str, Role, dict]] = [(f"officer{k}", Role.OFFICER, {}) for k in range(clients + 1)]
        people += [("leader", Role.LEADER, {}), ("section_head", Role.SECTION_HEAD, {}),
                   ("supervisor", Role.SUPERVISOR, {})]
        people += [(f"manager{k}", Role.ENTERPRISE, {"enterprise": ents[k - 1]}) for k in range(1, clients + 1)]
        users = []
        for i, (username, role, place) in enumerate(people, start=1):
            user = User(username=username, name=username,
                        **(place or {"department": bureau, "cert_no": f"3413{i:04d}"}))
            user.set_password(PASSWORD)
            user.set_roles([role])
            users.append(user)
        db.session.add_all(users)
        db.session.commit()
        world = World([e.id for e in ents], {u.username: u.id for u in users})
    return app, world


# --- the steps -------------------------------------------------------------------------------------


@dataclass
class Registered:
    response: Response  # the POST /hazards/new
    hazard_id: int
    order_id: int


def _today() -> date:
    from app import clock

    return clock.today()


def register(officer: Client, world: World, *, k: int = 1, major: bool = False, photos: int = 1,
             location: str = "一号车间配电箱") -> Registered:
    """登记隐患 (POST /hazards/new, multipart with `photos` photos), then the draft 指令书 page it leads to."""
    today = _today()
    form = {
        "enterprise_id": world.enterprise_of(k), "source": "执法检查", "found_on": today.isoformat(),
        "location": location, "description": "配电箱门缺失，带电部位外露",
        "category": "物", "level": "重大" if major else "一般",
        "provision": "《中华人民共和国安全生产法》第三十六条", "requirement": "立即整改",
        "deadline": (today + timedelta(days=30 if major else 10)).isoformat(),
    }
    if major:
        form["criterion_code"] = MAJOR_CRITERION
    r = _expect_redirect("登记隐患", officer.post("/hazards/new", form,
                                                 files={"photos": [photo() for _ in range(photos)]}))
    m = re.match(r"/hazards/orders/(\d+)$", r.location or "")
    if not m:
        raise StepFailed("登记隐患", r)
    page = officer.get(r.location or "")
    # a draft's items: their 删除 forms (issued orders link to the hazard pages instead)
    hazard_ids = [int(x) for x in re.findall(r'"/hazards/(\d+)(?:/remove)?"', page.text)]
    if not hazard_ids:
        raise StepFailed("指令书页面", page)
    return Registered(r, max(hazard_ids), int(m.group(1)))  # the newest item of the draft order


def issue(officer: Client, world: World, order_id: int) -> Response:
    """签发责令限期整改指令书 (POST /hazards/orders/<id>/issue) with the co-signing officer."""
    me = getattr(officer, "username", "officer1")
    return _expect_redirect("签发指令书", officer.post(f"/hazards/orders/{order_id}/issue", {
        "co_officer_id": world.co_officer_of(me), "inspection_record_no": "", "interim_measures": "设置警示标识，专人看护",
    }))


def task_form(client: Client, hazard_id: int, form_name: str) -> str:
    """Open the hazard's page and return the action of the task form `form_name` on it (404 → StepFailed)."""
    page = client.get(f"/hazards/{hazard_id}")
    for action, name in FORM.findall(page.text):
        if name == form_name:
            return action.replace("&amp;", "&")
    raise StepFailed(f"隐患页面上没有“{form_name}”表单", page)


def rectify(manager: Client, action: str, *, photos: int = 1) -> Response:
    """企业整改并报告 with `photos` after-photos (the detail page's submit_rectification form)."""
    today = _today().isoformat()
    return _expect_redirect("企业整改", manager.post(action, {
        "action": "rectified", "responsible_dept": "设备科", "responsible_person": "李安全",
        "measures": "更换配电箱门，加装锁具", "funds": "0.5", "planned_date": today, "completed_on": today,
        "emergency_measures": "设置警示标识，专人看护", "remarks": "",
    }, files={"after_photos": [photo("整改后.jpg") for _ in range(photos)]}))


def request_extension(manager: Client, action: str, days: int = 20) -> Response:
    """申请延期 (the same submit_rectification form, action=extension)."""
    return _expect_redirect("申请延期", manager.post(action, {
        "action": "extension", "ext_reason": "防爆配电箱需定制，到货周期长",
        "ext_deadline": (_today() + timedelta(days=days)).isoformat(), "ext_interim_measures": "断电隔离，专人看护",
    }))


def decide_extension(officer: Client, action: str, approved: bool = True, days: int = 15) -> Response:
    """审批延期申请 (review_extension)."""
    form = {"approved": "yes" if approved else "no", "opinion": "同意延期" if approved else "不予批准"}
    if approved:
        form["approved_deadline"] = (_today() + timedelta(days=days)).isoformat()
    return _expect_redirect("审批延期", officer.post(action, form))


def review(officer: Client, world: World, action: str, passed: bool = True) -> Response:
    """现场复查 (review_rectification): pass → 销号, or fail → a new deadline."""
    me = getattr(officer, "username", "officer1")
    form = {
        "reviewed_on": _today().isoformat(), "co_reviewer_id": world.co_officer_of(me),
        "result": "已整改" if passed else "整改不合格", "opinion": "整改到位，同意销号" if passed else "整改不到位",
        "decision": "close" if passed else "return",
    }
    if not passed:
        form["new_deadline"] = (_today() + timedelta(days=5)).isoformat()
    return _expect_redirect("复查", officer.post(action, form))


def decide_supervision(leader: Client, action: str, listed: bool = True) -> Response:
    """负责人决定挂牌督办 (decide_supervision) of a 重大事故隐患."""
    form = {
        "listed": "yes" if listed else "no", "responsible_unit": "执法大队", "contact": "王执法 0557-5000001",
        "deadline": (_today() + timedelta(days=60)).isoformat(), "plan_days": "7", "opinion": "立即停止使用",
    }
    if listed:
        form.update({"level": "县级", "supervising_unit": "萧县安全生产委员会办公室"})
    return _expect_redirect("挂牌督办决定", leader.post(action, form))


def closed_loop(officer: Client, manager: Client, world: World, k: int = 1) -> dict[str, Response]:
    """One closed loop: register (photo) → issue → 整改 (photo) → 复查 pass (销号). The step responses."""
    h = register(officer, world, k=k)
    out = {"register": h.response, "issue": issue(officer, world, h.order_id)}
    out["rectify"] = rectify(manager, task_form(manager, h.hazard_id, "submit_rectification"))
    out["review"] = review(officer, world, task_form(officer, h.hazard_id, "review_rectification"))
    return out


def hazard_status(client: Client, hazard_id: int) -> str:
    """The status the API reports (/api/v1/hazards/<id>), to check that a journey really ended."""
    r = client.get(f"/api/v1/hazards/{hazard_id}")
    if r.status != 200:
        raise StepFailed("隐患接口", r)
    return r.json()["hazard"]["status"]


def main() -> None:
    app, world = build_world("journey")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with Server(url) as server:
        officer, manager, leader = (world.login(server, u) for u in ("officer1", "manager1", "leader"))
        closed_loop(officer, manager, world)  # warm-up: first requests load templates, forms, parsed specs
        rows: list[tuple[str, Response]] = []
        h = register(officer, world)
        rows += [("登记隐患（1张照片）", h.response), ("签发指令书", issue(officer, world, h.order_id))]
        rows.append(("申请延期", request_extension(manager, task_form(manager, h.hazard_id, "submit_rectification"))))
        rows.append(("审批延期（批准）", decide_extension(officer, task_form(officer, h.hazard_id, "review_extension"))))
        rows.append(("企业整改（1张照片）", rectify(manager, task_form(manager, h.hazard_id, "submit_rectification"))))
        rows.append(("复查（合格销号）", review(officer, world, task_form(officer, h.hazard_id, "review_rectification"))))
        status = hazard_status(officer, h.hazard_id)
        m = register(officer, world, major=True, location="抛光车间除尘系统")
        rows += [("登记重大隐患", m.response), ("签发指令书（重大）", issue(officer, world, m.order_id))]
        rows.append(("挂牌督办决定", decide_supervision(leader, task_form(leader, m.hazard_id, "decide_supervision"))))
        print(f"hazard journey over HTTP (gunicorn, 1 worker, {kind}); general hazard ends {status}, "
              f"major hazard {hazard_status(officer, m.hazard_id)}")
        for label, r in rows:
            print(f"  {label:<14} HTTP {r.status}  server {r.server_ms:7.2f} ms  client {r.ms:7.2f} ms  "
                  f"SQL {r.sql:3d}")


if __name__ == "__main__":
    main()
