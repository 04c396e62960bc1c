"""A city's five years of the 严重失信主体名单 for the credit benchmark of issue #14, on top of the penalty-case
data set (bench/case_data.py: 宿州市, six 应急管理局, ~15,000 enterprises, 100,000 cases): a copy of
bench/out/cases_100k.db with, bulk-loaded by Core inserts (ids assigned here, every NOT NULL / FK respected):

- accidents       2,000 事故 (一般 ~90 %, 较大 ~8 %, 重大 ~2 %) 2022-01-01 .. 2026-11-30, each registered by its
                  county's 应急管理局;
- credit_listings ~3,000 listings proposed over the same five years (criteria 6/7/8/9 from a decided penalty
                  case of the enterprise, 1–5 from its accidents), most ended (期满移出 after the 3-year term,
                  提前移出 after ≥ 12 months, a few 撤销列入), some 不予列入, ~900 已列入 in force (~30 %), and
                  the recent ones at each procedure stage (拟列入 告知中 核查中 待决定 待送达). Dates follow the
                  credit pack (app.credit.rules.credit_pack: 陈述申辩 window, term_end, publish_due) through
                  app.calendar;
- listing_statements (陈述申辩 / 放弃陈述申辩, recorded by an officer), listing_measures (~8 per decided
                  listing: the three internal ones and five external ones with their feedback: received, overdue
                  or waiting; lifted when the listing ended), credit_pushes (列入, and 移出/撤销 at the end),
                  publications (kind credit_listing: shown while in force, withdrawn at the end, 身份证号
                  masked as app.publication masks it).

Bulk listings have no workflow instance, documents or audit records (the list, the 公示 page and the ledger
read none of them, the ledger's document columns stay empty for them). The enterprises' inspection class is
not raised for the bulk listings.

WALKED listings, through the real operations (app.credit.operations.listing, each step with its real actor,
as tests/factories/credit.py walks them) on 萧县 enterprises, so their workflow instances and documents exist:
"big" — 已列入 with every measure of the library (15: three internal, twelve 联合惩戒通知); one at each stage
(prepare_notice, serve_notice, state_case, verify, decide, serve_decision ready). Ids in bench_credit_meta.

    from bench.credit_data import ensure, copy_of, meta
    url = ensure()                      # bench/out/credit_3000.db (built when missing or stale)
    python -m bench.credit_data         # builds when missing, prints the mix

Knobs: BENCH_CREDIT_LISTINGS (3000), BENCH_CREDIT_ACCIDENTS (2000). SQLite only (no PostgreSQL here).
The credit tables come from migration 0023_credit; a table of the models still without a migration is created
from the models (metadata.create_all of the missing tables only); a missing column stops the build.
Accounts: bench.case_data.ACCOUNTS / PASSWORD (萧县应急管理局 officer, officer2, section_head, leader; city).
"""

from __future__ import annotations

import bisect
import fcntl
import hashlib
import json
import os
import random
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT
from bench.scale_data import _cumulative, _person, _utc
from bench.server import AUDIT_KEY

DATA_VERSION = "3"
SEED = 20261414
N_LISTINGS = int(os.environ.get("BENCH_CREDIT_LISTINGS", "3000"))
N_ACCIDENTS = int(os.environ.get("BENCH_CREDIT_ACCIDENTS", "2000"))
SQLITE_PATH = OUT / f"credit_{N_LISTINGS}.db"
FIRST_DAY, LAST_DAY = date(2022, 1, 1), date(2026, 11, 30)
CREDIT_TABLES = ("accidents", "credit_listings", "listing_statements", "listing_measures", "credit_pushes")
CRITERIA_MIX = [("9", 35), ("6", 18), ("8", 14), ("7", 4), ("1", 3), ("2", 6), ("3", 6), ("4", 9), ("5", 5)]
EXTERNAL_DEFAULT = (
    "project_approval",
    "land_supply",
    "credit_financing",
    "insurance_premium",
    "government_procurement",
)
STAGES = ("prepare_notice", "serve_notice", "state_case", "verify", "decide", "serve_decision")


def _url_of(path: Path) -> str:
    return f"sqlite:///{path}"


