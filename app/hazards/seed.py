"""Demo hazards in every state of the closed loop, produced by replaying a dated scenario through the real
operations (so documents, audit trail, workflow tasks, timers and notices are all genuine).

The clock is moved to each step's date; due timers fire in between, exactly as the worker would have
fired them. States at the end (T = today):

    qiye (萧县龙城精细化工有限公司, 危化):   closed · referred after 2 failed rounds · 重大 under 县级挂牌督办
        (plan + progress) · overdue (→ 待复查) · 待复查 · open (整改中) · 延期审批中
    qiye2 (萧县黄口面粉有限公司):           failed once, back in rectification · 重大 awaiting the leader
    萧县宏昌钢铁铸造有限公司:               overdue, 复查 not done in 10 days (escalated to the section head)
    plus closed hazards over the last months (on time and late) for the dashboard and ledgers.

Two hazards are left to the timer worker, as if it had not run since they were issued (`FOR_WORKER`): the
first tick of the demo server (`flask demo-serve`, started by `make demo`) reminds qiye that w1's deadline
is 2 days away and marks w2 (qiye2) overdue, so the demo shows timers at work from its one command.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app import attachments, clock, workflow
from app.extensions import db
from app.hazards import operations as ops
from app.workflow.ticks import due_instance_ids, fire_due_timers

FEATURED = "萧县龙城精细化工有限公司"
FLOUR = "萧县黄口面粉有限公司"
STEEL = "萧县宏昌钢铁铸造有限公司"
FOR_WORKER = ("w1", "w2")  # hazards whose due timers the seed leaves to the worker's first tick


def _png(rgb: tuple[int, int, int], w: int = 160, h: int = 120) -> bytes:
    """A small solid-colour PNG (a stand-in for a site photo)."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


