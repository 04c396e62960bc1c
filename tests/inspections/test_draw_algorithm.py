"""The pure 双随机 algorithm (app/inspections/draw.py): determinism, hashes, strata, exclusions, conflicts,
the load rule, 回避 replacement and 补抽 — no database."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from app.inspections import draw as D

SEED = "ab" * 32
OTHER_SEED = "cd" * 32


def _pool(n=60):
    inds = ["危险化学品", "工贸", "商贸"]
    towns = ["城关镇", "东关镇"]
    return [{"id": i, "industry": inds[i % 3], "town": towns[i % 2]} for i in range(1, n + 1)]


def _inputs(**over):
    data = {
        "pool": _pool(),
        "inspectors": list(range(101, 111)),
        "exclusions": {"enterprises": [], "conflicts": []},
        "strata": [
            {"industry": "危险化学品", "town": None, "count": 3},
            {"industry": None, "town": None, "ratio": "0.1"},
        ],
        "inspectors_per_target": 2,
        "seed": SEED,
    }
    data.update(over)
    return D.DrawInputs.from_json(data)


def test_same_inputs_same_result_and_seed_matters():
    a = D.run("v1", _inputs())
    b = D.run("v1", _inputs())
    assert a == b
    assert D.run("v1", _inputs(seed=OTHER_SEED))["targets"] != a["targets"]


def test_strata_counts_ratio_and_first_match():
    result = D.run("v1", _inputs())
    by = {s["key"]: s for s in result["strata"]}
    assert by["危险化学品|*"] == {"key": "危险化学品|*", "size": 20, "count": 3}
    # the catch-all stratum holds only what the first did not take: 40 enterprises, ceil(0.1 × 40) = 4
    assert by["*|*"] == {"key": "*|*", "size": 40, "count": 4}
    targets = result["targets"]
    assert len(targets) == 7
    pool = {e["id"]: e for e in _pool()}
    assert all(
        pool[t["enterprise_id"]]["industry"] == "危险化学品"
        for t in targets
        if t["stratum"] == "危险化学品|*"
    )
    assert all(pool[t["enterprise_id"]]["industry"] != "危险化学品" for t in targets if t["stratum"] == "*|*")
    assert [t["rank"] for t in targets] == [1, 2, 3, 1, 2, 3, 4]


def test_ranking_is_the_documented_hmac():
    result = D.run("v1", _inputs(strata=[{"industry": "工贸", "town": "城关镇", "count": 2}]))
    members = [e["id"] for e in _pool() if e["industry"] == "工贸" and e["town"] == "城关镇"]
    key = SEED.encode()
    expected = sorted(
        members, key=lambda i: hmac.new(key, f"工贸|城关镇|{i}".encode(), hashlib.sha256).hexdigest()
    )
    assert [t["enterprise_id"] for t in result["targets"]] == expected[:2]
    t = result["targets"][0]
    candidates = list(range(101, 111))  # nobody loaded yet: the whole library, by id
    team = []
    for j in (1, 2):
        digest = hmac.new(key, f"team|{t['enterprise_id']}|#{j}".encode(), hashlib.sha256).digest()
        team.append(candidates.pop(int.from_bytes(digest[:8], "big") % len(candidates)))
    assert t["team"] == team  # the lead first


def test_any_pool_change_changes_its_hash():
    pool = _pool()
    strata = [{"industry": None, "town": None, "count": 3}]
    base = D.pool_hash(pool, [1, 2, 3], strata, 2)
    assert base == D.digest(
        {"enterprises": pool, "inspectors": [1, 2, 3], "strata": strata, "inspectors_per_target": 2}
    )
    assert D.pool_hash(_pool(), [1, 2, 3], strata, 2) == base
    changed = _pool()
    changed[5]["town"] = "西关镇"
    assert D.pool_hash(changed, [1, 2, 3], strata, 2) != base
    assert D.pool_hash(pool[:-1], [1, 2, 3], strata, 2) != base
    assert D.pool_hash(pool, [1, 2], strata, 2) != base
    assert D.pool_hash(pool, [1, 2, 3], strata, 3) != base
    ex = {"enterprises": [{"id": 1, "reason": "已达年度检查上限"}], "conflicts": [[101, 2]]}
    assert D.exclusions_hash(ex) != D.exclusions_hash({"enterprises": [], "conflicts": [[101, 2]]})
    assert D.commitment(SEED) == hashlib.sha256(SEED.encode()).hexdigest()


def test_excluded_enterprises_never_drawn_and_conflicts_never_on_team():
    excluded = [{"id": i, "reason": "近90日内已检查"} for i in range(1, 61, 2)]
    whole = [{"industry": None, "town": None, "ratio": "1"}]
    first = D.run("v1", _inputs(strata=whole))
    conflicts = [[u, t["enterprise_id"]] for t in first["targets"] for u in t["team"][:1]]
    result = D.run("v1", _inputs(strata=whole, exclusions={"enterprises": excluded, "conflicts": conflicts}))
    drawn = {t["enterprise_id"] for t in result["targets"]}
    assert drawn == set(range(2, 61, 2))
    pairs = {(u, e) for u, e in conflicts}
    assert all((u, t["enterprise_id"]) not in pairs for t in result["targets"] for u in t["team"])


def test_load_rule_spreads_the_work():
    result = D.run("v1", _inputs(strata=[{"industry": None, "town": None, "count": 25}]))
    loads = D.loads(result["targets"])
    assert sum(loads.values()) == 50
    assert max(loads.values()) - min(loads.values()) <= 1
    assert all(len(set(t["team"])) == 2 for t in result["targets"])


def test_too_few_inspectors_after_conflicts_is_refused():
    conflicts = [[u, e] for u in range(101, 110) for e in range(1, 61)]
    with pytest.raises(D.DrawInputError, match="可派检查人员不足"):
        D.run("v1", _inputs(exclusions={"enterprises": [], "conflicts": conflicts}))


def test_bad_inputs_refused():
    with pytest.raises(D.DrawInputError):
        D.run("v1", _inputs(seed="xyz"))
    with pytest.raises(D.DrawInputError):
        D.run("v1", _inputs(inspectors_per_target=1))
    with pytest.raises(D.DrawInputError):
        D.run("v1", _inputs(strata=[{"industry": None, "town": None}]))
    with pytest.raises(D.DrawInputError):
        D.run("v1", _inputs(strata=[{"industry": None, "town": None, "ratio": "1.5"}]))
    with pytest.raises(D.DrawInputError):
        D.run("v9", _inputs())
    with pytest.raises(D.DrawInputError):
        D.DrawInputs.from_json({"pool": "x"})


def test_recusal_replacement_is_deterministic_and_skips_team_and_conflicts():
    result = D.run("v1", _inputs())
    t = result["targets"][0]
    inspectors = list(range(101, 111))
    eid = t["enterprise_id"]
    a = D.replacement_v1(SEED, eid, inspectors, [], t["team"])
    assert a == D.replacement_v1(SEED, eid, inspectors, [], t["team"])
    assert a not in t["team"]
    key = SEED.encode()
    ranking = sorted(
        inspectors, key=lambda u: hmac.new(key, f"recusal|{eid}|{u}".encode(), hashlib.sha256).hexdigest()
    )
    assert a == next(u for u in ranking if u not in t["team"])
    b = D.replacement_v1(SEED, eid, inspectors, [[a, eid]], t["team"])
    assert b not in (a, *t["team"])
    assert D.replacement_v1(SEED, eid, inspectors, [], inspectors) is None


def test_supplement_takes_from_the_remaining_pool():
    inputs = _inputs()
    result = D.run("v1", inputs)
    drawn = [t["enterprise_id"] for t in result["targets"]]
    more = D.supplement_v1(inputs, 1, drawn, 2, "危险化学品|*", D.loads(result["targets"]))
    assert len(more) == 2 and not set(t["enterprise_id"] for t in more) & set(drawn)
    assert all(t["stratum"] == "危险化学品|*" and t["supplement"] == 1 for t in more)
    assert more == D.supplement_v1(inputs, 1, drawn, 2, "危险化学品|*", D.loads(result["targets"]))
    assert D.supplement_v1(inputs, 2, drawn, 2, "危险化学品|*", D.loads(result["targets"])) != more
    with pytest.raises(D.DrawInputError):
        D.supplement_v1(inputs, 1, drawn, 2, "没有|*", {})


def test_registry_keeps_v1():
    assert D.ALGORITHM == "v1"
    assert D.algorithm("v1").draw is D.draw_v1