# --- rows ----------------------------------------------------------------------------------------------------
class CreditRows:
    """The bulk accidents, listings and their rows, as dicts per table (ids assigned here)."""

    def __init__(self, conn, as_of: date, seed: int = SEED):
        from app.credit import criteria

        self.conn, self.as_of = conn, as_of
        self.rng = random.Random(seed)
        self.crit = {c: criteria.criterion(c) for c, _ in CRITERIA_MIX}
        self.rows: dict[str, list[dict]] = {t: [] for t in (*CREDIT_TABLES, "publications")}
        self.measures = {m["code"]: m for m in _measure_library()}
        # the organisation, from the database: county bureaus by path, their officers, the enterprises
        self.bureaus = {
            path: (dep_id, name)
            for dep_id, name, path in conn.exec_driver_sql(
                "SELECT d.id, d.name, r.path FROM departments d JOIN regions r ON r.id = d.region_id "
                "WHERE r.level = 'county' AND d.kind = '局'"
            )
        }
        self.officers: dict[int, list[int]] = {}
        for uid, dep in conn.exec_driver_sql(
            "SELECT id, department_id FROM users WHERE cert_no IS NOT NULL AND department_id IS NOT NULL"
        ):
            self.officers.setdefault(dep, []).append(uid)
        self.ents = [
            (eid, name, code, path, legal)
            for eid, name, code, path, legal in conn.exec_driver_sql(
                "SELECT id, name, credit_code, region_path, legal_rep FROM enterprises ORDER BY id"
            )
        ]
        self.ent_by_id = {e[0]: e for e in self.ents}
        self.cases = list(
            conn.exec_driver_sql(
                "SELECT id, enterprise_id, case_no, decided_on FROM penalty_cases WHERE outcome = 'penalty' "
                "AND decided_on IS NOT NULL ORDER BY id"
            )
        )
        self.leader_of: dict[int, int] = {}  # agency -> a leader (the bench accounts: 萧县 only)

    def agency_of(self, region_path: str) -> int:
        county = "/".join(region_path.split("/")[:4]) + "/"
        return self.bureaus[county][0]

    def _day(self, lo: date, hi: date) -> date:
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    # accidents ---------------------------------------------------------------------------------------------
    def build_accidents(self, n: int) -> None:
        rng = self.rng
        for aid in range(1, n + 1):
            e = rng.choice(self.ents)
            r = rng.random()
            level = "一般" if r < 0.90 else "较大" if r < 0.98 else "重大"
            day = self._day(FIRST_DAY, LAST_DAY)
            agency = self.agency_of(e[3])
            deaths = {
                "一般": rng.choice([0, 0, 1, 1, 2]),
                "较大": rng.randint(3, 9),
                "重大": rng.randint(10, 25),
            }[level]
            self.rows["accidents"].append(
                {
                    "id": aid,
                    "enterprise_id": e[0],
                    "region_path": e[3],
                    "agency_id": agency,
                    "name": f"{e[1]}“{day.month}·{day.day}”{rng.choice(['机械伤害', '物体打击', '触电', '高处坠落', '火灾'])}事故",
                    "occurred_on": day,
                    "level": level,
                    "deaths": deaths,
                    "injuries": rng.randint(0, 5),
                    "direct_loss": round(rng.uniform(5, 2000), 2),
                    "concealment": "瞒报" if rng.random() < 0.03 else "",
                    "art114_multiple": rng.random() < 0.02,
                    "head_failed_rescue": rng.random() < 0.01,
                    "responsible": [{"kind": "单位", "name": e[1], "credit_code": e[2], "role": "事故单位"}],
                    "report_no": f"宿应急调〔{day.year}〕{aid}号",
                    "note": None,
                    "recorded_by_id": rng.choice(self.officers[agency]),
                    "created_at": _utc(day, 9),
                    "updated_at": _utc(day, 9),
                }
            )

    # listings ----------------------------------------------------------------------------------------------
    def build_listings(self, n: int) -> None:
        from app.credit.rules import credit_pack

        rng = self.rng
        cum = _cumulative([w for _, w in CRITERIA_MIX])
        by_ent_acc: dict[int, list[dict]] = {}
        for a in self.rows["accidents"]:
            by_ent_acc.setdefault(a["enterprise_id"], []).append(a)
        acc_ents = list(by_ent_acc)
        days = sorted(self._day(FIRST_DAY, LAST_DAY) for _ in range(n))
        pack = credit_pack("/340000/341300/", self.as_of)
        mid, sid, pid, pubid = 0, 0, 0, 0
        for lid, proposed in enumerate(days, start=1):
            code = CRITERIA_MIX[bisect.bisect(cum, rng.random() * cum[-1])][0]
            crit = self.crit[code]
            case_id, accident_ids, evidence = None, [], ""
            if crit.source == "accident":
                ent_id = rng.choice(acc_ents)
                accs = [a for a in by_ent_acc[ent_id] if a["occurred_on"] <= proposed] or by_ent_acc[ent_id][
                    :1
                ]
                accident_ids = [a["id"] for a in accs[-2:]]
                evidence = "；".join(f"{a['name']}（{a['report_no']}）" for a in accs[-2:])
                origin = "事故"
            else:
                case = self.cases[rng.randrange(len(self.cases))]
                case_id, ent_id = case[0], case[1]
                evidence = f"行政处罚决定（案件{case[2] or case[0]}）"
                origin = "处罚决定" if code != "7" else "人工提出"
            e = self.ent_by_id[ent_id]
            agency = self.agency_of(e[3])
            officers = self.officers[agency]
            person = {"person_name": None, "person_id_no": None, "person_role": None}
            if crit.includes_head:
                person = {
                    "person_name": _person(rng),
                    "person_id_no": f"3413{rng.randint(10**13, 10**14 - 1)}",
                    "person_role": "主要负责人",
                }
            # the procedure's dates (working days through app.calendar, the term through the credit pack)
            issued = proposed + timedelta(days=rng.randint(1, 6))
            served = issued + timedelta(days=rng.randint(1, 5))
            statement_due = pack.end_of("statement_period", served)
            verified = statement_due + timedelta(days=rng.randint(1, 6))
            decided = verified + timedelta(days=rng.randint(1, 8))
            dserved = decided + timedelta(days=rng.randint(1, 5))
            today = self.as_of
            dropped = rng.random() < 0.03
            declined = rng.random() < 0.06
            row = {
                "id": lid,
                "enterprise_id": ent_id,
                "subject_kind": "机构" if code == "7" else "单位",
                **person,
                "region_path": e[3],
                "agency_id": agency,
                "criterion": code,
                "criterion_text": crit.text,
                "origin": origin,
                "case_id": case_id,
                "accident_ids": accident_ids,
                "evidence": evidence,
                "reasons": None,
                "status": "拟列入",
                "proposed_on": proposed,
                "proposed_by_id": None if origin != "人工提出" else rng.choice(officers),
                "notice_served_on": None,
                "statement_due": None,
                "verification": None,
                "decided_on": None,
                "decided_by_id": None,
                "decision_served_on": None,
                "declined_reason": None,
                "measure_codes": [],
                "term_start": None,
                "term_end": None,
                "publish_due": None,
                "ended_on": None,
                "end_kind": None,
                "end_reason": None,
                "created_at": _utc(proposed, 1),
                "updated_at": _utc(min(dserved, today), 2),
            }
            self.rows["credit_listings"].append(row)
            if issued > today:
                continue  # 拟列入
            if dropped:
                row.update(status="不予列入", declined_reason="经核实不符合列入情形", decided_on=issued)
                continue
            row["reasons"] = f"{e[1]}{crit.text[:40]}"
            if served > today:
                row["status"] = "告知中"
                continue
            row.update(notice_served_on=served, statement_due=statement_due)
            r = rng.random()
            kind = "陈述申辩" if r < 0.3 else "放弃陈述申辩" if r < 0.7 else None
            if kind and served + timedelta(days=2) <= today:
                sid += 1
                self.rows["listing_statements"].append(
                    {
                        "id": sid,
                        "listing_id": lid,
                        "kind": kind,
                        "text": "我单位已按要求整改，请求从轻处理" if kind == "陈述申辩" else None,
                        "channel": "执法人员记录",
                        "submitted_at": _utc(served + timedelta(days=2), 3),
                        "submitted_by_id": rng.choice(officers),
                    }
                )
            if statement_due >= today:
                row["status"] = "告知中"
                continue
            if verified > today:
                row["status"] = "核查中"
                continue
            row["verification"] = "经核查，事实清楚，证据确实充分；陈述申辩理由不成立，予以书面答复。"
            if decided > today:
                row["status"] = "待决定"
                continue
            row.update(decided_on=decided, decided_by_id=self.leader_of.get(agency))
            if declined:
                row.update(status="不予列入", declined_reason="情节较轻，决定不予列入")
                continue
            codes = ["inspection_class_up", "key_supervision", "interview", *EXTERNAL_DEFAULT]
            extra = [c for c in self.measures if c not in codes]
            codes += rng.sample(extra, rng.choice([0, 0, 0, 1, 2]))
            row["measure_codes"] = codes
            if dserved > today:
                row["status"] = "待送达"
                continue
            term_end = pack.term_end(dserved)
            row.update(
                decision_served_on=dserved,
                term_start=dserved,
                term_end=term_end,
                publish_due=pack.end_of("publish_period", dserved),
            )
            # its end: 撤销 (rare), 提前移出 after ≥ 12 months (many), 期满 after the term
            ended = kind_end = None
            if rng.random() < 0.02:
                ended, kind_end = dserved + timedelta(days=rng.randint(60, 300)), "撤销列入"
            elif rng.random() < 0.85:
                ended, kind_end = dserved + timedelta(days=rng.randint(366, 600)), "提前移出"
            if ended is None or ended > today:
                ended, kind_end = (
                    (term_end + timedelta(days=1), "期满移出") if term_end < today else (None, None)
                )
            if ended:
                row.update(
                    status="已撤销" if kind_end == "撤销列入" else "已移出",
                    ended_on=ended,
                    end_kind=kind_end,
                    end_reason={
                        "撤销列入": "处罚决定被复议机关撤销",
                        "提前移出": "准予信用修复",
                        "期满移出": "管理期限届满",
                    }[kind_end],
                )
            else:
                row["status"] = "已列入"
            # measures
            feedback_due = pack.end_of("feedback_period", dserved)
            for c in codes:
                m = self.measures[c]
                mid += 1
                internal = bool(m["internal"])
                status, fb_on, fb = ("本局执行", None, None)
                if not internal:
                    roll = rng.random()
                    if feedback_due >= today and roll < 0.6:
                        status = "待反馈"
                    elif roll < 0.93:
                        fb_on = min(dserved + timedelta(days=rng.randint(3, 30)), today)
                        status, fb = "已反馈", f"已将该主体纳入{m['department']}限制范围"
                    else:
                        status = "逾期未反馈"
                if ended:
                    status = "已解除"
                self.rows["listing_measures"].append(
                    {
                        "id": mid,
                        "listing_id": lid,
                        "code": c,
                        "name": m["name"],
                        "basis": m["basis"],
                        "department": m["department"],
                        "internal": internal,
                        "document_id": None,
                        "notified_on": None if internal else dserved,
                        "feedback_due": None if internal else feedback_due,
                        "feedback_on": fb_on,
                        "feedback": fb,
                        "feedback_by_id": rng.choice(officers) if fb_on else None,
                        "status": status,
                        "interview_on": pack.end_of("interview_period", dserved)
                        if m.get("kind") == "interview"
                        else None,
                        "lifted_on": ended,
                        "lift_document_id": None,
                        "detail": {"previous_class": "B"} if m.get("kind") == "class_up" else {},
                        "reminded_at": None,
                    }
                )
            # pushes and the publication
            actions = [("列入", dserved)] + (
                [({"撤销列入": "撤销"}.get(kind_end, "移出"), ended)] if ended else []
            )
            for action, day in actions:
                pid += 1
                rec = {"主体名称": e[1], "统一社会信用代码": e[2], "行为": action, "日期": day.isoformat()}
                self.rows["credit_pushes"].append(
                    {
                        "id": pid,
                        "listing_id": lid,
                        "action": action,
                        "record": rec,
                        "file_name": f"credit-push/{day:%Y%m%d}-{lid}-{action}.json",
                        "sha256": hashlib.sha256(json.dumps(rec, ensure_ascii=False).encode()).hexdigest(),
                        "pushed_at": _utc(day, 4),
                        "pushed_by_id": rng.choice(officers),
                        "count": 1,
                    }
                )
            pubid += 1
            self.rows["publications"].append(self._publication(pubid, row, e, codes, ended, kind_end))

    def _publication(self, pubid: int, row: dict, e: tuple, codes: list[str], ended, kind_end) -> dict:
        from app.credit.publicity import BASIS, FIELDS, KIND
        from app.publication.masking import mask_fields

        person = (row["person_name"] + "（主要负责人）") if row["person_name"] else ""
        name = self.bureaus["/".join(row["region_path"].split("/")[:4]) + "/"][1]
        values = {
            "失信主体名称": e[1],
            "主体类别": "安全生产服务机构" if row["criterion"] == "7" else "法人及非法人组织",
            "统一社会信用代码": e[2],
            "法定代表人": e[4] or "",
            "一并列入人员": person,
            "身份证号": row["person_id_no"] or "",
            "列入情形": f"第{row['criterion']}项：{row['criterion_text']}",
            "列入依据": BASIS,
            "失信事实": row["reasons"],
            "列入决定书文号": "",
            "列入日期": row["term_start"].isoformat(),
            "管理期限": f"{row['term_start'].isoformat()}至{row['term_end'].isoformat()}",
            "惩戒措施": "；".join(self.measures[c]["name"] for c in codes),
            "决定机关": name,
            "数据来源单位": name,
        }
        published = row["decision_served_on"] + timedelta(days=self.rng.randint(0, 2))
        return {
            "id": pubid,
            "subject_type": "credit_listings",
            "subject_id": row["id"],
            "kind": KIND,
            "title": f"{e[1]}列入安全生产严重失信主体名单",
            "fields": mask_fields([(label, values.get(label)) for label in FIELDS], frozenset({"身份证号"})),
            "region_path": row["region_path"],
            "agency_id": row["agency_id"],
            "decided_on": row["decided_on"],
            "due_on": row["publish_due"],
            "published_at": _utc(published, 5),
            "published_on": published,
            "published_by_id": None,
            "status": "已撤回" if ended else "已公示",
            "expires_on": row["term_end"],
            "withdrawn_at": _utc(ended, 6) if ended else None,
            "withdrawn_by_id": None,
            "withdraw_reason": {
                "撤销列入": "列入被撤销",
                "提前移出": "信用修复，提前移出",
                "期满移出": "管理期限届满，移出名单",
            }.get(kind_end)
            if ended
            else None,
            "withdraw_due_on": None,
        }