class _Scenario:
    def __init__(self, ctx: dict, today: date):
        self.ctx = ctx
        self.today = today
        self.users = ctx["users"]
        self.ents = ctx["enterprise_by_name"]
        self.objs: dict[str, object] = {}
        self.steps: list[tuple[int, int, int, Callable[[], None]]] = []

    def d(self, n: int) -> date:
        return self.today + timedelta(days=n)

    def at(self, day: int, hour: int, fn: Callable[[], None]) -> None:
        self.steps.append((day, hour, len(self.steps), fn))

    def photo(self, actor, colour=(200, 80, 60), name="现场照片.png") -> int:
        blob = attachments.put(io.BytesIO(_png(colour)), name)
        return attachments.create(blob, actor=actor).id

    # --- building blocks -----------------------------------------------------------------------
    def register(self, key: str, day: int, ent: str, officer: str = "officer", **kw) -> None:
        def step():
            actor = self.users[officer]
            data = {
                "enterprise_id": self.ents[ent].id,
                "source": kw.pop("source", "执法检查"),
                "found_on": clock.today(),
                "category": "物",
                "level": "一般",
                "criterion_code": None,
                "requirement": None,
                "photos": [self.photo(actor)],
                **kw,
            }
            data["deadline"] = self.d(day + data["deadline"])  # deadline: days after the visit
            self.objs[key] = ops.register_hazard(data, actor=actor)

        self.at(day, 9, step)

    def issue(self, day: int, first_key: str, officer: str = "officer", co: str = "officer2") -> None:
        def step():
            order = self.objs[first_key].order
            ops.issue_order(
                order,
                {
                    "co_officer_id": self.users[co].id,
                    "inspection_record_no": f"（萧）应急检记〔{clock.today().year}〕{order.id}号",
                    "interim_measures": "整改期间，你单位应当采取有效的安全防范措施，确保安全。",
                },
                actor=self.users[officer],
            )

        self.at(day, 10, step)

    def rectify(self, key: str, day: int, manager: str, measures: str) -> None:
        def step():
            actor = self.users[manager]
            ops.submit_rectification(
                self.objs[key],
                {
                    "action": "rectified",
                    "responsible_dept": "安全环保部",
                    "responsible_person": actor.name,
                    "measures": measures,
                    "funds": Decimal("1.20"),
                    "planned_date": clock.today(),
                    "completed_on": clock.today(),
                    "emergency_measures": "整改期间设专人监护，落实临时管控措施",
                    "after_photos": [self.photo(actor, (70, 160, 90), "整改后照片.png")],
                    "documents": [],
                    "remarks": None,
                },
                actor=actor,
            )

        self.at(day, 15, step)

    def review(
        self,
        key: str,
        day: int,
        result: str,
        decision: str,
        opinion: str,
        new_deadline: int | None = None,
        facts: str | None = None,
    ) -> None:
        def step():
            ops.review_hazards(
                [
                    (
                        self.objs[key],
                        {
                            "reviewed_on": clock.today(),
                            "co_reviewer_id": self.users["officer2"].id,
                            "result": result,
                            "opinion": opinion,
                            "evidence": [self.photo(self.users["officer"], (90, 120, 200), "复查照片.png")],
                            "decision": decision,
                            "new_deadline": self.d(new_deadline) if new_deadline is not None else None,
                            "facts": facts,
                        },
                    )
                ],
                actor=self.users["officer"],
            )

        self.at(day, 16, step)

    # --- the story ---------------------------------------------------------------------------------
    def build(self) -> None:
        # history for the dashboard: closed hazards over the past months (one closed late)
        history = [
            (-150, "原料仓库", "灭火器压力不足", -140, -143),
            (-120, "锅炉房", "安全阀未定期校验", -110, -112),
            (-95, "危废暂存间", "防渗漏托盘缺失", -85, -80),
            (-70, "配电室", "绝缘胶垫破损", -62, -64),
            (-50, "成品库", "堆垛超高", -43, -45),
        ]
        for i, (found, loc, desc, deadline, done) in enumerate(history):
            key = f"hist{i}"
            self.register(
                key,
                found,
                FEATURED,
                location=loc,
                description=desc,
                deadline=deadline - found,
                provision="《中华人民共和国安全生产法》第四十一条第二款",
            )
            self.issue(found, key)
            if done <= deadline:
                self.rectify(key, done, "qiye", f"已整改：{desc}问题已消除")
                self.review(key, done + 1, "已整改", "close", "经复查，已整改到位")
            else:  # went overdue; the on-site 复查 found it fixed late
                self.review(key, done, "已整改", "close", "逾期后现场复查，已整改到位")

        # qiye: order 1 — closed, and referred after two failed rounds
        self.register(
            "a1",
            -40,
            FEATURED,
            location="甲类罐区防火堤",
            description="防火堤穿堤管线孔洞未封堵",
            deadline=10,
            provision="《石油化工企业设计防火标准》GB 50160-2008（2018年版）第6.2.17条",
        )
        self.register(
            "a2",
            -40,
            FEATURED,
            location="装卸区",
            description="装卸鹤管静电接地报警器损坏，仍在使用",
            deadline=14,
            category="物",
            provision="《中华人民共和国安全生产法》第三十六条第二款",
        )
        self.issue(-40, "a1")
        self.rectify("a1", -33, "qiye", "用防火材料封堵穿堤孔洞")
        self.review("a1", -31, "已整改", "close", "经复查，孔洞已封堵，符合要求")
        self.rectify("a2", -27, "qiye", "更换静电接地报警器")
        self.review("a2", -25, "整改不合格", "return", "新报警器未接入联锁，仍可无接地装车", new_deadline=-12)
        self.rectify("a2", -14, "qiye", "报警器接入装车联锁")
        self.review(
            "a2",
            -11,
            "未整改",
            "refer",
            "联锁仍未投用，两次复查不合格",
            facts="该单位装卸鹤管静电接地报警器失效，经两次责令整改仍未整改到位，涉嫌违反安全生产法第三十六条。",
        )

        # qiye: 重大 hazard under 县级挂牌督办, governing with a progress report
        self.register(
            "m1",
            -30,
            FEATURED,
            location="2#反应釜",
            description="反应釜安全阀根部阀关闭，安全阀未投用",
            level="重大",
            criterion_code="HG2017-15",
            deadline=30,
            provision="《危险化学品生产企业安全生产许可证实施办法》第九条",
        )
        self.issue(-30, "m1")

        def decide():
            ops.decide_supervision(
                self.objs["m1"],
                {
                    "listed": "yes",
                    "level": "县级",
                    "supervising_unit": "萧县安全生产委员会办公室",
                    "responsible_unit": "萧县应急管理局危化科",
                    "contact": "王振华",
                    "deadline": self.d(45),
                    "plan_days": 7,
                    "opinion": "立即停用2#反应釜，制定治理方案报局危化科",
                },
                actor=self.users["leader"],
            )

        self.at(-29, 11, decide)

        def plan():
            actor = self.users["qiye"]
            ops.submit_governance_plan(
                self.objs["m1"],
                {
                    "objective": "恢复2#反应釜安全阀正常投用，完善安全联锁",
                    "methods": "更换根部阀为铅封开，增设压力高高联锁",
                    "funds": Decimal("18.50"),
                    "materials": "资金已列入年度安全投入计划，阀门已订货",
                    "organization": "生产技术部、设备部",
                    "responsible_person": actor.name,
                    "time_limit": self.d(40),
                    "time_requirements": "15日内完成阀门更换，30日内完成联锁调试",
                    "safety_measures": "2#反应釜停用并挂牌，编制专项应急预案",
                    "suspension_scope": "停止使用",
                    "suspension_detail": "2#反应釜及配套进料系统停止使用",
                    "reported_to_staff_on": clock.today(),
                    "plan_files": [self.photo(actor, (200, 200, 90), "治理方案.png")],
                },
                actor=actor,
            )

        self.at(-25, 15, plan)

        def progress():
            ops.report_progress(
                self.objs["m1"],
                {
                    "reported_on": clock.today(),
                    "percent": 40,
                    "content": "新阀门已到货，已完成安装方案审批",
                    "problems": None,
                    "files": [],
                },
                actor=self.users["qiye"],
            )

        self.at(-12, 10, progress)

        # qiye: order 3 — one goes overdue, one awaits 复查, one is open
        self.register(
            "c1",
            -12,
            FEATURED,
            location="中控室",
            description="可燃气体报警控制器故障报警未处理",
            deadline=10,
            provision="《危险化学品企业特殊作业安全规范》GB 30871",
        )
        self.register(
            "c2",
            -12,
            FEATURED,
            location="厂区东侧消防通道",
            description="消防通道被物料占用",
            deadline=17,
            category="管理",
            provision="《中华人民共和国消防法》第二十八条",
        )
        self.register(
            "c3",
            -12,
            FEATURED,
            location="维修班组",
            description="2名电焊作业人员特种作业操作证过期",
            deadline=22,
            category="人",
            provision="《中华人民共和国安全生产法》第三十条",
        )
        self.issue(-12, "c1")
        self.rectify("c2", -1, "qiye", "清理占用物料，划设禁停标线")

        # qiye: 延期申请 awaiting the officer
        self.register(
            "e1",
            -5,
            FEATURED,
            location="污水处理站",
            description="有限空间未设置安全警示标志和台账",
            deadline=7,
            category="管理",
            source="专项行动",
            provision="《工贸企业有限空间作业安全规定》第十条",
        )
        self.issue(-5, "e1")

        def extension():
            ops.request_extension(
                self.objs["e1"],
                {
                    "action": "extension",
                    "ext_reason": "警示标志需定制，供货周期约两周",
                    "ext_deadline": self.d(15),
                    "ext_interim_measures": "有限空间入口临时上锁，作业一律审批",
                    "ext_files": [],
                },
                actor=self.users["qiye"],
            )

        self.at(-1, 11, extension)

        # qiye2: failed once and back in rectification; a 重大 awaiting the leader
        self.register(
            "f1",
            -20,
            FLOUR,
            location="清理车间除尘器",
            description="脉冲除尘器未设置泄爆装置",
            deadline=10,
            provision="《工贸企业粉尘防爆安全规定》第十五条",
            source="暗访",
        )
        self.issue(-20, "f1")
        self.rectify("f1", -12, "qiye2", "加装泄爆片")
        self.review("f1", -9, "部分整改", "return", "泄爆片已安装，但泄爆口朝向人员通道", new_deadline=6)
        self.register(
            "f2",
            -2,
            FLOUR,
            location="制粉车间",
            description="制粉车间地面、设备表面积尘严重，未落实清扫制度",
            level="重大",
            criterion_code="GM2023-11-10",
            deadline=30,
            source="举报",
            provision="《工贸企业粉尘防爆安全规定》第十八条",
        )
        self.issue(-2, "f2")

        # 宏昌钢铁: overdue, 复查 not done within 10 days → escalated to the section head
        self.register(
            "s1",
            -25,
            STEEL,
            location="炼钢车间吊运跨",
            description="交接班室设置在钢水吊运影响范围内",
            deadline=10,
            category="环境",
            level="一般",
            provision="《工贸企业重大事故隐患判定标准》相关要求（拟整改后复核）",
        )
        self.issue(-25, "s1")

        # left to the worker (FOR_WORKER): w1's 期限前3日 reminder came due yesterday at 09:00, w2's deadline
        # ended last night at 24:00; the demo server's first tick sends the one and marks the other
        self.register(
            "w1",
            -4,
            FEATURED,
            location="罐区防火堤",
            description="防火堤穿堤管线孔洞未封堵",
            deadline=6,
            provision="《危险化学品企业安全风险隐患排查治理导则》",
        )
        self.issue(-4, "w1")
        self.register(
            "w2",
            -8,
            FLOUR,
            location="成品库叉车充电区",
            description="叉车充电区未设置独立通风和防火分隔",
            deadline=7,
            category="管理",
            provision="《工贸企业粉尘防爆安全规定》第十二条",
        )
        self.issue(-8, "w2")

    def run(self) -> None:
        self.build()
        try:
            for day, hour, _i, fn in sorted(self.steps):
                when = datetime.combine(self.d(day), time(hour), tzinfo=clock.TZ)
                clock.freeze(when)
                fire_due(clock.now(), skip=self.worker_instances())
                fn()
        finally:
            clock.unfreeze()
        fire_due(clock.now(), skip=self.worker_instances())

    def worker_instances(self) -> set[int]:
        """The workflow instances of the FOR_WORKER hazards registered so far."""
        found = (workflow.instance_for(self.objs[key]) for key in FOR_WORKER if key in self.objs)
        return {inst.id for inst in found if inst is not None}


def fire_due(now: datetime, skip: set[int] | frozenset[int] = frozenset()) -> int:
    """Fire every due timer (but those of the `skip` instances) without committing (the seed runs in one
    transaction)."""
    db.session.flush()
    ids = [i for i in due_instance_ids(now) if i not in skip]
    return sum(fire_due_timers(i, now) for i in ids)


def seed_hazards(ctx: dict) -> None:
    """Demo seeder of the hazard domain: replay the scenario ending today. Flushes, never commits."""
    scenario = _Scenario(ctx, clock.today())
    scenario.run()
    ctx["hazards"] = scenario.objs
