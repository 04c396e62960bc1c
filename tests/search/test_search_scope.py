"""Scope words in the hazard search index (issue #15, migration 0018): a search under a user's scope or a
乡镇 filter intersects the region inside the full-text query, and the list's results stay exactly those of a
substring test on the normalised fields within the user's scope, for a county officer, a town officer, a
city-wide admin and an enterprise user, with and without a 乡镇 filter, on SQLite and PostgreSQL; the
index follows a hazard's region_path when it changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.auth.models import Role
from app.extensions import db
from app.hazards import queries
from app.hazards import search as hazard_search
from app.hazards.models import Hazard, HazardStatus
from app.org.models import Department, Enterprise
from app.search import normalize
from app.search.store import Index
from app.search.text import scope_word, scope_words, terms
from tests.factories.db import is_postgres
from tests.factories.org import _user

TEXTS = [
    ("二车间配电室", "配电箱前堆放杂物"),
    ("仓库", "叉车驾驶员无证上岗"),
    ("一号厂房", "消防通道被货物堵塞"),
    ("配电", "配电柜未接地"),
    ("锅炉房", "压力表未定期校验"),
    ("办公楼配", "电箱门未关闭"),
]
TERMS = ["配", "电", "配电", "叉车", "配电箱", "消防通道", "压力表未定期", "龙城", "化工", "砀山", "有限公司",
         "YH2026", "不存在"]


@pytest.fixture
def spread(db, world, make_hazard):
    """Each text for each enterprise (village of town A, town A, town B, another county), in its region,
    one of each pair a draft (待签发) — and a hazard of town B's enterprise registered in town A."""
    first = make_hazard()
    columns = {c.key: getattr(first, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}
    seq = 100
    for ent in (world.ent_a, world.ent_a2, world.ent_b, world.ent_other):
        for i, (location, description) in enumerate(TEXTS):
            seq += 1
            status = HazardStatus.DRAFT if i % 3 == 2 else HazardStatus.RECTIFYING
            db.session.add(Hazard(**dict(columns, code=f"YH2026{seq:06d}", seq=seq, location=location,
                                         description=description, enterprise_id=ent.id,
                                         region_path=ent.region_path, status=status)))
    seq += 1
    db.session.add(Hazard(**dict(columns, code=f"YH2026{seq:06d}", seq=seq, location="配电房", description="电缆老化",
                                 enterprise_id=world.ent_b.id, region_path=world.town_a.path,
                                 status=HazardStatus.RECTIFYING)))
    db.session.commit()


@pytest.fixture
def city_user(world):
    """统计 of the city's bureau: every county of the city (scope /340000/341300/)."""
    bureau = Department(name="宿州市应急管理局", short_name="宿", kind="局", region=world.county.parent)
    db.session.add(bureau)
    user = _user("city_stats", "市统计", [Role.SUPERVISOR], bureau)
    db.session.commit()
    assert user.scope_path == world.county.parent.path
    return user


def expected(user, q: str, town: str = "") -> set[int]:
    """The reference: the user's hazards (no drafts, under the 乡镇) with `q` in a normalised field."""
    term = normalize(q)
    stmt = (queries.scoped(user).with_only_columns(Hazard.id, Hazard.code, Hazard.location, Hazard.description,
                                                    Hazard.region_path, Enterprise.name)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id).where(Hazard.status != HazardStatus.DRAFT))
    return {r[0] for r in db.session.execute(stmt)
            if r[4].startswith(town) and any(term in normalize(v) for v in (r[1], r[2], r[3], r[5]))}


def listed(user, q: str, town: str = "") -> set[int]:
    f = queries.HazardFilters(q=q, town=town)
    return set(db.session.scalars(queries.filtered(user, f).with_only_columns(Hazard.id)))


def test_scope_words_are_the_paths_prefixes_and_never_a_term():
    path = "/340000/341300/341322/341322100/"
    words = scope_words(path)
    assert words == [scope_word(p) for p in ("/340000/", "/340000/341300/", "/340000/341300/341322/", path)]
    assert len(set(words)) == 4 and all(w.startswith("r") for w in words)
    assert scope_word("") is None and scope_word("/") is None and scope_word("/340000/3413") is None
    assert scope_word("/34/x区/") not in (scope_word("/34/"), None)  # any character, distinctly
    # no bigram, character code (a–p) or separator (q) starts with r: no term or prefix query matches one
    for q in ("配", "r", "rk", "配电", "/340000/", "3413"):
        assert not any(w.startswith("r") for w in terms(q)[0]), q
    index = Index("x", "t", ("a",), scope="p")
    assert index.words(["配电", path]).split()[-4:] == words and index.words([None, None]) == ""