def _measure_library() -> list[dict]:
    path = Path(__file__).resolve().parent.parent / "app" / "credit" / "data" / "measures.json"
    return json.loads(path.read_text(encoding="utf-8"))["measures"]


# --- walked listings -----------------------------------------------------------------------------------------
class Walk:
    """Listings taken through the real operations by the 萧县 bench accounts (bench.case_data.ACCOUNTS)."""

    def __init__(self, ids: dict[str, int]):
        from bench.case_data import People

        self.p = People(ids)

    def enterprises(self, n: int, skip: int = 0) -> list[int]:
        """n 萧县 enterprises with no listing yet (bulk or walked)."""
        from sqlalchemy import select

        from app.credit.models import CreditListing
        from app.extensions import db
        from app.org.models import Enterprise

        taken = select(CreditListing.enterprise_id)
        return list(
            db.session.scalars(
                select(Enterprise.id)
                .where(Enterprise.region_path.like("/340000/341300/341322/%"), Enterprise.id.not_in(taken))
                .order_by(Enterprise.id.desc())
                .offset(skip)
                .limit(n)
            )
        )

    def new(self, enterprise_id: int, criterion: str = "9"):
        from app import clock
        from app.credit import criteria
        from app.credit.models import CreditListing, ListingStatus, ProposalOrigin
        from app.credit.operations import listing as ops
        from app.extensions import db
        from app.org.models import Enterprise

        ent = db.session.get(Enterprise, enterprise_id)
        crit = criteria.criterion(criterion)
        listing = CreditListing(
            enterprise_id=ent.id,
            region_path=ent.region_path,
            agency_id=self.p.officer.department_id,
            criterion=crit.code,
            criterion_text=crit.text,
            origin=ProposalOrigin.MANUAL,
            evidence="（萧）应急罚〔2026〕3号行政处罚决定书；现场检查记录",
            status=ListingStatus.PROPOSED,
            proposed_on=clock.today(),
            proposed_by_id=self.p.officer2.id,
        )
        db.session.add(listing)
        db.session.flush()
        ops.open_listing(listing, actor=self.p.officer2)
        db.session.flush()
        return listing

    def to(self, listing, stage: str, measure_codes: list[str] | None = None):
        """Walk `listing` until `stage` is ready ("listed": through serve_decision)."""
        from app import clock
        from app.credit.operations import listing as ops

        p, today = self.p, clock.today()
        serve = {"method": "直接送达", "recipient": "李安全", "served_on": today}
        order = [*STAGES, "listed"]
        steps = [
            lambda: ops.issue_notice(
                listing,
                {"notice_decision": "notify", "reasons": "未取得安全生产许可证擅自从事生产"},
                actor=p.officer,
            ),
            lambda: ops.serve_notice(listing, serve, actor=p.officer),
            lambda: ops.submit_statement(listing, {"statement_kind": "放弃陈述申辩"}, actor=p.officer),
            lambda: ops.verify(
                listing,
                {"verification": "经核查，当事人书面放弃陈述申辩，事实清楚。", "proposal": "list"},
                actor=p.officer,
            ),
            lambda: ops.decide(
                listing,
                {
                    "decision": "list",
                    "reasons": "",
                    **({"measure_codes": measure_codes} if measure_codes else {}),
                },
                actor=p.leader,
            ),
            lambda: ops.serve_decision(listing, serve, actor=p.officer),
        ]
        for k in range(order.index(stage)):
            steps[k]()
        return listing


