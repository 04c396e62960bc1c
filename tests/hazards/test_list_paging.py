"""The hazard list's keyset paging (app.paging, issue #15): walking 下一页 and 上一页 by cursor gives every
row once, in the list's order (overdue first, newest 排查日期, then id), on both paths — few matching rows
(keys sorted in Python) and many (a seek along ix_hazards_list per overdue flag, also for the ids alone, then
the rows); page numbers reach only
the first pages; bad cursors and page numbers are refused in Chinese; the total is capped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock, paging
from app.extensions import db
from app.hazards.models import Hazard

PER_PAGE = 50


@pytest.fixture
def many(db, world, make_order):
    """130 issued hazards of enterprise A: one registered through the workflow, the rest copies of it with
    dates spread over 40 days (ties on the same day included) and every seventh one overdue."""
    first = make_order({}).hazards[0]
    columns = {c.key: getattr(first, c.key) for c in Hazard.__table__.columns if c.key not in ("id", "code")}
    for i in range(129):
        row = dict(columns, code=f"{first.code}-{i:03d}", found_on=clock.today() - timedelta(days=i % 40),
                   is_overdue=i % 7 == 0, seq=i + 2)
        row["deadline"] = row["found_on"] + timedelta(days=7)
        row["original_deadline"] = row["deadline"]
        db.session.add(Hazard(**row))
    db.session.commit()
    rows = db.session.execute(
        db.select(Hazard.id).order_by(Hazard.is_overdue.desc(), Hazard.found_on.desc(), Hazard.id.desc())
    ).scalars()
    return list(rows)


@pytest.fixture(params=["few", "many", "ids first"])
def path(request, monkeypatch):
    """Run each test on both paths of keyset_page, the many-rows one also walked for ids first (the rows then
    read by id: PostgreSQL's search walk, app.hazards.queries.hazard_page)."""
    if request.param != "few":
        monkeypatch.setattr(paging, "SMALL_SET", 0)
    if request.param == "ids first":
        real = paging.keyset_page
        monkeypatch.setattr(paging, "keyset_page", lambda *a, **kw: real(*a, **{**kw, "ids_first": True}))
    return request.param


def ids(body) -> list[int]:
    return [h["id"] for h in body["items"]]


def test_cursor_walk_gives_every_row_once_in_order(login, world, many, path):
    client = login(world.officer)
    seen, pages, args = [], [], {}
    while True:
        body = client.get("/api/v1/hazards", query_string=args).json
        assert body["total"] == 130
        pages.append(ids(body))
        seen += ids(body)
        if not body["next_after"]:
            break
        args = {"after": body["next_after"]}
    assert seen == many and [len(p) for p in pages] == [50, 50, 30]

    back = client.get("/api/v1/hazards", query_string={"before": body["prev_before"]}).json  # from the last page
    assert ids(back) == pages[1] and back["prev_before"] and back["next_after"]
    first = client.get("/api/v1/hazards", query_string={"before": back["prev_before"]}).json
    assert ids(first) == pages[0] and first["prev_before"] is None


def test_page_numbers_reach_the_first_pages(login, world, many, path):
    client = login(world.officer)
    for n, want in ((1, many[:50]), (2, many[50:100]), (3, many[100:])):
        body = client.get("/api/v1/hazards", query_string={"page": n}).json
        assert ids(body) == want and body["page"] == n
    assert client.get("/api/v1/hazards", query_string={"page": 4}).json["items"] == []


def test_filters_page_within_their_rows(login, world, many, path):
    client = login(world.officer)
    overdue = client.get("/api/v1/hazards", query_string={"overdue": "1"}).json
    assert overdue["total"] == 19 and all(h["is_overdue"] for h in overdue["items"])
    assert ids(overdue) == many[:19] and overdue["next_after"] is None

    day = clock.today() - timedelta(days=3)
    window = {"date_from": (day - timedelta(days=19)).isoformat(), "date_to": day.isoformat()}
    walked, args = [], dict(window)
    while True:
        body = client.get("/api/v1/hazards", query_string={**args, "source": "执法检查"}).json
        walked += ids(body)
        if not body["next_after"]:
            break
        args = {**window, "after": body["next_after"]}
    in_window = {h.id for h in db.session.scalars(db.select(Hazard).where(Hazard.found_on.between(day - timedelta(days=19), day)))}
    assert walked == [i for i in many if i in in_window] and len(walked) > PER_PAGE


def test_the_scope_holds_on_every_page(login, world, many, path):
    body = login(world.other_officer).get("/api/v1/hazards", query_string={"after": f"1.{clock.today()}.999999"}).json
    assert body["items"] == [] and body["total"] == 0
    other = login(world.manager_b).get("/api/v1/hazards", query_string={"page": 2}).json
    assert other["items"] == [] and other["total"] == 0


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        ({"page": "21"}, "page", "下一页"),
        ({"after": "abc"}, "after", "格式不正确"),
        ({"before": "1.2026-13-99"}, "before", "格式不正确"),
        ({"after": "0.2026-01-01.5", "before": "0.2026-01-01.9"}, "before", "只能用一个"),
    ],
)
def test_bad_paging_parameters_are_refused_in_chinese(login, world, args, field, words):
    client = login(world.officer)
    resp = client.get("/api/v1/hazards", query_string=args)
    assert resp.status_code == 422 and field in resp.json["field_errors"] and words in resp.json["error"]
    page = client.get("/hazards", query_string=args)
    assert page.status_code == 422 and words in page.get_data(as_text=True)


def test_the_page_links_to_its_neighbours_and_caps_the_total(login, world, many, monkeypatch):
    client = login(world.officer)
    html = client.get("/hazards").get_data(as_text=True)
    assert "共 130 条" in html and 'rel="next"' in html and "after=" in html and "第 1 页" in html

    nxt = client.get("/api/v1/hazards").json["next_after"]
    html = client.get("/hazards", query_string={"after": nxt}).get_data(as_text=True)
    assert "before=" in html and "首页" in html and str(many[50]) in html

    monkeypatch.setattr(paging, "COUNT_CAP", 100)
    exact = client.get("/api/v1/hazards").json  # the county's total, read from the summary: exact, no cap
    assert exact["total"] == 130 and exact["total_exact"] is True
    assert "共 130 条" in client.get("/hazards").get_data(as_text=True)
    counted = {"source": "执法检查"}  # not a summary key: counted up to the cap
    capped = client.get("/hazards", query_string=counted).get_data(as_text=True)
    assert "共 100+ 条，请缩小筛选范围" in capped
    body = client.get("/api/v1/hazards", query_string=counted).json
    assert body["total"] == 101 and body["total_exact"] is False
