"""/api/v1/draw-batches: the batches of the reader's jurisdiction and one batch — hashes and the seed's
commitment once committed, the seed never before the draw (not in the batch, not in its log), then the seed,
the targets with their teams and inspections; another county 404, an enterprise account 403."""

from __future__ import annotations

import json

from app.inspections import draw as algo
from app.inspections.models import DrawStatus


def test_the_seed_is_never_shown_before_the_draw(login, world, new_batch):
    head = login(world.section_head)
    draft = new_batch("draft")
    body = head.get(f"/api/v1/draw-batches/{draft.id}").get_json()
    assert body["batch"]["status"] == DrawStatus.DRAFT and body["seed"] is None
    assert body["seed_commitment"] is None and body["pool_size"] is None and body["targets"] == []

    committed = new_batch("committed")
    assert committed.seed  # it exists, kept secret
    r = head.get(f"/api/v1/draw-batches/{committed.id}")
    body = r.get_json()
    assert body["batch"]["status"] == DrawStatus.COMMITTED and body["seed"] is None
    assert body["seed_commitment"] == algo.commitment(committed.seed)
    assert body["pool_hash"] == committed.pool_hash and body["exclusions_hash"] == committed.exclusions_hash
    assert body["pool_size"] == len(committed.pool) and body["record_url"] == f"/gongshi/draws/{committed.id}"
    assert [e["kind"] for e in body["events"]] == ["提交冻结"]
    assert committed.seed not in r.get_data(as_text=True)  # nowhere in the answer, the log included
    listed = head.get("/api/v1/draw-batches").get_data(as_text=True)
    assert committed.seed not in listed and "seed" not in json.loads(listed)["items"][0]


def test_once_drawn_the_seed_targets_teams_and_log(login, world, new_batch):
    batch = new_batch("drawn")
    body = login(world.officer).get(f"/api/v1/draw-batches/{batch.id}").get_json()
    assert body["batch"]["status"] == DrawStatus.DRAWN and body["seed"] == batch.seed
    assert algo.commitment(body["seed"]) == body["seed_commitment"]
    assert body["algorithm_version"] == batch.algorithm_version
    assert len(body["targets"]) == len(batch.targets) == 2
    for t, row in zip(batch.targets, body["targets"], strict=True):
        assert row["enterprise_id"] == t.enterprise_id and row["enterprise_name"] == t.enterprise.name
        assert [m["user_id"] for m in row["team"]] == t.team and row["team"][0]["lead"] is True
        assert all(m["name"] for m in row["team"]) and row["inspection_id"] == t.inspection_id
    assert [e["kind"] for e in body["events"]] == ["提交冻结", "抽取"]
    assert body["events"][1]["actor_name"] == world.section_head.name


def test_scope_another_county_an_enterprise_and_the_supervisor(login, world, new_batch):
    batch = new_batch("committed")
    other = login(world.other_officer)
    assert other.get("/api/v1/draw-batches").get_json()["items"] == []
    r = other.get(f"/api/v1/draw-batches/{batch.id}")
    assert r.status_code == 404 and "不在您的范围内" in r.get_json()["error"]
    manager = login(world.manager_a)
    assert manager.get("/api/v1/draw-batches").status_code == 403
    assert manager.get(f"/api/v1/draw-batches/{batch.id}").status_code == 403
    supervisor = login(world.supervisor)
    assert [b["id"] for b in supervisor.get("/api/v1/draw-batches").get_json()["items"]] == [batch.id]
    assert supervisor.get(f"/api/v1/draw-batches/{batch.id}").get_json()["seed"] is None