def build_walked(ids: dict[str, int]) -> dict[str, str]:
    from app.credit.operations.common import ready_ids
    from app.extensions import db

    w = Walk(ids)
    out: dict[str, str] = {}
    ents = w.enterprises(1 + len(STAGES))
    big = w.to(w.new(ents[0]), "listed", measure_codes=[m["code"] for m in _measure_library()])
    db.session.flush()
    out["big_listing_id"] = str(big.id)
    print(
        f"    big listing {big.id}: {big.status}, {len(big.measures)} measures, ready {ready_ids(big)}",
        flush=True,
    )
    for stage, ent in zip(STAGES, ents[1:], strict=True):
        listing = w.to(w.new(ent), stage)
        db.session.flush()
        got = ready_ids(listing)
        if stage not in got:
            raise RuntimeError(f"walked listing {listing.id}: {stage} not ready ({got})")
        out[f"stage_{stage}"] = str(listing.id)
    db.session.commit()
    return out


# --- building and the cache ----------------------------------------------------------------------------------
def _timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<44} {time.perf_counter() - t0:8.1f} s", flush=True)
    return out


def _missing_schema(db) -> tuple[list[str], list[str]]:
    """Tables of the models absent from the database, and columns absent from existing tables."""
    from sqlalchemy import inspect

    insp = inspect(db.engine)
    have = set(insp.get_table_names())
    tables, columns = [], []
    for name, table in db.metadata.tables.items():
        if name not in have:
            tables.append(name)
            continue
        cols = {c["name"] for c in insp.get_columns(name)}
        columns += [f"{name}.{c.name}" for c in table.columns if c.name not in cols]
    return tables, columns


