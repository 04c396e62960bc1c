"""User trial of the public 双随机 pages: the public record says only that a member was replaced for 回避, never the
member's own reason (the staff pages keep it); the replay page's table names the enterprises and officers next to
their ids and shows the 回避 replacement and the 补抽 rows as the record does."""

from __future__ import annotations

import re

from app import publication
from app.auth.models import User
from app.inspections.models import DrawEventKind
from app.inspections.operations import draw as ops

REASON = "本人表兄在该企业任生产负责人"


def _recuse_and_supplement(world, new_batch, db):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    out = next(u for u in target.team if u != world.section_head.id)
    member = db.session.get(User, out)
    request = ops.request_recusal(target, {"reason": REASON}, actor=member)
    ops.decide_recusal(
        request, {"decision": "approve", "opinion": f"同意（{REASON}）"}, actor=world.section_head
    )
    sup = ops.request_supplement(batch, {"count": 1, "reason": "抽中企业已停产"}, actor=world.section_head)
    ops.decide_supplement(sup, {"decision": "approve", "opinion": "同意"}, actor=world.leader)
    db.session.commit()
    db.session.expire_all()
    batch = db.session.get(type(batch), batch.id)
    ev = next(e for e in batch.events if e.kind == DrawEventKind.RECUSAL)
    return batch, out, int(ev.data["in"])


def test_the_public_record_never_prints_the_recusal_reason(world, login, new_batch, db, app):
    batch, _out, _new = _recuse_and_supplement(world, new_batch, db)
    anon = app.test_client()
    page = anon.get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    events = page.split('data-testid="public-events"')[1]
    assert "回避替换" in events and ops.RECUSAL_PUBLIC_REASON in events
    assert REASON not in page and "表兄" not in page
    assert "抽中企业已停产" in events  # a 补抽's reason is about the enterprise, and stays
    fields = dict(publication.current_for(batch, "draw_record").fields)
    assert ops.RECUSAL_PUBLIC_REASON in fields["补抽与回避"] and "表兄" not in str(fields)
    entry = publication.current_for(batch, "draw_record")
    assert "表兄" not in anon.get(f"/gongshi/{entry.id}").get_data(as_text=True)
    # the staff page keeps it
    assert REASON in login(world.section_head).get(f"/inspections/draws/{batch.id}").get_data(as_text=True)


def test_a_refused_recusal_prints_neither_reason_nor_opinion(world, new_batch, db, app):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    member = db.session.get(User, next(u for u in target.team if u != world.section_head.id))
    request = ops.request_recusal(target, {"reason": REASON}, actor=member)
    ops.decide_recusal(
        request, {"decision": "refuse", "opinion": "表兄关系不构成回避事由"}, actor=world.section_head
    )
    db.session.commit()
    page = app.test_client().get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    assert "回避不予准许" in page and "表兄" not in page


def test_the_replay_table_names_ids_and_shows_the_replacement_and_the_supplement(world, new_batch, db, app):
    batch, out, new = _recuse_and_supplement(world, new_batch, db)
    text = (
        app.test_client()
        .post(f"/gongshi/draws/replay?batch={batch.id}", data={"inputs": ""})
        .get_data(as_text=True)
    )
    assert "复核一致" in text
    table = text.split('data-testid="replay-targets"')[1].split("</table>")[0]
    rows = table.split('data-testid="replay-row"')[1:]
    assert len(rows) == len(batch.targets) == 2
    for t in batch.targets:  # each target of the record: its id next to its name, its final team
        row = next(r for r in rows if f">{t.enterprise_id} {t.enterprise.name}<" in r)
        assert ("（补抽）" in row) == bool(t.supplement)
        for u in t.team:
            user = db.session.get(User, u)
            assert f"{u} {user.name}（{user.cert_no}）" in row
    first = next(r for r in rows if "（补抽）" not in r)
    recusal = re.search(r'data-testid="replay-recusal">(.*?)</div>', first)
    assert recusal is not None
    o, n = db.session.get(User, out), db.session.get(User, new)
    assert recusal.group(1) == f"回避替换：{out} {o.name}（{o.cert_no}） → {new} {n.name}（{n.cert_no}）"


def test_pasted_data_gets_ids_only(world, new_batch, db, app):
    import json

    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    data = ops.published_inputs(batch)
    text = (
        app.test_client()
        .post("/gongshi/draws/replay", data={"inputs": json.dumps(data)})
        .get_data(as_text=True)
    )
    table = text.split('data-testid="replay-targets"')[1].split("</table>")[0]
    assert batch.targets[0].enterprise.name not in table and f">{batch.targets[0].enterprise_id}<" in table
