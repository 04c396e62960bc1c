"""Credit pages: the scoped list and listing page (another county's officer gets 404, the enterprise sees
only its own listings and never one at 拟列入 or before the 列入告知书 is served, an enterprise with none sees
nothing), the list's filters, the enterprise's own terms (its progress and the documents served on it, never
the internal record), the listing-page forms (each refused for the wrong user, bad input kept with the
Chinese message next to the field), 事故登记 and the manual proposal."""

from __future__ import annotations

import re

from app.credit.models import CreditListing, ListingStatus
from app.extensions import db
from tests.factories.credit import make_listing_fixture  # noqa: F401 - the walker fixture (make_listing)
from tests.factories.credit_web import listing_at, make_accident
from tests.factories.db import commit


def _text(r) -> str:
    return r.get_data(as_text=True)


def _rows(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-listing-id="(\d+)"', html)}


# --- scope ----------------------------------------------------------------------------------------


def test_list_and_detail_are_scoped(login, world):
    proposed = listing_at(world)  # 拟列入: internal
    unserved = listing_at(world, ListingStatus.NOTICE, notice_served_on=None, statement_due=None)
    notified = listing_at(world, ListingStatus.NOTICE)
    listed = listing_at(world, ListingStatus.LISTED)
    other_ent = listing_at(world, ListingStatus.LISTED, enterprise=world.ent_a2)
    other_county = listing_at(world, ListingStatus.LISTED, enterprise=world.ent_other)
    commit()
    mine = {proposed.id, unserved.id, notified.id, listed.id, other_ent.id}

    officer = login(world.officer)
    assert _rows(_text(officer.get("/credit/"))) == mine
    for lst in (proposed, listed):
        assert officer.get(f"/credit/{lst.id}").status_code == 200
    assert officer.get(f"/credit/{other_county.id}").status_code == 404

    other = login(world.other_officer)
    assert _rows(_text(other.get("/credit/"))) == {other_county.id}
    for lst in (proposed, listed):
        assert other.get(f"/credit/{lst.id}").status_code == 404

    manager = login(world.manager_a)
    html = _text(manager.get("/credit/"))
    assert _rows(html) == {notified.id, listed.id}  # never 拟列入, nor a notice not yet served
    assert "拟列入" not in html  # not even as a status filter
    assert manager.get(f"/credit/{listed.id}").status_code == 200
    for lst in (proposed, unserved, other_ent, other_county):
        assert manager.get(f"/credit/{lst.id}").status_code == 404

    nobody = login(world.manager_b)
    assert _rows(_text(nobody.get("/credit/"))) == set()
    for lst in (notified, listed):
        assert nobody.get(f"/credit/{lst.id}").status_code == 404


def test_list_filters(login, world):
    a = listing_at(world, ListingStatus.LISTED, person_name="张主要")
    b = listing_at(world, ListingStatus.PROPOSED, enterprise=world.ent_b, criterion="9")
    c = listing_at(world, ListingStatus.REMOVED, enterprise=world.ent_a2)
    commit()
    officer = login(world.officer)

    def rows(**args) -> set[int]:
        r = officer.get("/credit/", query_string=args)
        assert r.status_code == 200, _text(r)
        return _rows(_text(r))

    assert rows(status="已列入") == {a.id}
    assert rows(criterion="9") == {b.id}
    assert rows(town=world.town_b.path) == {b.id}
    assert rows(enterprise_id=world.ent_a2.id) == {c.id}
    assert rows(q="张主要") == {a.id}
    assert rows(q="黄口建材") == {b.id}
    assert officer.get("/credit/", query_string={"status": "胡说"}).status_code == 422
    assert officer.get("/credit/", query_string={"criterion": "10"}).status_code == 422
    # another county's enterprise is a bad filter value, not an empty list that confirms it exists
    assert officer.get("/credit/", query_string={"enterprise_id": world.ent_other.id}).status_code == 422


def test_list_pages_with_a_cursor(login, world, monkeypatch):
    from app.credit import schemas

    monkeypatch.setattr(schemas, "PER_PAGE", 2)
    from app.credit import queries

    monkeypatch.setattr(queries, "PER_PAGE", 2)
    made = [listing_at(world, ListingStatus.LISTED) for _ in range(5)]
    commit()
    officer = login(world.officer)
    seen: list[int] = []
    url = "/credit/"
    for _ in range(3):
        html = _text(officer.get(url))
        seen += sorted(_rows(html), reverse=True)
        nxt = re.search(r'href="(/credit/\?after=[^"]+)"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    assert seen == sorted((m.id for m in made), reverse=True)
    assert "共 5 条" in _text(officer.get("/credit/"))


def test_header_links_for_staff_only(login, world):
    listing_at(world)
    commit()
    html = _text(login(world.officer).get("/credit/"))
    assert 'href="/credit/accidents"' in html and 'href="/credit/new"' in html
    assert 'data-testid="waiting-link"' in html
    leader = _text(login(world.leader).get("/credit/"))
    assert 'href="/credit/accidents"' in leader and 'href="/credit/new"' not in leader
    manager = _text(login(world.manager_a).get("/credit/"))
    assert "/credit/accidents" not in manager and "/credit/new" not in manager


# --- the listing page in the reader's terms -------------------------------------------------------------


def test_enterprise_reads_its_listing_in_its_own_terms(login, world, make_listing):
    w = make_listing(criterion="6")  # the unit and its main 负责人 together
    w.notify().serve()
    commit()
    listing = w.listing
    officer_html = _text(login(world.officer).get(f"/credit/{listing.id}"))
    assert "列入依据" in officer_html and "办理记录" in officer_html
    assert "341322197001011234" in officer_html  # staff read the person's full ID number

    manager = login(world.manager_a)
    html = _text(manager.get(f"/credit/{listing.id}"))
    assert "办理进度" in html and "已送达列入严重失信主体名单告知书" in html
    for internal in ("列入依据", "办理记录", "341322197001011234", "核查意见"):
        assert internal not in html, internal
    # its statement is a task on the generic task page, linked from its listing page
    assert 'data-testid="task-state_case"' in html
    docs = re.findall(rf'href="/credit/{listing.id}/documents/(\d+)"', html)
    assert docs and all(manager.get(f"/credit/{listing.id}/documents/{d}").status_code == 302 for d in docs)


def test_enterprise_never_opens_an_internal_document(login, world, make_listing):
    from app.documents import documents_for

    w = make_listing()
    w.notify()  # 列入告知书 issued, not served
    commit()
    [doc] = documents_for(w.listing)
    # still 告知中 before service: the listing is not the enterprise's yet
    assert login(world.manager_a).get(f"/credit/{w.listing.id}/documents/{doc.id}").status_code == 404
    assert login(world.officer).get(f"/credit/{w.listing.id}/documents/{doc.id}").status_code == 302


def test_listing_page_links_the_case_or_accidents(login, world):
    acc = make_accident(world)
    lst = listing_at(world, ListingStatus.PROPOSED, accident_ids=[acc.id], criterion="1")
    commit()
    html = _text(login(world.officer).get(f"/credit/{lst.id}"))
    assert f'href="/credit/accidents/{acc.id}"' in html
    acc_html = _text(login(world.officer).get(f"/credit/accidents/{acc.id}"))
    assert f'href="/credit/{lst.id}"' in acc_html


# --- forms: paper statement --------------------------------------------------------------------------


def test_paper_statement_refused_for_the_wrong_user(login, world, make_listing):
    w = make_listing()
    w.notify().serve()
    commit()
    url = f"/credit/{w.listing.id}/statement"
    data = {"statement_kind": "陈述申辩", "text": "口头陈述：已整改"}
    assert login(world.other_officer).post(url, data=data).status_code == 404
    assert login(world.manager_b).post(url, data=data).status_code == 404
    assert login(world.leader).post(url, data=data).status_code == 403
    assert login(world.manager_a).post(url, data=data).status_code == 403  # online: its task page
    db.session.expire_all()
    assert db.session.get(CreditListing, w.listing.id).statements == []
    # the right officer, but not offered where the listing stands: 409 with the reason, on the page
    done = listing_at(world, ListingStatus.LISTED)
    commit()
    r = login(world.officer).post(f"/credit/{done.id}/statement", data=data)
    assert r.status_code == 409 and "当前不在陈述申辩期限内" in _text(r)
    assert 'data-testid="form-credit_statement"' not in _text(login(world.officer).get(f"/credit/{done.id}"))


def test_paper_statement_keeps_bad_input_and_then_records(login, world, make_listing):
    w = make_listing()
    w.notify().serve()
    commit()
    officer = login(world.officer)
    page = _text(officer.get(f"/credit/{w.listing.id}"))
    assert 'data-testid="form-credit_statement"' in page
    url = f"/credit/{w.listing.id}/statement"
    r = officer.post(url, data={"statement_kind": "陈述申辩", "text": ""})
    assert r.status_code == 422
    html = _text(r)
    assert "请填写陈述申辩的事实和理由" in html and 'data-testid="form-error"' in html
    assert re.search(r'data-testid="statement_kind-陈述申辩" checked', html)  # the choice kept
    assert "is-invalid" in html  # the message sits next to its field
    r = officer.post(url, data={"statement_kind": "陈述申辩", "text": "口头陈述：隐患已整改完毕"})
    assert r.status_code == 302 and "done=statement" in r.headers["Location"]
    db.session.expire_all()
    listing = db.session.get(CreditListing, w.listing.id)
    [s] = listing.statements
    assert s.channel == "执法人员记录" and s.text == "口头陈述：隐患已整改完毕"
    assert listing.status == ListingStatus.VERIFYING


# --- 事故登记 and the manual proposal -------------------------------------------------------------------


def test_accidents_are_staff_only_and_scoped(login, world):
    mine = make_accident(world)
    theirs = make_accident(world, enterprise=world.ent_other)
    commit()
    officer = login(world.officer)
    html = _text(officer.get("/credit/accidents"))
    assert mine.name in html and theirs.name not in html
    assert officer.get(f"/credit/accidents/{theirs.id}").status_code == 404
    assert login(world.manager_a).get("/credit/accidents").status_code == 403
    assert login(world.manager_a).get(f"/credit/accidents/{mine.id}").status_code == 403
    assert login(world.other_officer).get(f"/credit/accidents/{mine.id}").status_code == 404


def test_new_proposal_and_accident_pages_refused_to_non_officers(login, world):
    for user in (world.manager_a, world.leader, world.supervisor):
        c = login(user)
        assert c.get("/credit/new").status_code == 403
        assert c.post("/credit/new", data={}).status_code == 403
        assert c.get("/credit/accidents/new").status_code == 403
        assert c.post("/credit/accidents/new", data={}).status_code == 403


# --- forms on a listing in force: feedback, push file, remedies, 信用修复, 撤销移出 -----------------------------


def _in_force(world, listed):
    from app.credit import effects

    listing = listed()
    effects.take_effect(listing, actor=world.officer)
    commit()
    return listing


def _external(listing):
    return next(m for m in listing.measures if not m.internal)


def test_feedback_refused_for_the_wrong_user_and_bad_input_kept(login, world, listed, frozen):
    listing = _in_force(world, listed)
    m = _external(listing)
    url = f"/credit/{listing.id}/measures/{m.id}/feedback"
    data = {"feedback_on": frozen.today().isoformat(), "feedback": "已限制其参与政府采购"}
    assert login(world.other_officer).post(url, data=data).status_code == 404
    assert login(world.manager_a).post(url, data=data).status_code == 403
    assert login(world.supervisor).post(url, data=data).status_code == 403
    # another listing's measure is not this listing's
    other = listing_at(world, ListingStatus.LISTED, enterprise=world.ent_b)
    commit()
    assert (
        login(world.officer).post(f"/credit/{other.id}/measures/{m.id}/feedback", data=data).status_code
        == 404
    )

    officer = login(world.officer)
    page = _text(officer.get(f"/credit/{listing.id}"))
    assert f'data-testid="form-feedback-{m.id}"' in page
    r = officer.post(url, data={"feedback_on": "2099-01-01", "feedback": "已限制其参与政府采购"})
    assert r.status_code == 422
    html = _text(r)
    assert "已限制其参与政府采购" in html and 'data-testid="form-error"' in html  # typed text kept
    r = officer.post(url, data=data)
    assert r.status_code == 302 and "done=feedback" in r.headers["Location"]
    db.session.expire_all()
    from app.credit.models import FeedbackStatus, ListingMeasure

    measure = db.session.get(ListingMeasure, m.id)
    assert measure.status == FeedbackStatus.RECEIVED and measure.feedback == "已限制其参与政府采购"


def test_push_file_downloads_for_staff_only(login, world, listed):
    import hashlib

    listing = _in_force(world, listed)
    [push] = listing.pushes
    url = f"/credit/{listing.id}/pushes/{push.id}"
    r = login(world.officer).get(url)
    assert r.status_code == 200 and hashlib.sha256(r.data).hexdigest() == push.sha256
    assert 'data-testid="push-file"' in _text(login(world.officer).get(f"/credit/{listing.id}"))
    assert login(world.manager_a).get(url).status_code == 403
    assert login(world.other_officer).get(url).status_code == 404
    assert 'data-testid="push-file"' not in _text(login(world.manager_a).get(f"/credit/{listing.id}"))


def test_remedy_and_its_outcome(login, world, listed, frozen):
    listing = _in_force(world, listed)
    url = f"/credit/{listing.id}/remedies"
    data = {"kind": "复议", "body": "宿州市人民政府", "filed_on": frozen.today().isoformat()}
    assert login(world.manager_a).post(url, data=data).status_code == 403
    assert login(world.other_officer).post(url, data=data).status_code == 404
    officer = login(world.officer)
    r = officer.post(url, data={"kind": "复议", "body": "", "filed_on": frozen.today().isoformat()})
    assert r.status_code == 422 and 'data-testid="kind-复议" checked' in _text(r)
    assert officer.post(url, data=data).status_code == 302
    page = _text(officer.get(f"/credit/{listing.id}"))
    assert "宿州市人民政府" in page and 'data-testid="form-credit_remedy_decide"' in page
    assert 'data-testid="form-credit_remedy_file"' not in page  # one at a time
    outcome = {"outcome": "维持", "outcome_on": frozen.today().isoformat(), "ref": "宿政复决〔2026〕1号"}
    oc_url = f"/credit/{listing.id}/remedies/outcome"
    assert login(world.manager_a).post(oc_url, data=outcome).status_code == 403
    assert officer.post(oc_url, data=outcome).status_code == 302
    db.session.expire_all()
    [remedy] = db.session.get(CreditListing, listing.id).remedies
    assert remedy.outcome == "维持"


def _repair_form(name: str = "信用承诺书.pdf"):
    import io

    from tests.factories.files import PDF

    return {
        "statement": "罚款已缴清，已取得安全生产许可证并完成整改",
        "commitment": (io.BytesIO(PDF), name, "application/pdf"),
    }


def test_online_repair_by_the_enterprise_and_refused_to_others(login, world, listed, frozen):
    from datetime import date

    from app import clock

    listing = _in_force(world, listed)
    url = f"/credit/{listing.id}/repairs"
    clock.freeze(date(2027, 11, 3))  # 满12个月 after the term started
    manager = login(world.manager_a)
    page = _text(manager.get(f"/credit/{listing.id}"))
    assert 'data-testid="form-credit_repair_apply"' in page
    assert login(world.manager_b).post(url, data=_repair_form()).status_code == 404
    assert login(world.other_officer).post(url, data=_repair_form()).status_code == 404
    assert login(world.leader).post(url, data=_repair_form()).status_code == 403
    r = manager.post(url, data={"statement": "已整改"})  # no 信用承诺书
    assert r.status_code == 422 and "已整改" in _text(r)
    r = manager.post(url, data=_repair_form(), content_type="multipart/form-data")
    assert r.status_code == 302 and "done=repair" in r.headers["Location"], _text(r)
    db.session.expire_all()
    [repair] = db.session.get(CreditListing, listing.id).repairs
    assert repair.channel and repair.applied_by_id == world.manager_a.id
    # one open application at a time: the form is gone, a second post refused
    assert 'data-testid="form-credit_repair_apply"' not in _text(manager.get(f"/credit/{listing.id}"))
    r = manager.post(url, data=_repair_form(), content_type="multipart/form-data")
    assert r.status_code == 409 and "已有正在审查的信用修复申请" in _text(r)


def test_revoke_repair_is_the_leaders(login, world, listed, upload, frozen):
    from datetime import date

    from app import clock
    from app.credit.operations import repair as repair_ops
    from tests.factories.files import PDF

    listing = _in_force(world, listed)
    clock.freeze(date(2027, 11, 3))
    repair = repair_ops.apply_repair(
        listing,
        {
            "statement": "已整改",
            "commitment": [upload(world.manager_a, PDF, "信用承诺书.pdf", "application/pdf")],
        },
        actor=world.manager_a,
    )
    repair_ops.verify_repair(
        repair,
        {
            "verification": "属实",
            "proposal": "grant",
            "corrected_confirmed": True,
            "corrected_evidence": "现场核查",
            "paid_confirmed": True,
            "paid_evidence": "罚款缴款书",
        },
        actor=world.officer,
    )
    repair_ops.decide_repair(repair, {"repair_decision": "grant", "reason": "符合条件"}, actor=world.leader)
    commit()
    url = f"/credit/{listing.id}/repairs/{repair.id}/revoke"
    assert login(world.officer).post(url, data={"reason": "承诺书系伪造"}).status_code == 403
    assert login(world.manager_a).post(url, data={"reason": "承诺书系伪造"}).status_code == 403
    leader = login(world.leader)
    assert 'data-testid="form-credit_revoke_repair"' in _text(leader.get(f"/credit/{listing.id}"))
    r = leader.post(url, data={"reason": ""})
    assert r.status_code == 422
    r = leader.post(url, data={"reason": "承诺书系伪造"})
    assert r.status_code == 302 and "done=revoked" in r.headers["Location"]
    db.session.expire_all()
    assert db.session.get(CreditListing, listing.id).status == ListingStatus.LISTED


def test_record_accident_and_propose_through_the_pages(login, world, frozen):
    officer = login(world.officer)
    assert "登记事故" in _text(officer.get("/credit/accidents/new"))
    r = officer.post(
        "/credit/accidents/new",
        data={
            "enterprise_id": world.ent_a.id,
            "name": "",
            "occurred_on": frozen.today().isoformat(),
            "level": "较大",
        },
    )
    assert r.status_code == 422 and 'data-testid="form-error"' in _text(r)
    assert 'data-testid="level-较大" checked' in _text(r)
    r = officer.post(
        "/credit/accidents/new",
        data={
            "enterprise_id": world.ent_a.id,
            "name": "龙城机械“11·1”物体打击事故",
            "occurred_on": frozen.today().isoformat(),
            "level": "一般",
            "deaths": "1",
        },
    )
    assert r.status_code == 302 and "/credit/accidents/" in r.headers["Location"]
    assert "物体打击事故" in _text(officer.get("/credit/accidents"))
    # another county's enterprise is not a choice
    r = officer.post(
        "/credit/accidents/new",
        data={
            "enterprise_id": world.ent_other.id,
            "name": "x",
            "occurred_on": frozen.today().isoformat(),
            "level": "一般",
        },
    )
    assert r.status_code == 422

    r = officer.post("/credit/new", data={"enterprise_id": world.ent_b.id, "criterion": "9", "evidence": ""})
    assert r.status_code == 422 and 'data-testid="form-error"' in _text(r)
    r = officer.post(
        "/credit/new",
        data={
            "enterprise_id": world.ent_b.id,
            "criterion": "9",
            "evidence": "（萧）应急罚〔2026〕5号，拒不整改",
        },
    )
    assert r.status_code == 302, _text(r)
    db.session.expire_all()
    [lst] = db.session.scalars(
        __import__("sqlalchemy").select(CreditListing).where(CreditListing.enterprise_id == world.ent_b.id)
    ).all()
    assert lst.status == ListingStatus.PROPOSED and lst.criterion == "9"
    assert login(world.manager_b).get(f"/credit/{lst.id}").status_code == 404  # 拟列入: internal


# --- the public list (/gongshi/, publication kind credit_listing) ---------------------------------------------


def test_public_page_shows_exactly_the_listings_in_force_with_the_id_masked(
    app, login, world, listed, frozen
):
    from app.credit import effects
    from app.credit.models import ListingEnd
    from tests.factories.credit_effects import PERSON_ID

    in_force = _in_force(world, listed)
    ended = listed(enterprise=world.ent_a2)
    effects.take_effect(ended, actor=world.officer)
    effects.end_effects(ended, ListingEnd.OVERTURNED, "处罚决定被撤销", actor=world.leader, on=frozen.today())
    listing_at(world, ListingStatus.PROPOSED, enterprise=world.ent_b)
    commit()
    public = app.test_client()  # nobody signed in
    html = _text(public.get("/gongshi/", query_string={"kind": "credit_listing"}))
    assert world.ent_a.name in html
    assert world.ent_a2.name not in html and world.ent_b.name not in html
    ids = re.findall(r'href="/gongshi/(\d+)"', html)
    assert len(ids) == 1
    detail = _text(public.get(f"/gongshi/{ids[0]}"))
    assert world.ent_a.name in detail and "张三" in detail
    assert PERSON_ID not in detail and PERSON_ID[:6] in detail  # 身份证号 masked
    assert in_force.status == ListingStatus.LISTED
    # the list links the public page filtered to the listings (app.publication's own kind filter)
    assert 'href="/gongshi/?kind=credit_listing"' in _text(login(world.manager_a).get("/credit/"))


# --- dashboard panel and the generic task page ---------------------------------------------------------------


def test_dashboard_panel_counts_the_viewers_scope(login, world):
    listing_at(world)
    listing_at(world, ListingStatus.LISTED)
    listing_at(world, ListingStatus.LISTED, enterprise=world.ent_other)
    commit()

    def count(user, key) -> str:
        html = _text(login(user).get("/dashboard"))
        m = re.search(rf'data-testid="credit-{key}">(\d+)<', html)
        assert m, html[-2000:]
        return m.group(1)

    assert count(world.officer, "listed") == "1" and count(world.officer, "waiting") == "1"
    assert count(world.other_officer, "listed") == "1" and count(world.other_officer, "waiting") == "0"
    assert 'data-testid="credit-panel"' not in _text(login(world.manager_a).get("/dashboard"))


def test_the_statement_task_page_names_the_listing(login, world, make_listing):
    w = make_listing()
    w.notify().serve()
    commit()
    task = w.task("state_case")
    html = _text(login(world.manager_a).get(f"/tasks/{task.id}"))
    assert world.ent_a.name in html and "列入情形" in html  # credit/_summary.html
    assert login(world.manager_b).get(f"/tasks/{task.id}").status_code in (403, 404)