def _build(path: Path) -> None:
    from sqlalchemy import select

    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from bench.case_data import ACCOUNTS, _app, ensure

    started = time.perf_counter()
    src = ensure()
    shutil.copyfile(src.split("///", 1)[1], path)
    app = _app(_url_of(path))
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the bench server's key: the walked audit verifies
    with app.app_context():
        as_of = clock.today()
        print(f"生成 {N_LISTINGS:,} 条严重失信主体名单记录、{N_ACCIDENTS:,} 起事故 → {path}", flush=True)
        tables, columns = _missing_schema(db)
        if columns:
            raise RuntimeError(f"the cases data set lacks columns the models have: {columns} (a migration?)")
        db.metadata.create_all(db.engine, tables=[db.metadata.tables[t] for t in tables])
        print(f"  tables created from the models (no migration): {', '.join(tables) or '—'}", flush=True)
        ids = {k: db.session.scalar(select(User.id).where(User.username == u)) for k, u in ACCOUNTS.items()}
        leader = db.session.get(User, ids["leader"])
        with db.engine.connect() as conn:
            rows = CreditRows(conn, as_of)
        rows.leader_of[leader.department_id] = leader.id
        _timed("generate accidents", lambda: rows.build_accidents(N_ACCIDENTS))
        _timed("generate listings", lambda: rows.build_listings(N_LISTINGS))
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            first_pub = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM publications").scalar_one()
            for p in rows.rows["publications"]:
                p["id"] += first_pub
            for table in (*CREDIT_TABLES, "publications"):
                data = rows.rows[table]
                for i in range(0, len(data), 20_000):
                    conn.execute(db.metadata.tables[table].insert(), data[i : i + 20_000])
        print(
            f"  {'credit rows (Core executemany)':<44} {time.perf_counter() - t0:8.1f} s   "
            + ", ".join(f"{t} {len(rows.rows[t]):,}" for t in (*CREDIT_TABLES, "publications")),
            flush=True,
        )
        walked = _timed("walked listings (operations)", lambda: build_walked(ids))
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_credit_meta")
            conn.exec_driver_sql(
                "CREATE TABLE bench_credit_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"
            )
            for k, v in {
                "data_version": DATA_VERSION,
                "n_listings": str(N_LISTINGS),
                "n_accidents": str(N_ACCIDENTS),
                "built_on": as_of.isoformat(),
                "models": _models_digest(),
                **walked,
            }.items():
                conn.exec_driver_sql("INSERT INTO bench_credit_meta VALUES (?, ?)", (k, v))
        db.session.remove()
        db.engine.dispose()
    print(f"  {'total':<44} {time.perf_counter() - started:8.1f} s", flush=True)