def test_each_users_search_equals_the_reference_within_its_scope(world, spread, city_user):
    users = {"county": world.officer, "town": world.town_officer, "city": city_user, "county admin": world.admin,
             "enterprise": world.manager_a, "other county": world.other_officer}
    for who, user in users.items():
        for q in TERMS:
            assert listed(user, q) == expected(user, q), (who, q)
    assert expected(world.officer, "配电") - expected(world.town_officer, "配电")  # the scopes really differ
    assert expected(city_user, "配电") - expected(world.officer, "配电")


def test_the_town_filter_is_tested_in_the_index_too(world, spread, city_user):
    for user in (world.officer, city_user):
        for town in (world.town_a.path, world.town_b.path, world.village_a.path):
            for q in TERMS:
                assert listed(user, q, town) == expected(user, q, town), (user.username, town, q)
    # a 乡镇 outside the user's scope finds nothing; a prefix that is not a whole path is still exact
    assert listed(world.town_officer, "配电", world.town_b.path) == set()
    assert listed(world.officer, "配电", world.town_a.path[:-3]) == expected(world.officer, "配电", world.town_a.path[:-3])


def test_the_index_alone_keeps_to_the_scope(world, spread):
    """The prefilter itself (no outer scope condition): the hazards under the path with the term."""
    county = world.county.path
    own = set(db.session.scalars(hazard_search.search.matching(Hazard, "配电", [county])))
    assert own and all(db.session.get(Hazard, i).region_path.startswith(county) for i in own)
    everywhere = set(db.session.scalars(hazard_search.search.matching(Hazard, "配电")))
    assert own == {i for i in everywhere if db.session.get(Hazard, i).region_path.startswith(county)} != everywhere


def test_the_index_follows_a_region_path_change(world, spread, city_user):
    moved = db.session.scalars(select(Hazard).where(Hazard.enterprise_id == world.ent_b.id,
                                                    Hazard.location == "仓库")).one()
    assert moved.id in listed(world.officer, "叉车", world.town_b.path)
    moved.region_path = world.town_a.path
    db.session.flush()  # in the transaction already
    assert moved.id in listed(world.town_officer, "叉车") and moved.id not in listed(world.officer, "叉车", world.town_b.path)
    db.session.commit()
    moved.region_path = world.ent_other.region_path  # to another county
    db.session.commit()
    assert moved.id not in listed(world.officer, "叉车") and moved.id in listed(world.other_officer, "叉车")
    other_town = world.ent_other.region_path
    own = set(db.session.scalars(hazard_search.search.matching(Hazard, "叉车", [other_town])))
    assert moved.id in own
    for user in (world.officer, world.town_officer, world.other_officer, city_user):
        for q in TERMS:
            assert listed(user, q) == expected(user, q), (user.username, q)


def test_a_region_path_changed_by_plain_sql_is_repaired_by_the_next_orm_change(world, spread, app):
    hazard = db.session.scalars(select(Hazard).where(Hazard.enterprise_id == world.ent_a2.id,
                                                     Hazard.location == "锅炉房")).one()
    db.session.execute(text("UPDATE hazards SET region_path = :p WHERE id = :id"),
                       {"p": world.town_b.path, "id": hazard.id})
    db.session.commit()
    db.session.expire_all()
    hazard.description = "压力表破损"
    db.session.commit()
    assert hazard.id in listed(world.officer, "压力表破损", world.town_b.path)
    assert listed(world.officer, "压力表", world.town_a.path) == expected(world.officer, "压力表", world.town_a.path)
    if not is_postgres(app):
        db.session.execute(text("INSERT INTO hazard_search (hazard_search) VALUES ('integrity-check')"))


def test_the_list_page_and_api_under_a_town_officers_scope(login, world, spread):
    client = login(world.town_officer)
    body = client.get("/api/v1/hazards", query_string={"q": "配电"}).json
    assert {h["id"] for h in body["items"]} == expected(world.town_officer, "配电") != set()
    assert body["total"] == len(expected(world.town_officer, "配电"))


