"""Demo penalty cases in every stage, produced by replaying dated stories through the real operations
(app.cases.operations) with the real actors, the clock moved to each step's day: every row, document number,
audit event, workflow task and timer is genuine. Runs after the hazard seeder (domains in DOMAINS order), whose
referral of hazard a2 (qiye, 萧县龙城精细化工有限公司) is waiting as an open proposal.

States at the end (T = today):

    referral   the hazard referral filed as a case                                  调查取证
    filing     a tip-off (举报) filed, agreed by the section head                  立案审批中 (负责人)
    hearing    unit fine over the hearing threshold, hearing requested online by
               qiye2, scheduled (the hearing day is ahead)                          听证
    review     hearing held, 复核, 呈批表 → waiting for 法制审核 (legal)             法制审核
    deciding   法制审核 sent back for 补充调查 once, second review passed           待决定 (leader)
    overdue    decided and served, payment deadline passed, nothing paid:
               加处罚款 accrues 3 % a day                                           执行 (逾期未缴)
    closed     paid, 执行完毕, 结案 approved with a complete file (归档号)          已结案
    no_penalty 首违 不予处罚 with the education record, closed                      已结案 (不予处罚)
    transfer   涉嫌犯罪, approved and transferred to the public security organ, closed
    open proposals of other sources (检查发现, 举报, 其他机关移送, 上级交办) and one 不予立案.

Each story is a generator that yields the (day offset, hour) at which it continues; the runner replays all
stories in time order, firing the cases' due timers in between (never the hazard seed's FOR_WORKER timers).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app import clock, workflow
from app.cases import gates, legal_time
from app.cases import operations as ops
from app.cases.models import CaseProposal, EvidenceKind, PenaltyCase, ProposalSource
from app.cases.operations.common import ready_ids
from app.cases.rules import pack_for
from app.extensions import db
from app.workflow.ticks import due_instance_ids, fire_due_timers

FEATURED = "萧县龙城精细化工有限公司"  # qiye
FLOUR = "萧县黄口面粉有限公司"  # qiye2

Wait = tuple[int, int]  # (day offset from today, hour)


class _Scenario:
    def __init__(self, ctx: dict, today: date):
        self.ctx = ctx
        self.today = today
        self.u = ctx["users"]
        self.ents = ctx["enterprise_by_name"]
        self.cases: dict[str, PenaltyCase] = {}
        self.proposals: dict[str, CaseProposal] = {}
        self.instances: set[int] = set()

    # --- time -----------------------------------------------------------------------------------------
    def d(self, n: int) -> date:
        return self.today + timedelta(days=n)

    def offset(self, day: date) -> int:
        return (day - self.today).days

    def later(self, days: int = 1) -> Wait:
        """`days` after the current (frozen) day, at 10:00."""
        return self.offset(clock.today()) + days, 10

    # --- building blocks ------------------------------------------------------------------------------
    def proposal(self, key: str, ent: str, source: str, facts: str, provisions: str, act_ago: int, **kw):
        p = ops.register_proposal(
            {
                "enterprise_id": self.ents[ent].id,
                "source": source,
                "facts": facts,
                "provisions": provisions,
                "act_date": clock.today() - timedelta(days=act_ago),
                "source_ref": kw.get("source_ref"),
                "evidence": kw.get("evidence"),
            },
            actor=self.u[kw.get("officer", "officer")],
        )
        self.proposals[key] = p
        return p

    def submit(self, key: str, proposal: CaseProposal, name: str) -> PenaltyCase:
        case = ops.submit_filing(
            proposal,
            {
                "name": name,
                "facts": proposal.facts,
                "provisions": proposal.provisions or "",
                "act_date": proposal.act_date,
                "officer_ids": [self.u["officer"].id, self.u["officer2"].id],
                "lead_officer_id": self.u["officer"].id,
                "opinion": "当事人涉嫌违法，建议立案调查",
            },
            actor=self.u["officer"],
        )
        db.session.flush()
        self.cases[key] = case
        inst = workflow.instance_for(case)
        if inst is not None:
            self.instances.add(inst.id)
        return case

    def drive(self, case: PenaltyCase, plan: dict, stop: set[str], gap: int = 1) -> Iterator[Wait]:
        """Take the case's READY tasks one a day (`gap`) with the plan's data until one in `stop` (or none)
        is ready."""
        while True:
            ready = ready_ids(case)
            if not ready or ready[0] in stop:
                return
            wait = self.take(case, ready[0], plan)
            if wait is not None:
                yield wait
                continue
            yield self.later(gap)

    def take(self, case: PenaltyCase, task: str, plan: dict) -> Wait | None:
        """One step of the ordinary procedure with its real actor; a Wait instead when the step must wait
        for a day (the hearing)."""
        u, today = self.u, clock.today()
        officer = u["officer"]
        if task == "approve_filing":
            ops.approve_filing(
                case, {"filing_decision": "agree", "opinion": "同意立案"}, actor=u["section_head"]
            )
        elif task == "decide_filing":
            ops.decide_filing(
                case, {"filing_decision": "agree", "opinion": "同意立案调查"}, actor=u["leader"]
            )
        elif task == "investigate":
            rnd = plan.setdefault("_round", 0) + 1
            plan["_round"] = rnd
            self.evidence(case, rnd)
            ops.submit_report(case, self.report_data(case, plan), actor=officer)
        elif task == "review_report":
            ops.review_report(
                case, {"report_decision": "agree", "opinion": "同意调查终结意见"}, actor=u["section_head"]
            )
        elif task == "issue_notice":
            ops.issue_notice(case, {"contact": f"{officer.name} 0557-5022119"}, actor=officer)
        elif task == "serve_notice":
            ops.serve_notice(case, self.service(case), actor=officer)
        elif task == "state_case":
            statement = plan.get("statement", "waived")
            party = plan.get("party")
            actor = u[party] if party else officer  # online by the enterprise, or recorded by the officer
            data: dict = {"statement": statement}
            if statement == "waived":
                data["waiver_signed"] = True
            elif statement == "stated":
                data["content"] = plan.get("statement_text", "我单位已立即整改，请求从轻处罚。")
            ops.state_case(case, data, actor=actor)
        elif task == "schedule_hearing":
            hearing_on = legal_time.earliest_hearing_day(today, pack_for(case.region_path, today))
            ops.schedule_hearing(
                case,
                {
                    "presiding_id": u["section_head"].id,
                    "hearing_on": hearing_on,
                    "place": "萧县应急管理局三楼听证室",
                    "public": True,
                    "method": "直接送达",
                    "recipient": case.enterprise.name,
                    "recorder": "办公室 刘晓",
                },
                actor=u["section_head"],
            )
            plan["hearing_on"] = hearing_on
        elif task == "hold_hearing":
            hearing_on = plan["hearing_on"]
            if today < hearing_on:
                return self.offset(hearing_on), 9
            ops.hold_hearing(
                case,
                {
                    "attended": "yes",
                    "attendees": f"当事人委托代理人、调查人员{officer.name}、{u['officer2'].name}",
                    "record": "调查人员陈述违法事实、证据和处罚建议；当事人代理人申辩称已整改，请求减轻处罚；"
                    "双方质证、辩论，当事人作最后陈述。",
                    "party_signed": "yes",
                    "report": "违法事实清楚，证据确实充分；当事人已整改，但不属于法定从轻、减轻情形，"
                    "建议维持拟处罚意见。",
                    "recommendation": "维持",
                },
                actor=u["section_head"],
            )
        elif task == "review_statement":
            ops.review_statement(
                case,
                {"review_result": "不采纳", "review_reason": "当事人事后整改不属于法定从轻、减轻处罚情形"},
                actor=officer,
            )
        elif task == "prepare_decision":
            ops.prepare_decision(case, {"opinion": "建议按告知内容作出行政处罚决定"}, actor=officer)
        elif task == "legal_review":
            opinions = plan.setdefault("reviews", [])
            opinion = opinions.pop(0) if opinions else "agree"
            ops.legal_review(
                case,
                {
                    "review_opinion": opinion,
                    "reasons": {
                        "agree": "事实清楚，证据确凿，适用依据正确，程序合法，裁量适当",
                        "more": "当事人主要负责人的询问笔录缺失，建议补充调查后重新送审",
                    }.get(opinion, "请修改"),
                    "confirmed": [i.key for i in gates.checklist(case, today)],
                },
                actor=u["legal"],
            )
        elif task == "collective_discussion":
            ops.collective_discussion(
                case,
                {
                    "held_on": today,
                    "place": "局三楼会议室",
                    "chair": u["leader"].name,
                    "presenter": officer.name,
                    "opinions": [
                        {"name": u["leader"].name, "position": "局长", "opinion": "同意承办机构意见"},
                        {"name": u["section_head"].name, "position": "大队长", "opinion": "同意"},
                        {"name": u["legal"].name, "position": "法规科", "opinion": "同意，程序合法"},
                    ],
                    "conclusion": "同意按案件处理呈批表意见作出处罚决定",
                },
                actor=u["leader"],
            )
        elif task == "decide":
            ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=u["leader"])
        elif task == "serve_decision":
            ops.serve_decision(case, self.service(case), actor=officer)
        elif task == "execute":
            total = sum((Decimal(ln.decided_fine or 0) for ln in case.lines), Decimal(0))
            if total:
                ops.record_payment(
                    case,
                    {"paid_on": today, "amount": total, "receipt_no": f"34132226{case.serial or 0:06d}"},
                    actor=officer,
                )
            ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=officer)
        elif task == "close_case":
            ops.close_case(case, {"summary": plan.get("closing", "案件已办理完毕，案卷齐全")}, actor=officer)
        elif task == "approve_closing":
            ops.approve_closing(case, {"closing_decision": "agree", "opinion": "同意结案"}, actor=u["leader"])
        elif task == "decide_transfer":
            ops.decide_transfer(
                case,
                {"transfer_decision": "agree", "opinion": "涉嫌犯罪，同意移送公安机关"},
                actor=u["leader"],
            )
        elif task == "transfer_case":
            ops.transfer_case(
                case, {"receiving_organ": "萧县公安局", "procuratorate": "萧县人民检察院"}, actor=officer
            )
        else:
            raise RuntimeError(f"演示数据：未知的案件任务 {task}")
        return None

    def evidence(self, case: PenaltyCase, rnd: int) -> None:
        officer = self.u["officer"]
        person = case.enterprise.main_person or case.enterprise.legal_rep
        ops.add_evidence(
            case,
            {
                "kind": EvidenceKind.INQUIRY,
                "title": f"询问笔录（{person}）"
                if rnd == 1
                else f"询问笔录（{case.enterprise.safety_manager}，补充）",
                "qa": [
                    {"question": "你单位是否知道存在该问题？", "answer": "知道，一直没有处理"},
                    {"question": "对以上记录有无异议？", "answer": "没有异议"},
                ],
                "signed_every_page": True,
                "rights_explained": True,
                "interviewee": person,
                "place": case.enterprise.address,
            },
            actor=officer,
        )
        if rnd == 1:
            ops.add_evidence(
                case,
                {
                    "kind": EvidenceKind.SURVEY,
                    "title": "勘验笔录（现场）",
                    "description": case.facts,
                    "place": case.enterprise.address,
                },
                actor=officer,
            )

    def report_data(self, case: PenaltyCase, plan: dict) -> dict:
        outcome = plan.get("outcome", "penalty")
        data = {
            "report_text": f"经调查，{case.facts}事实清楚，证据确凿。",
            "outcome": outcome,
            "violation_code": plan.get("violation"),
            "factors": plan.get("factors", []),
        }
        if outcome == "penalty":
            data["lines"] = plan["lines"]
        elif outcome == "no_penalty":
            data.update(
                no_penalty_reason="首违",
                education="已对当事人主要负责人进行安全生产法律法规教育，当事人已当场改正并承诺不再违反",
            )
        elif outcome == "transfer":
            data.update(
                suspected_crime="重大责任事故罪",
                transfer_reasons="当事人在生产作业中违反有关安全管理规定，发生一人死亡事故，涉嫌重大责任事故罪",
            )
        return data

    def service(self, case: PenaltyCase) -> dict:
        e = case.enterprise
        return {
            "method": "直接送达",
            "served_on": clock.today(),
            "recipient": e.name,
            "signer": f"{e.main_person or e.legal_rep}（主要负责人）",
            "place": e.address,
        }

    # --- the stories -----------------------------------------------------------------------------------
    def referral(self) -> Iterator[Wait]:
        """The hazard loop's referral (a2, waiting since the hazard seed) is filed and investigated."""
        yield -10, 9
        hazards = self.ctx.get("hazards") or {}
        ref = getattr(hazards.get("a2"), "referral", None)
        proposal = (
            db.session.query(CaseProposal).filter_by(referral_id=ref.id).one_or_none()
            if ref is not None
            else None
        )
        if proposal is None:  # the hazard seed made no referral: the story has nothing to file
            return
        self.proposals["referral"] = proposal
        case = self.submit(
            "referral", proposal, f"{proposal.enterprise.name}涉嫌未对安全设备进行经常性维护案"
        )
        yield self.later()
        yield from self.drive(case, {}, stop={"investigate"})
        self.evidence(case, 1)

    def filing(self) -> Iterator[Wait]:
        yield -3, 10
        p = self.proposal(
            "filing",
            "萧县安泰烟花爆竹批发有限公司",
            ProposalSource.REPORT,
            "群众举报该单位仓库超量储存烟花爆竹，经核查库房内存放量超过核定储存量",
            "《烟花爆竹安全管理条例》第二十条",
            5,
            source_ref="12350举报 JB-2026-0311",
        )
        yield self.later()
        self.submit("filing", p, "萧县安泰烟花爆竹批发有限公司涉嫌超量储存烟花爆竹案")
        yield self.later()
        yield from self.drive(self.cases["filing"], {}, stop={"decide_filing"})

    def ordinary(
        self, key: str, start: int, ent: str, facts: str, violation: str, plan: dict, stop: set[str], **kw
    ) -> Iterator[Wait]:
        yield start, 9
        p = self.proposal(
            key,
            ent,
            kw.get("source", ProposalSource.INSPECTION),
            facts,
            kw.get("provisions", "《安全生产法》第三十六条第二款"),
            kw.get("act_ago", 10),
            source_ref=kw.get("source_ref"),
        )
        yield self.later()
        case = self.submit(key, p, kw.get("name") or f"{ent}涉嫌{facts[:20]}案")
        yield self.later()
        yield from self.drive(case, {"violation": violation, **plan}, stop=stop, gap=kw.get("gap", 1))

    def proposals_open(self) -> Iterator[Wait]:
        yield -20, 10  # a lead that did not hold up: 不予立案
        p = self.proposal(
            "declined",
            "萧县老味道餐饮管理有限公司",
            ProposalSource.REPORT,
            "举报该店后厨使用液化气钢瓶未配备泄漏报警装置",
            "《安全生产法》第三十六条",
            25,
            source_ref="12350举报 JB-2026-0277",
        )
        yield -18, 10
        ops.decline_proposal(
            p,
            "经现场核查，该店已改用管道天然气并安装燃气泄漏报警装置，举报事项不属实",
            actor=self.u["section_head"],
        )
        yield -6, 14
        self.proposal(
            "open_inspection",
            "萧县恒达铝业有限公司",
            ProposalSource.INSPECTION,
            "检查发现铝灰仓库未设置可燃气体检测报警装置，涉嫌未对安全设备进行经常性维护、保养",
            "《安全生产法》第三十六条第二款",
            3,
            source_ref="现场检查记录（萧）应急检记〔2026〕31号",
        )
        yield -4, 15
        self.proposal(
            "open_transfer_in",
            "萧县城投建设工程有限公司",
            ProposalSource.TRANSFER_IN,
            "县住建局移送：该单位施工现场安全生产管理人员未到岗履职",
            "《安全生产法》第二十五条",
            12,
            source_ref="萧住建函〔2026〕57号",
        )
        yield -2, 11
        self.proposal(
            "open_assigned",
            "萧县皖北液化气有限公司",
            ProposalSource.ASSIGNED,
            "市应急管理局交办：该单位充装间可燃气体报警器长期停用",
            "《安全生产法》第三十六条第二款",
            20,
            source_ref="宿应急交〔2026〕12号",
        )
        yield -1, 16
        self.proposal(
            "open_report",
            "萧县祥和冷链仓储有限公司",
            ProposalSource.REPORT,
            "匿名举报该单位冷库氨制冷机房安全阀未定期校验",
            "《安全生产法》第三十六条第二款",
            30,
            source_ref="12350举报 JB-2026-0402",
        )

    def build(self) -> list[Callable[[], Iterator[Wait]]]:
        unit = lambda fine: [{"target": "单位", "kinds": ["罚款"], "fine": Decimal(fine)}]  # noqa: E731
        stories: list[Callable[[], Iterator[Wait]]] = [self.referral, self.filing, self.proposals_open]

        def story(key, start, ent, facts, violation, plan, stop, **kw):
            stories.append(lambda: self.ordinary(key, start, ent, facts, violation, plan, stop, **kw))

        story(
            "closed",
            -95,
            "萧县华源化工有限公司",
            "二车间反应釜温度联锁装置长期摘除，未对安全设备进行经常性维护、保养",
            "AQSCF-99-3",
            {"lines": unit("20000")},
            set(),
            gap=2,
            act_ago=15,
            name="萧县华源化工有限公司涉嫌未对安全设备进行经常性维护、保养案",
        )
        story(
            "no_penalty",
            -70,
            "萧县金穗米业有限公司",
            "隐患排查治理记录个别事项未记录，检查时当场改正",
            "AQSCF-97-5",
            {
                "outcome": "no_penalty",
                "factors": ["first_offence"],
                "closing": "首次违法且当场改正，不予行政处罚，已进行教育",
            },
            set(),
            provisions="《安全生产法》第四十一条第二款",
            act_ago=3,
            name="萧县金穗米业有限公司涉嫌未如实记录事故隐患排查治理情况案",
        )
        story(
            "transfer",
            -50,
            "萧县永兴铁矿有限公司",
            "井下作业违章指挥，发生一起一人死亡的冒顶事故",
            None,
            {"outcome": "transfer"},
            set(),
            source=ProposalSource.ACCIDENT,
            provisions="《安全生产法》第四十一条第二款",
            act_ago=5,
            name="萧县永兴铁矿有限公司涉嫌违章指挥发生冒顶死亡事故案",
        )
        story(
            "overdue",
            -45,
            "萧县皖淮水泥有限公司",
            "熟料库顶部除尘器未采取措施消除事故隐患",
            "AQSCF-102",
            {"lines": unit("25000")},
            {"execute"},
            provisions="《安全生产法》第四十一条第二款",
            act_ago=8,
            name="萧县皖淮水泥有限公司涉嫌未采取措施消除事故隐患案",
        )
        story(
            "deciding",
            -30,
            "萧县恒鑫铸造有限公司",
            "熔炼炉冷却水系统未设置断水报警装置，未对安全设备进行经常性维护",
            "AQSCF-99-3",
            {"lines": unit("15000"), "reviews": ["more", "agree"]},
            {"decide"},
            act_ago=6,
            name="萧县恒鑫铸造有限公司涉嫌未对安全设备进行经常性维护案",
        )
        story(
            "review",
            -25,
            FLOUR,
            "制粉车间粉尘爆炸危险场所隐患排查治理情况完全未记录，重大事故隐患未向从业人员通报",
            "AQSCF-97-5",
            {"lines": unit("60000"), "factors": ["major_hazard"], "statement": "hearing", "party": "qiye2"},
            {"legal_review"},
            provisions="《安全生产法》第四十一条第二款",
            act_ago=7,
            name="萧县黄口面粉有限公司涉嫌未如实记录事故隐患排查治理情况、未向从业人员通报案",
        )
        story(
            "hearing",
            -16,
            "萧县永固混凝土有限公司",
            "搅拌站隐患排查治理情况完全未记录，重大事故隐患未向从业人员通报",
            "AQSCF-97-5",
            {"lines": unit("55000"), "factors": ["major_hazard"], "statement": "hearing"},
            {"hold_hearing"},
            provisions="《安全生产法》第四十一条第二款",
            act_ago=4,
            name="萧县永固混凝土有限公司涉嫌未如实记录事故隐患排查治理情况、未向从业人员通报案",
        )
        return stories

    def run(self) -> None:
        heap: list[tuple[datetime, int, Iterator[Wait]]] = []
        end = clock.now()

        def push(gen: Iterator[Wait], n: int) -> None:
            try:
                day, hour = next(gen)
            except StopIteration:
                return
            when = datetime.combine(self.d(day), time(hour), tzinfo=clock.TZ)
            if when > end and self.d(day) == end.astimezone(clock.TZ).date():
                when = end  # a step of today's working hours, seeded before them (after midnight): it happens now
            if when > end:
                raise RuntimeError(f"演示数据：案件情节排到了今天之后（{when:%Y-%m-%d %H:%M}）")
            heapq.heappush(heap, (when, n, gen))

        for n, make in enumerate(self.build()):
            push(make(), n)
        try:
            while heap:
                when, n, gen = heapq.heappop(heap)
                clock.freeze(when)
                self.fire_due(when)
                push(gen, n)
        finally:
            clock.unfreeze()
        self.fire_due(clock.now())

    def fire_due(self, now: datetime) -> int:
        """Fire the cases' due timers (only theirs: the hazard seed leaves some to the worker)."""
        db.session.flush()
        ids = [i for i in due_instance_ids(now) if i in self.instances]
        return sum(fire_due_timers(i, now) for i in ids)


def seed_cases(ctx: dict) -> None:
    """Demo seeder of the penalty-case domain: replay the stories ending today. Flushes, never commits."""
    scenario = _Scenario(ctx, clock.today())
    scenario.run()
    ctx["cases"] = scenario.cases
    ctx["case_proposals"] = scenario.proposals
