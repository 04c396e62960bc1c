"""严重失信主体名单台账 read as plain columns (app/credit/ledger.py): every cell of a listing with all its records
(陈述申辩, 惩戒措施, 推送, 复议诉讼, 信用修复, its documents and its penalty decision's, 公示, 事故) as the ORM
reading it replaced wrote it, and a fixed number of statements however many listings and batches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlalchemy import event
from werkzeug.datastructures import MultiDict

from app import clock
from app.credit import ledger, queries
from app.credit.models import (
    AccidentLevel,
    CreditPush,
    ListingMeasure,
    ListingRemedy,
    ListingStatement,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.documents.models import DocumentNumber, OfficialDocument
from app.extensions import db
from app.publication.models import Publication, PublicationStatus
from tests.factories.credit_web import listing_at, make_accident
from tests.factories.db import commit

PID = "341322197001011234"
_serial = count(1)


def _rows(user, **args) -> list[dict]:
    extract = ledger.extract(ledger.LEDGER, user, MultiDict(args), attachment_base="", today=clock.today())
    return list(extract.rows)


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _doc(world, subject_type: str, subject_id: int, doc_type: str, text: str, issued_at, *, voided=False):
    number = DocumentNumber(
        agency_id=world.bureau.id, year=issued_at.year, code_word="信", serial=next(_serial), text=text
    )
    db.session.add(number)
    db.session.flush()
    db.session.add(
        OfficialDocument(
            doc_type=doc_type,
            number_id=number.id,
            agency_id=world.bureau.id,
            subject_type=subject_type,
            subject_id=subject_id,
            title=text,
            template="t.html",
            content={},
            issued_at=issued_at,
            voided=voided,
        )
    )


def _publication(world, listing, published_on: date, withdrawn_at=None):
    db.session.add(
        Publication(
            subject_type="credit_listings",
            subject_id=listing.id,
            kind="credit_listing",
            title="严重失信主体名单",
            fields=[],
            region_path=listing.region_path,
            agency_id=world.bureau.id,
            decided_on=published_on,
            published_at=_utc(published_on.year, published_on.month, published_on.day, 2),
            published_on=published_on,
            status=PublicationStatus.WITHDRAWN if withdrawn_at else PublicationStatus.PUBLISHED,
            withdrawn_at=withdrawn_at,
        )
    )


def _records(world, listing, *, case_id=None) -> None:
    """Two of each related record, in the order the ledger must write them."""
    lid, officer = listing.id, world.officer.id
    db.session.add_all(
        [
            # 17:00 UTC is the next day in China: the ledger writes the local day
            ListingStatement(
                listing_id=lid,
                kind="陈述申辩",
                channel="网上提交",
                submitted_at=_utc(2026, 3, 1, 17),
                submitted_by_id=officer,
            ),
            ListingStatement(
                listing_id=lid,
                kind="陈述申辩",
                channel="执法人员记录",
                submitted_at=_utc(2026, 3, 3, 2),
                submitted_by_id=officer,
            ),
            ListingMeasure(
                listing_id=lid,
                code="project_approval",
                name="限制新增项目审批",
                basis="依据",
                department="县发展改革委",
                status="待反馈",
                detail={"before": "A"},
            ),
            ListingMeasure(
                listing_id=lid,
                code="inspection",
                name="加大执法检查频次",
                basis="依据",
                department="本局",
                internal=True,
                status="本局执行",
            ),
            CreditPush(
                listing_id=lid,
                action="列入",
                record={"x": 1},
                file_name="a.json",
                sha256="0" * 64,
                pushed_at=_utc(2026, 4, 1, 20),
            ),
            CreditPush(
                listing_id=lid,
                action="移出",
                record={},
                file_name="b.json",
                sha256="1" * 64,
                pushed_at=_utc(2026, 5, 1, 1),
            ),
            ListingRemedy(
                listing_id=lid,
                kind="复议",
                body="宿州市应急管理局",
                filed_on=date(2026, 4, 10),
                outcome="维持",
                recorded_by_id=officer,
            ),
            ListingRemedy(
                listing_id=lid,
                kind="诉讼",
                body="萧县人民法院",
                filed_on=date(2026, 5, 10),
                recorded_by_id=officer,
            ),
            RepairApplication(
                listing_id=lid,
                applied_on=date(2027, 1, 5),
                channel="网上申请",
                applied_by_id=officer,
                statement="已整改",
                checks=[{"label": "罚款已缴纳", "passed": True}, {"label": "信用承诺书", "passed": False}],
                status=RepairStatus.REVOKED,
                decision="准予",
                decided_on=date(2027, 1, 20),
                revoked_on=date(2027, 3, 1),
            ),
            RepairApplication(
                listing_id=lid,
                applied_on=date(2027, 4, 1),
                channel="窗口登记",
                applied_by_id=officer,
                statement="再次申请",
                checks=[{"label": "罚款已缴纳", "passed": None}],
                status=RepairStatus.VERIFYING,
            ),
        ]
    )
    _doc(world, "credit_listings", lid, "credit_notice", "萧应急信告〔2026〕1号", _utc(2026, 2, 10, 3))
    _doc(world, "credit_listings", lid, "credit_notice", "萧应急信告〔2026〕3号", _utc(2026, 2, 12, 3))
    _doc(
        world,
        "credit_listings",
        lid,
        "credit_notice",
        "萧应急信告〔2026〕4号",
        _utc(2026, 2, 13, 3),
        voided=True,
    )
    _doc(world, "credit_listings", lid, "credit_decision", "萧应急信列〔2026〕2号", _utc(2026, 3, 20, 3))
    _doc(
        world, "credit_listings", lid, "credit_repair_decision", "萧应急信修〔2027〕1号", _utc(2027, 1, 20, 3)
    )
    _doc(world, "credit_listings", lid, "credit_revoke", "萧应急信撤〔2027〕1号", _utc(2027, 3, 1, 3))
    if case_id:
        _doc(
            world,
            "penalty_cases",
            case_id,
            "penalty_decision",
            "（萧）应急罚〔2026〕5号",
            _utc(2026, 1, 31, 20),
        )
    _publication(world, listing, date(2026, 4, 2))
    _publication(world, listing, date(2026, 5, 1), withdrawn_at=_utc(2026, 5, 2, 1))


def test_every_cell_of_a_listing_with_all_its_records(world, make_case):
    case = make_case().case
    old = make_accident(
        world, name="B仓库火灾事故", level=AccidentLevel.ORDINARY, occurred_on=date(2025, 12, 1)
    )
    new = make_accident(
        world, name="A机械伤害事故", level=AccidentLevel.LARGER, occurred_on=date(2026, 1, 10)
    )
    listing = listing_at(
        world,
        ListingStatus.LISTED,
        person_name="张主要",
        person_role="主要负责人",
        person_id_no=PID,
        case_id=case.id,
        accident_ids=[old.id, new.id, 999999],  # an id no accident has is left out
        verification="经核查属实",
    )
    _records(world, listing, case_id=case.id)
    # a second listing resting on the same penalty decision gets its document too; its own records are none
    bare = listing_at(
        world, ListingStatus.REVOKED, enterprise=world.ent_b, case_id=case.id, verification="无异议"
    )
    declined = listing_at(world, ListingStatus.DECLINED, enterprise=world.ent_a2)
    expired = listing_at(world, ListingStatus.REMOVED, enterprise=world.ent_a2)
    commit()
    rows = _rows(world.officer)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    row, row_bare, row_declined, row_expired = rows
    ent = world.ent_a
    assert row == {
        "seq": 1,
        "subject_kind": "单位、个人",
        "name": f"{ent.name}；张主要（主要负责人）",
        "id_number": f"{ent.credit_code}；{PID}",
        "head": f"{ent.legal_rep}；张主要",
        "industry": ent.industry,
        "criterion": "应急管理部令第11号第七条第一项：未依法取得安全生产许可证擅自从事生产经营活动",
        "case_decision": "（萧）应急罚〔2026〕5号 / 2026-02-01",
        "accidents": "B仓库火灾事故/一般/2025-12-01；A机械伤害事故/较大/2026-01-10",
        "notice": f"萧应急信告〔2026〕3号 / {listing.notice_served_on.isoformat()}",
        "statement": "陈述申辩（网上提交，2026-03-02）；陈述申辩（执法人员记录，2026-03-03）；核查：经核查属实",
        "decision_no": "萧应急信列〔2026〕2号",
        "decided_on": listing.decided_on,
        "agency": world.bureau.name,
        "publication": "2026-04-02 信用中国（本部门门户网站）；2026-05-01 信用中国（本部门门户网站）（已撤回）",
        "pushed": "列入 2026-04-02；移出 2026-05-01",
        "measures": "限制新增项目审批（县发展改革委，待反馈）；加大执法检查频次（本局，本局执行）",
        "term": f"{listing.term_start.isoformat()} 至 {listing.term_end.isoformat()}",
        "repair_applied": "2027-01-05；2027-04-01",
        "repair_checks": "罚款已缴纳：符合、信用承诺书：不符合；罚款已缴纳：待核实",
        "repair_decision": "萧应急信修〔2027〕1号 / 2027-01-20",
        "expired_on": None,
        "revoked": "萧应急信撤〔2027〕1号 2027-03-01 恢复列入",
        "remedies": "复议 宿州市应急管理局 2026-04-10 维持；诉讼 萧县人民法院 2026-05-10",
        "remarks": "状态：已列入",
    }
    today = clock.today().isoformat()
    assert row_bare["name"] == world.ent_b.name and row_bare["id_number"] == world.ent_b.credit_code
    assert row_bare["case_decision"] == "（萧）应急罚〔2026〕5号 / 2026-02-01"
    assert row_bare["statement"] == "期限内未陈述申辩；核查：无异议"  # served, no statement, verified
    assert row_bare["remarks"] == f"状态：已撤销；撤销列入 {today}：处罚决定被撤销"
    for key in ("accidents", "notice", "publication", "pushed", "measures", "repair_applied", "remedies"):
        assert row_bare[key] == "", key
    assert row_bare["repair_decision"] == "" and row_bare["revoked"] == "" and row_bare["expired_on"] is None
    assert row_declined["remarks"] == "状态：不予列入；不予列入：核查后不符合列入情形"
    assert row_declined["term"] == "" and row_declined["decided_on"] is None
    assert row_expired["expired_on"] == clock.today() and row_expired["remarks"] == "状态：已移出"
    assert bare.id < declined.id < expired.id  # the rows in proposal (id) order


def _statements_of(user) -> tuple[int, int]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if not statement.startswith("PRAGMA"):  # a bulk read's connection settings (app.db.bulk_read), not reads
            seen.append(statement)

    _rows(user)  # the user's own rows (roles, department) loaded: what is counted is the export's reading
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        n = len(_rows(user))
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return n, len(seen)


def test_the_statements_do_not_grow_with_the_rows(world, monkeypatch):
    monkeypatch.setattr(ledger, "CHUNK", 4)  # several batches
    accident = make_accident(world)
    first = listing_at(world, ListingStatus.LISTED, accident_ids=[accident.id])
    _records(world, first)
    commit()
    one, few = _statements_of(world.officer)
    assert one == 1
    for i in range(14):
        lst = listing_at(
            world,
            ListingStatus.LISTED,
            enterprise=(world.ent_a, world.ent_a2, world.ent_b)[i % 3],
            accident_ids=[make_accident(world).id],
            proposed_on=clock.today() - timedelta(days=100 + i),
        )
        _records(world, lst)
    commit()
    many, more = _statements_of(world.officer)
    assert many == 15 and many > 3 * ledger.CHUNK
    _main, related = ledger.statements(world.officer, queries.ListingFilters())
    # the listings, one per related table, the accidents' ids and the accidents
    assert more == few == 1 + len(related) + 2