def _models_digest() -> str:
    """A digest of the credit models' source: the data set is rebuilt when a helper adds a column."""
    h = hashlib.sha256()
    for f in sorted((Path(__file__).resolve().parent.parent / "app" / "credit" / "models").glob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def meta(url: str | None = None) -> dict[str, str]:
    import sqlite3

    path = url.split("///", 1)[1] if url else str(SQLITE_PATH)
    if not Path(path).exists():
        return {}
    con = sqlite3.connect(path)
    try:
        return dict(con.execute("SELECT key, value FROM bench_credit_meta").fetchall())
    except sqlite3.Error:
        return {}
    finally:
        con.close()


def _ready() -> bool:
    from bench.case_data import _ready as cases_ready

    m = meta()
    return (
        m.get("data_version") == DATA_VERSION
        and m.get("n_listings") == str(N_LISTINGS)
        and m.get("n_accidents") == str(N_ACCIDENTS)
        and m.get("models") == _models_digest()
        and m.get("built_on") == date.today().isoformat()
        and cases_ready(f"sqlite:///{__import__('bench.case_data', fromlist=['x']).SQLITE_PATH}")
    )


def ensure() -> str:
    """The URL of the ready data set (SQLite), built when missing or stale (the cases data set moved, the
    credit models changed, or it was built on another day: the statuses describe the day it was built)."""
    OUT.mkdir(exist_ok=True)
    with open(OUT / f"credit_{N_LISTINGS}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _ready():
            tmp = SQLITE_PATH.with_suffix(".building.db")
            for q in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                q.unlink(missing_ok=True)
            _build(tmp)
            for q in (Path(f"{SQLITE_PATH}-wal"), Path(f"{SQLITE_PATH}-shm")):
                q.unlink(missing_ok=True)
            os.replace(tmp, SQLITE_PATH)
        return _url_of(SQLITE_PATH)


def copy_of(name: str) -> str:
    """A private, writable copy (bench/out/<name>.db)."""
    ensure()
    path = OUT / f"{name}.db"
    for q in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        q.unlink(missing_ok=True)
    shutil.copyfile(SQLITE_PATH, path)
    return _url_of(path)


def describe(url: str) -> str:
    import sqlite3

    con = sqlite3.connect(url.split("///", 1)[1])
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*CREDIT_TABLES, "publications")
    }
    mix = con.execute(
        "SELECT status, coalesce(end_kind, ''), count(*) FROM credit_listings GROUP BY 1, 2 ORDER BY 3 DESC"
    ).fetchall()
    fb = con.execute("SELECT status, count(*) FROM listing_measures GROUP BY 1 ORDER BY 2 DESC").fetchall()
    con.close()
    return (
        ", ".join(f"{t} {n:,}" for t, n in counts.items())
        + "\n  listings: "
        + ", ".join(f"{s}{'/' + k if k else ''} {n:,}" for s, k, n in mix)
        + "\n  measures: "
        + ", ".join(f"{s} {n:,}" for s, n in fb)
    )


if __name__ == "__main__":
    u = ensure()
    print(f"ready: {u}\n  {describe(u)}\n  meta {meta(u)}")
