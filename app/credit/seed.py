"""Demo 严重失信主体名单, built by replaying dated stories through the real operations (app.credit.operations,
app.credit.effects) with the real actors, the clock moved to each step's day: every row, document number,
publication, push file, 联合惩戒通知, audit event, workflow task and timer is genuine. Runs after the penalty
cases' seeder (domains in DOMAINS order).

States at the end (T = today):

    waiting    an officer's proposal (第9项), 列入告知 or 不予列入 waiting for the officer      拟列入
    listed     列入 through the whole procedure (第6项, the unit and its main 负责人), published,
               pushed, measures in force; every department answered its 联合惩戒通知 but one,
               whose feedback window passed                                                  已列入 (反馈逾期)
    repair     listed 14 months ago; the enterprise's account (qiye2) applied online for 信用修复
               with its 信用承诺书, waiting for the officer's verification                     已列入 (修复核查中)
    expired    listed over three years ago: the term's timer fired, 期满移出 (publication withdrawn,
               measures lifted, the departments told, push 移出)                               已移出
    an accident in the 事故 register (一般事故: no 列入情形 by itself).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from werkzeug.datastructures import FileStorage

from app import attachments, clock, workflow
from app.credit import effects
from app.credit.models import CreditListing
from app.credit.operations import listing as steps
from app.credit.operations import proposals, repair
from app.extensions import db
from app.workflow.ticks import due_instance_ids, fire_due_timers

WAITING = "萧县宏达化工贸易有限公司"
LISTED = "萧县永安工业气体有限公司"
REPAIR = "萧县黄口面粉有限公司"  # qiye2's enterprise: its account applies online
EXPIRED = "萧县宏昌钢铁铸造有限公司"
ACCIDENT = "萧县恒鑫铸造有限公司"
COMMITMENT = b"%PDF-1.4\n% SafeLoop demo: \xe4\xbf\xa1\xe7\x94\xa8\xe6\x89\xbf\xe8\xaf\xba\xe4\xb9\xa6\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
# measures of the lighter stories: no 分类分级 change (the demo's inspection plans read the categories)
LIGHT = ["key_supervision", "interview", "credit_financing", "government_procurement"]


class _Credit:
    def __init__(self, ctx: dict, today: date):
        self.ctx = ctx
        self.today = today
        self.u = ctx["users"]
        self.ents = ctx["enterprise_by_name"]
        self.listings: dict[str, CreditListing] = {}

    def at(self, days_ago: int, hour: int = 10) -> date:
        """Move the clock to `days_ago` days before today at `hour` (China time); the day."""
        day = self.today - timedelta(days=days_ago)
        clock.freeze(datetime.combine(day, time(hour), tzinfo=clock.TZ))
        return day

    def fire_due(self, listing: CreditListing) -> int:
        """Fire this listing's due timers (its procedure, its term) at the frozen time."""
        db.session.flush()
        mine = {
            inst.id
            for process in ("credit_listing", "credit_expiry")
            if (inst := workflow.instance_for(listing, process)) is not None
        }
        now = clock.now()
        return sum(fire_due_timers(i, now) for i in due_instance_ids(now) if i in mine)

    def propose(self, ent: str, criterion: str, evidence: str, **person) -> CreditListing:
        return proposals.propose(
            {"enterprise_id": self.ents[ent].id, "criterion": criterion, "evidence": evidence, **person},
            actor=self.u["officer"],
        )

    def through(self, listing: CreditListing, start: int, codes: list[str] | None, person: dict) -> None:
        """列入告知 → 送达 → 陈述申辩 (recorded by the officer) → 核查 → 决定 → 送达, from `start` days ago."""
        officer, leader = self.u["officer"], self.u["leader"]
        self.at(start)
        steps.issue_notice(
            listing,
            {"notice_decision": "notify", "reasons": "经查，情形属实，拟列入严重失信主体名单", **person},
            actor=officer,
        )
        served = self.at(start - 1)
        steps.serve_notice(
            listing, {"method": "直接送达", "recipient": "企业主要负责人", "served_on": served}, actor=officer
        )
        self.at(start - 3)
        steps.submit_statement(
            listing, {"statement_kind": "放弃陈述申辩", "text": ""}, actor=officer
        )  # 书面放弃, recorded by the officer
        self.at(start - 4)
        steps.verify(
            listing,
            {"verification": "当事人书面放弃陈述申辩。经核查，列入事实清楚、证据确凿。", "proposal": "list"},
            actor=officer,
        )
        self.at(start - 6)
        decision: dict = {"decision": "list", "reasons": "违法情节严重，依法列入严重失信主体名单"}
        if codes is not None:
            decision["measure_codes"] = codes
        steps.decide(listing, decision, actor=leader)
        served = self.at(start - 8)
        steps.serve_decision(
            listing, {"method": "直接送达", "recipient": "企业主要负责人", "served_on": served}, actor=officer
        )
        self.fire_due(listing)

    # --- the stories ----------------------------------------------------------------------------------
    def waiting(self) -> None:
        self.at(3)
        self.listings["waiting"] = self.propose(
            WAITING,
            "9",
            "（萧）应急罚〔2025〕27号行政处罚决定书：擅自在储存场所外经营危险化学品，经责令改正拒不改正",
        )

    def listed(self) -> None:
        person = {"person_name": "韩立军", "person_id_no": "341322197305124417", "person_role": "总经理"}
        self.at(62)
        listing = self.propose(
            LISTED,
            "6",
            "安全生产许可证被暂扣期间擅自组织生产，（萧）应急罚〔2025〕31号行政处罚决定书",
            **person,
        )
        self.through(listing, 60, None, person)
        self.at(40)
        external = [m for m in listing.measures if not m.internal]
        self.feedback(listing, external[:-1])  # every department answered but the last
        self.listings["listed"] = listing

    def feedback(self, listing: CreditListing, measures: list) -> None:
        for m in measures:
            effects.record_feedback(
                m,
                {"feedback_on": clock.today(), "feedback": f"已按联合惩戒通知落实：{m.name}"},
                actor=self.u["officer"],
            )

    def repair(self) -> None:
        self.at(432)
        listing = self.propose(
            REPAIR, "9", "未按规定对粉尘爆炸危险场所进行清理，经责令改正拒不改正，受到行政处罚"
        )
        self.through(listing, 430, LIGHT, {})
        self.at(410)
        self.feedback(listing, [m for m in listing.measures if not m.internal])  # all answered
        self.at(3, 15)
        applicant = self.u["qiye2"]
        upload = attachments.store(
            FileStorage(
                stream=_stream(COMMITMENT), filename="信用承诺书.pdf", content_type="application/pdf"
            ),
            actor=applicant,
        )
        repair.apply_repair(
            listing,
            {
                "statement": "罚款已全部缴清，粉尘清扫制度已建立并落实，申请提前移出严重失信主体名单",
                "commitment": [upload.id],
            },
            actor=applicant,
        )
        self.listings["repair"] = listing

    def expired(self) -> None:
        start = 3 * 366 + 45
        self.at(start + 2)
        listing = self.propose(EXPIRED, "9", "发生一般生产安全事故后拒不执行整改指令，受到行政处罚，情节严重")
        self.through(listing, start, ["key_supervision", "government_procurement"], {})
        assert listing.term_end is not None
        clock.freeze(datetime.combine(listing.term_end + timedelta(days=1), time(9), tzinfo=clock.TZ))
        self.fire_due(listing)  # the term's timer: 期满移出
        self.listings["expired"] = listing

    def accident(self) -> None:
        self.at(20)
        self.ctx["credit_accident"] = proposals.record_accident(
            {
                "enterprise_id": self.ents[ACCIDENT].id,
                "name": "萧县恒鑫铸造有限公司“示例”起重伤害事故",
                "occurred_on": clock.today() - timedelta(days=2),
                "level": "一般",
                "deaths": 1,
                "injuries": 0,
                "direct_loss": "120.5",
                "report_no": "萧安调〔2025〕2号",
            },
            actor=self.u["officer"],
        )

    def run(self) -> None:
        stories: list[Callable[[], None]] = [
            self.expired,
            self.repair,
            self.listed,
            self.accident,
            self.waiting,
        ]
        try:
            for story in stories:
                story()
        finally:
            clock.unfreeze()
        db.session.flush()
        effects.feedback_sweep(clock.today())  # the last department's window has passed: 逾期未反馈


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


def seed_credit(ctx: dict) -> None:
    """Demo seeder of the credit domain: replay the stories ending today. Flushes, never commits."""
    scenario = _Credit(ctx, clock.today())
    scenario.run()
    ctx["credit"] = scenario.listings
