"""Hazard search on the full-text indexes (app.search, app.hazards.search): the results are exactly those of a
substring test on the normalised fields (code, location, description, enterprise name) for every kind of
term, on SQLite and PostgreSQL; the index follows inserts, updates and deletes in the transaction (and
rollbacks); the rebuild command repairs it; the databases' plans use it."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from app import search
from app.extensions import db
from app.hazards import search as hazard_search
from app.hazards.models import Hazard, HazardStatus
from app.org.models import Enterprise
from app.search import normalize
from tests.factories.db import is_postgres, query_plans
from tests.factories.org import _enterprise

# (location, description): full-width forms, punctuation, Latin, digits, %, _, a repeated term, a
# character outside the BMP, and pairs whose last/first characters spell a term across two fields
FIELDS = [
    ("二车间配电室", "配电箱前堆放杂物，未保持通道畅通"),
    ("仓库", "叉车驾驶员无证上岗"),
    ("一号厂房", "消防通道被货物堵塞"),
    ("办公楼配", "电箱门未关闭"),  # 配|电 spans two fields: not 配电
    ("配电", "配电配电配电，重复"),
    ("仓库（二）", "ＹＨ全角编号与Ｍｉｘｅｄ Case"),
    ("锅炉房", "100%完成率虚报；a_b 下划线"),
    ("🔥危险品库", "火灾隐患：电"),
    ("车间", "配"),
    ("a", "b"),
    ("消防", "通道"),  # 消防|通道 spans two fields
    ("东区 南侧", "地面湿滑\n未设警示"),
]

TERMS = [
    "配", "电", "🔥", "a", "b", "%", "_", "（", "(", "ｙ", "Y",  # one character
    "配电", "叉车", "通道", "电箱", "火灾", "a_", "0%", "ｙｈ", "YH", "(二", "东区",  # two
    "配电箱", "消防通", "100%", "a_b", "Mixed", "mixed case", "（二）", "(二)", "南侧", "区 南",  # three and more
    "消防通道", "配电配电配电", "办公楼配电", "配电室配电箱", "湿滑\n未", "不存在的词", "消防通道被货物堵塞",
    "龙城", "有限公司", "化工", "ＡＢＣ", "(集团", "黄口建材有限公司", "xiāo",  # enterprise names
]


@pytest.fixture
def corpus(db, world, make_hazard):
    """Hazards with FIELDS for three enterprises (one with full-width Latin and brackets in its name)."""
    first = make_hazard()
    abc = _enterprise("ＡＢＣ化工（集团）有限公司", world.town_a, 9)
    db.session.flush()
    columns = {c.key: getattr(first, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}
    owners = [world.ent_a, world.ent_a2, world.ent_b, abc]
    for i, (location, description) in enumerate(FIELDS):
        db.session.add(Hazard(**dict(columns, code=f"YH2026{i + 100:06d}", seq=i + 2, location=location,
                                     description=description, enterprise_id=owners[i % 4].id)))
    db.session.commit()


def found(q: str) -> set[int]:
    return set(db.session.scalars(select(Hazard.id).where(hazard_search.clause(q))))


def expected(q: str) -> set[int]:
    """The reference: the hazards with `q` in one of their normalised fields."""
    term = normalize(q)
    rows = db.session.execute(
        select(Hazard.id, Hazard.code, Hazard.location, Hazard.description, Enterprise.name)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
    )
    return {r[0] for r in rows if any(term in normalize(v) for v in r[1:])}


def test_results_equal_a_substring_test_of_the_normalised_fields(corpus):
    for q in TERMS:
        assert found(q) == expected(q), q
    # the corpus really exercises the terms: only these find nothing (two of them span two fields)
    assert {q for q in TERMS if not expected(q)} == {"办公楼配电", "配电室配电箱", "不存在的词", "xiāo"}


def test_a_term_never_spans_two_fields(corpus):
    spanning = db.session.scalar(select(Hazard.id).where(Hazard.location == "办公楼配"))
    assert spanning not in found("配电") and spanning in found("电箱门")
    assert db.session.scalar(select(Hazard.id).where(Hazard.location == "消防")) not in found("消防通道")


def test_codes_are_found_in_any_width_and_case(corpus):
    hazard = db.session.scalars(select(Hazard).order_by(Hazard.id.desc())).first()
    assert found(hazard.code) == {hazard.id}
    assert hazard.id in found(hazard.code.lower()) and hazard.id in found("ＹＨ" + hazard.code[2:])


def test_the_list_page_and_api_search_with_the_index(login, world, corpus):
    officer = login(world.officer)
    body = officer.get("/api/v1/hazards", query_string={"q": "配电"}).json
    assert {h["id"] for h in body["items"]} == expected("配电")
    page = officer.get("/hazards", query_string={"q": "叉车"}).get_data(as_text=True)
    assert "叉车驾驶员无证上岗" in page and "消防通道被货物堵塞" not in page


def test_a_term_with_many_hits_walks_the_list_and_finds_the_same(login, world, corpus, monkeypatch):
    """Past app.paging.SMALL_SET hits the list walks its index and PostgreSQL tests each hazard against the
    hits (clause's `walk`): the same hazards, the same order, as the form for few hits; and directly."""
    from app import paging

    for q in TERMS:
        walked = set(db.session.scalars(select(Hazard.id).where(hazard_search.clause(q, walk=True))))
        assert walked == expected(q) == found(q), q
    officer = login(world.officer)

    def listed(q: str) -> list[int] | int:  # the ids in list order (a term the API refuses: its status)
        got = officer.get("/api/v1/hazards", query_string={"q": q})
        return [h["id"] for h in got.json["items"]] if got.status_code == 200 else got.status_code

    few = {q: listed(q) for q in TERMS}
    clauses = []
    real = hazard_search.clause
    monkeypatch.setattr(paging, "SMALL_SET", 0)
    monkeypatch.setattr(hazard_search, "clause", lambda *a, **kw: clauses.append(kw.get("walk", False)) or real(*a, **kw))
    for q in TERMS:
        assert listed(q) == few[q], q
    assert any(clauses)  # the terms the index counted went through the walk


def test_the_index_follows_inserts_updates_and_deletes_in_the_transaction(corpus):
    hazard = db.session.scalars(select(Hazard).where(Hazard.location == "仓库")).one()
    hazard.description = "安全出口上锁"
    db.session.flush()
    assert hazard.id in found("出口") and hazard.id not in found("叉车")
    hazard.location = "三号仓库"
    hazard.code = "YH2026ZZ0001"
    db.session.commit()
    assert hazard.id in found("三号") and hazard.id in found("zz0001") and hazard.id in found("出口")
    assert found("叉车") == set()

    copy = Hazard(**{c.key: getattr(hazard, c.key) for c in Hazard.__table__.columns if c.key != "id"}
                  | {"code": "YH2026NEW001", "description": "新增隐患：梯子破损"})
    db.session.add(copy)
    db.session.flush()
    assert found("梯子") == {copy.id}
    db.session.delete(copy)
    db.session.commit()
    assert found("梯子") == set() and found("出口") == {hazard.id}
    for q in TERMS:
        assert found(q) == expected(q), q


def test_enterprise_renames_are_followed(world, corpus):
    world.ent_b.name = "萧县黄口新材料有限公司"
    db.session.commit()
    assert found("新材料") == expected("新材料") != set() and found("建材") == set()


def test_a_rollback_leaves_the_index_as_it_was(corpus):
    hazard = db.session.scalars(select(Hazard).where(Hazard.location == "锅炉房")).one()
    hazard.description = "压力表过期未检"
    db.session.flush()
    assert found("压力表") == {hazard.id}
    db.session.rollback()
    assert found("压力表") == set() and hazard.id in found("a_b")
    for q in TERMS:
        assert found(q) == expected(q), q


def _index_statements(work) -> list[str]:
    """The statements `work()` runs on the search index's tables (the index written once per transaction)."""
    seen: list[str] = []

    def on_sql(conn, cursor, statement, *_args) -> None:
        if "hazard_search" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", on_sql)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_sql)
    return seen


def test_a_row_inserted_then_changed_in_one_transaction_is_indexed_once(app, corpus):
    """登记: the INSERT, then the code made from the new id in a second flush: its final words are written
    once, at the commit (SQLite: the reused-id check, its digest, its words; PostgreSQL: one upsert)."""
    template = db.session.scalars(select(Hazard).where(Hazard.location == "仓库")).one()
    columns = {c.key: getattr(template, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}

    def register() -> None:
        hazard = Hazard(**columns | {"code": "tmp-1", "description": "新登记：梯子破损"})
        db.session.add(hazard)
        db.session.flush()
        hazard.code = f"YH2026{hazard.id:06d}"
        db.session.flush()
        db.session.commit()

    seen = _index_statements(register)
    assert len(seen) == (1 if is_postgres(app) else 3), seen
    assert not any("'delete'" in s or "LEFT JOIN" in s for s in seen)
    new = found("梯子")
    assert len(new) == 1 and found(f"YH2026{next(iter(new)):06d}") == new and found("tmp-1") == set()
    for q in TERMS:
        assert found(q) == expected(q), q


def test_a_search_inside_the_transaction_sees_its_changes_and_the_commit_keeps_them(corpus):
    hazard = db.session.scalars(select(Hazard).where(Hazard.location == "仓库")).one()
    hazard.description = "安全出口上锁"
    assert found("出口") == {hazard.id}  # written before the search
    hazard.description = "安全出口封死"
    db.session.commit()  # written again with the final words, taking out the ones written above
    assert found("封死") == {hazard.id} and found("上锁") == set() and found("叉车") == set()
    for q in TERMS:
        assert found(q) == expected(q), q


def test_a_savepoint_rolled_back_leaves_the_index_right(app, corpus):
    kept = db.session.scalars(select(Hazard).where(Hazard.location == "锅炉房")).one()
    gone = db.session.scalars(select(Hazard).where(Hazard.location == "一号厂房")).one()
    columns = {c.key: getattr(kept, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}
    kept.description = "压力表过期未检"
    with pytest.raises(RuntimeError), db.session.begin_nested():
        db.session.add(Hazard(**columns | {"code": "YH2026SP0001", "description": "回滚的隐患：梯子"}))
        db.session.delete(gone)
        kept.location = "二号锅炉房"
        assert found("梯子") != set() and found("二号锅炉") == {kept.id}  # written inside the savepoint
        raise RuntimeError("savepoint rolled back")
    db.session.commit()
    assert found("梯子") == set() and found("压力表") == {kept.id} and found("二号锅炉") == set()
    assert found("消防通道") == {gone.id}
    for q in TERMS:
        assert found(q) == expected(q), q
    if not is_postgres(app):
        db.session.execute(text("INSERT INTO hazard_search (hazard_search) VALUES ('integrity-check')"))


def test_rows_changed_or_deleted_by_plain_sql_never_corrupt_it(corpus, app):
    """Outside the ORM the index goes stale (the rebuild command repairs it), but a later change through
    the ORM still leaves correct results, and a reused id never inherits the words of a deleted row."""
    hazard = db.session.scalars(select(Hazard).where(Hazard.location == "锅炉房")).one()
    db.session.execute(text("UPDATE hazards SET description = '绝缘手套破损' WHERE id = :id"), {"id": hazard.id})
    db.session.commit()
    hazard.description = "绝缘靴破损"
    db.session.commit()
    assert found("绝缘靴") == {hazard.id} and found("100%") == set()

    last = db.session.scalars(select(Hazard).order_by(Hazard.id.desc())).first()
    columns = {c.key: getattr(last, c.key) for c in Hazard.__table__.columns}
    db.session.execute(text("DELETE FROM hazards WHERE id = :id"), {"id": last.id})
    db.session.commit()
    db.session.expunge_all()
    db.session.add(Hazard(**columns | {"description": "防护栏缺失", "location": "屋顶"}))  # the same id again
    db.session.commit()
    assert found("防护栏") == {columns["id"]} and found("湿滑") == set()
    for q in TERMS:
        assert found(q) == expected(q), q
    if not is_postgres(app):  # FTS5 checks its index against the words it holds: raises if corrupt
        db.session.execute(text("INSERT INTO hazard_search (hazard_search) VALUES ('integrity-check')"))


def test_the_rebuild_command_repairs_the_index(app, corpus):
    db.session.execute(text("UPDATE hazards SET description = '应急照明损坏' WHERE location = '仓库'"))
    db.session.execute(text("UPDATE enterprises SET name = '萧县黄口钢构有限公司' WHERE name = '萧县黄口建材有限公司'"))
    db.session.commit()
    assert found("应急照明") == set() and found("钢构") == set()
    result = app.test_cli_runner().invoke(args=["hazards", "search-rebuild"])
    assert result.exit_code == 0, result.output
    assert "hazard_search" in result.output and "检索索引已重建" in result.output
    for q in [*TERMS, "应急照明", "钢构"]:
        assert found(q) == expected(q), q
    assert found("应急照明") and found("钢构") and found("叉车") == set()


def test_the_query_plan_uses_the_full_text_index(login, world, corpus, app):
    postgres = is_postgres(app)
    if postgres:  # a handful of rows: the planner would rightly scan them; show that it can use the index
        # (with statistics of a few rows it may also walk the primary key and filter each row: plain index
        # scans off too, so the only way left to find the documents is through an index condition)
        db.session.execute(text("SET enable_seqscan = off"))
        db.session.execute(text("SET enable_indexscan = off"))
    try:
        for q in ("配", "配电", "消防通道"):
            with query_plans() as plans:
                list(db.session.scalars(select(Hazard.id).where(hazard_search.clause(q))))
            plan = "\n".join(p for _, p in plans)
            if postgres:
                # (the few enterprises may be probed by primary key instead of through their GIN index)
                assert "Bitmap Index Scan on ix_hazard_search_tsv" in plan and "enterprise_search" in plan, plan
            else:
                assert "SCAN hazard_search VIRTUAL TABLE" in plan and "SCAN enterprise_search VIRTUAL TABLE" in plan, plan
    finally:
        if postgres:
            db.session.execute(text("RESET enable_seqscan"))
            db.session.execute(text("RESET enable_indexscan"))


@pytest.mark.postgres_only
def test_postgres_normalises_as_python_does():
    """The check PostgreSQL makes on 3+ character terms spells app.search.text.normalize in SQL."""
    from sqlalchemy import Text, literal

    from app.search.store import normalized_sql

    for sample in ["ＹＨ２０２４－ＡＢ", "Mixed Case", "（二）", "ﬁ①㍿", "Äß", "配电\u3000箱", "ｶﾞ"]:
        assert db.session.scalar(select(normalized_sql(literal(sample, Text)))) == normalize(sample), sample



@pytest.mark.postgres_only
def test_postgres_keeps_each_document_out_of_line(corpus):
    """Every search row's tsvector lives in the TOAST table, after an insert and after an update of the row's
    words, so the table that a search reads a page of for each match stays small (app.search.store.PG_PAD);
    the documents still find what they should."""

    def rows_and_toasted() -> tuple[int, int]:
        toast = db.session.scalar(text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'hazard_search'"))
        rows = db.session.scalar(text("SELECT count(*) FROM hazard_search"))
        # the chunks of live values (an updated row's old value is deleted with it)
        return rows, db.session.scalar(text(f"SELECT count(DISTINCT chunk_id) FROM {toast}"))  # noqa: S608

    assert rows_and_toasted() == (len(FIELDS) + 1, len(FIELDS) + 1)
    hazard = db.session.scalars(select(Hazard).where(Hazard.location == FIELDS[0][0]).order_by(Hazard.id)).first()
    hazard.description = "配电箱门未关闭，应急照明损坏"
    db.session.commit()
    assert rows_and_toasted() == (len(FIELDS) + 1, len(FIELDS) + 1)
    assert hazard.id in found("应急照明") and found("应急照明") == expected("应急照明")


@pytest.mark.postgres_only
def test_postgres_checks_a_longer_term_in_the_index_table_alone(corpus):
    """A term of three or more characters is checked in the body the index table keeps in each row (the fields
    normalised, app.search.store.BODY_SEPARATOR between them): its search and its capped count read no hazard
    row. The body follows an update of an indexed field; a term holding the separator, which no body can
    answer, is checked in the hazards' own fields instead — every result still that of the substring test."""
    from app.search import store

    def bodies() -> dict[int, tuple[str, int]]:
        rows = db.session.execute(text("SELECT id, body, pg_column_size(body) FROM hazard_search"))
        return {r[0]: (r[1], r[2]) for r in rows}

    hazards = db.session.scalars(select(Hazard)).all()
    for h in hazards:
        body, size = bodies()[h.id]
        assert body == store.BODY_SEPARATOR.join(normalize(v) for v in (h.code, h.location, h.description))
        assert size == len(body.encode()) + 1  # in the row, uncompressed: no TOAST read to check it
    hazard = next(h for h in hazards if h.location == FIELDS[5][0])
    hazard.description = "ＹＨ编号已更正"
    db.session.commit()
    assert bodies()[hazard.id][0].endswith(store.BODY_SEPARATOR + "yh编号已更正")
    for q in ("消防通道", "配电箱", "yh编号", "ＹＨ全角", "(二)"):
        assert " hazards" not in _sql(search.matching(Hazard, q)), q
        assert found(q) == expected(q), q
    weird = f"配电{store.BODY_SEPARATOR}箱"
    assert " hazards" in _sql(search.matching(Hazard, weird))
    assert found(weird) == expected(weird) == set()
    issued = set(db.session.scalars(select(Hazard.id).where(Hazard.status != HazardStatus.DRAFT)))
    for q in ("消防通道", "配电箱", "配电配电配电"):
        with query_plans() as plans:
            n = hazard_search.count(q, cap=10_000)
        assert n == len(expected(q) & issued) > 0, q
        counted = [p for _, p in plans if "hazard_search" in p]
        assert counted and not any(" on hazards " in p for p in counted), plans


def _sql(stmt) -> str:
    return str(stmt.compile(db.engine))