def test_the_search_total_is_counted_in_the_index_and_equals_the_list(world, spread, city_user):
    from app.hazards.totals import exact_total
    from app.paging import capped_count

    for user in (world.officer, world.town_officer, city_user, world.other_officer):
        for town in ("", world.town_a.path, world.town_b.path):
            for q in TERMS:
                f = queries.HazardFilters(q=q, town=town)
                total = exact_total(user, f)
                if any(normalize(q) in normalize(e.name) for e in db.session.scalars(select(Enterprise))):
                    assert total is None, q  # enterprise names match: the list counts (capped)
                else:
                    assert total == capped_count(queries.filtered(user, f)) == len(expected(user, q, town)), (q, town)
    # not from the index: another filter, an enterprise user, a prefix that is not a whole path
    assert exact_total(world.officer, queries.HazardFilters(q="配电", level="重大")) is None
    assert exact_total(world.manager_a, queries.HazardFilters(q="配电")) is None
    assert exact_total(world.officer, queries.HazardFilters(q="配电", town=world.town_a.path[:-2])) is None
    # drafts are not counted, unless asked for (then the list counts)
    assert exact_total(world.officer, queries.HazardFilters(q="配电", status=HazardStatus.DRAFT)) is None


def test_past_the_cap_a_search_total_says_more_and_the_page_walks(login, world, spread, city_user, monkeypatch):
    """With more hits than app.paging.COUNT_CAP the total is COUNT_CAP + 1, not exact ("…+"), however the
    index counted them (whole, up to the cap, or the hits of a term some enterprise's name also holds), the
    ledger page says so too, and the list still shows exactly the hazards of a small cap's world."""
    from app import paging
    from app.hazards.totals import exact_total, list_total

    names = [e.name for e in db.session.scalars(select(Enterprise))]
    for cap in (1, 2, 3):
        monkeypatch.setattr(paging, "COUNT_CAP", cap)
        for user in (world.officer, world.town_officer, city_user):
            for q in TERMS:
                n = len(expected(user, q))
                got = list_total(user, queries.HazardFilters(q=q))
                in_names = any(normalize(q) in normalize(name) for name in names)
                if n > cap:
                    # a name holds it: the hazards' own hits alone may be under the cap (the list counts)
                    assert got == (cap + 1, False) or (in_names and got is None), (q, cap, got)
                    assert exact_total(user, queries.HazardFilters(q=q)) is None
                elif not in_names:
                    assert got == (n, True), (q, cap)
    monkeypatch.setattr(paging, "COUNT_CAP", 1)
    client = login(world.officer)
    body = client.get("/api/v1/hazards", query_string={"q": "配电"}).json
    assert {h["id"] for h in body["items"]} == expected(world.officer, "配电") and len(body["items"]) > 1
    assert body["total"] == 2 and body["total_exact"] is False
    assert "1+" in client.get("/ledgers", query_string={"q": "配电"}).get_data(as_text=True)


def test_the_list_total_of_a_search_is_exact(login, world, spread):
    client = login(world.officer)
    body = client.get("/api/v1/hazards", query_string={"q": "配电", "town": world.town_a.path}).json
    assert body["total"] == len(expected(world.officer, "配电", world.town_a.path)) == len(body["items"]) > 0
    assert body.get("total_exact") is True


def test_a_scope_over_every_hazard_is_not_a_word_of_the_query(world, spread, city_user):
    from app.hazards.search import narrowing

    city, county, town = world.county.parent.path, world.county.path, world.town_a.path
    assert narrowing([city, "", town]) == [town] and narrowing([county]) == [county]
    assert narrowing([town[:-3]]) == [town[:-3]]  # not a whole path: kept (then not counted in the index)
    assert listed(city_user, "配电") == expected(city_user, "配电")


def test_the_count_with_many_drafts_in_scope(world, spread, monkeypatch):
    from app.hazards import search as module
    from app.hazards.totals import exact_total

    monkeypatch.setattr(module, "DRAFTS_INLINE", 0)
    for q in ("配电", "配电箱", "消防通道", "配"):
        f = queries.HazardFilters(q=q)
        assert exact_total(world.officer, f) == len(expected(world.officer, q)), q


def test_migration_0018_builds_the_documents_with_and_without_the_scope_words(world, spread, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0018_search_scope_tokens.py"
    spec = importlib.util.spec_from_file_location("m0018", path)
    migration = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(migration)  # type: ignore[union-attr]
    county = world.county.path
    in_county = set(db.session.scalars(hazard_search.search.matching(Hazard, "配电", [county])))
    assert in_county

    migration.build(db.session.connection(), migration.WITHOUT_SCOPE)  # downgrade: the documents of 0013
    assert set(db.session.scalars(hazard_search.search.matching(Hazard, "配电", [county]))) == set()
    assert listed(world.officer, "配电") == set()  # (the list needs the words: the code of 0018 and its index go together)
    migration.build(db.session.connection(), migration.WITH_SCOPE)
    db.session.commit()
    assert set(db.session.scalars(hazard_search.search.matching(Hazard, "配电", [county]))) == in_county
    assert listed(world.officer, "配电") == expected(world.officer, "配电")
    assert "hazard_search" in capsys.readouterr().out
