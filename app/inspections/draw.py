"""双随机 draw algorithm: pure, deterministic, versioned — anyone holding the published inputs replays it.

No database, no clock, no randomness here: the inputs are plain JSON (what a batch froze and published), the
randomness is the batch's seed, revealed only at the draw and committed beforehand by SHA-256(seed). A new
version is added to `ALGORITHMS` under a new name; an old one is never changed, so a batch drawn with "v1" is
replayed with "v1" for ever.

Inputs (`DrawInputs`, all published on the batch record):
    pool          [{"id": enterprise id, "industry": "…", "town": "…"}]  (the frozen 检查对象名录库)
    inspectors    [user id]                                            (the frozen 执法检查人员名录库)
    exclusions    {"enterprises": [{"id": …, "reason": "…"}], "conflicts": [[user id, enterprise id]]}
    strata        [{"industry": "…" or null, "town": "…" or null, "count": n or null, "ratio": "0.05" or null}]
    inspectors_per_target  k ≥ 2
    seed          64 hex characters; the HMAC key is the seed's ASCII bytes

Hashes: `digest(obj)` = SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8, non-ASCII kept).
    pool hash       = digest({"enterprises": pool, "inspectors": inspectors, "strata": strata,
                               "inspectors_per_target": k})
    exclusions hash = digest(exclusions)
    commitment      = SHA-256 of the seed's ASCII bytes (hex)

Algorithm v1:
1. Remove the excluded enterprises from the pool. Each remaining enterprise belongs to the FIRST stratum
   (in the listed order) whose industry and town match (a null matches anything); one in no stratum is not
   drawn. A stratum's key is "<industry or *>|<town or *>".
2. In each stratum, rank its enterprises by HMAC-SHA256(seed, "<stratum key>|<enterprise id>") (hex, ascending;
   ties by id) and take `count`, or ceil(ratio × stratum size), at most the stratum size.
3. Targets are ordered by stratum, then rank. For each target in that order the team is drawn from the
   inspectors not in a conflict pair with that enterprise, least loaded first (load = assignments so far in
   this batch): the candidates are the inspectors of the lowest load level, sorted by user id; the j-th member
   (j = 1, 2, …) is the candidate at index int(first 8 bytes of HMAC-SHA256(seed, "team|<enterprise id>|#<j>"),
   big-endian) mod (number of candidates left), and leaves the candidates; when a level runs out the next one
   continues (j keeps counting). The first member is the lead (主办). The load rule spreads the work evenly;
   the HMAC picks among the equally loaded — a keyed uniform choice costing k hashes per target, not one per
   inspector (a draw of 5 % of 100,000 enterprises makes ~5,000 teams out of 500 inspectors).
4. 回避 replacement (after the draw): the target's ranking is its eligible inspectors ordered by
   HMAC-SHA256(seed, "recusal|<enterprise id>|<user id>"); the replacement is the first of that ranking who
   is not on the team, has not left it before, and is not in a conflict pair with the enterprise.
5. 补抽 number n (n = 1, 2, … in the batch's log): the remaining pool (not excluded, not drawn before) filtered
   to the requested stratum (or all) is ranked by HMAC-SHA256(seed, "supplement|<n>|<enterprise id>") and
   the first `count` are taken; their teams follow rule 3 with the loads of the batch so far.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

ALGORITHM = "v1"


class DrawInputError(ValueError):
    """The inputs cannot be drawn (a malformed pool, a bad seed, a stratum without count or ratio …)."""


# --- hashing -------------------------------------------------------------------------------------------


def canonical(obj: Any) -> bytes:
    """The canonical JSON bytes of `obj`: keys sorted, no whitespace, UTF-8 (non-ASCII kept)."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def pool_hash(
    pool: Sequence[Mapping[str, Any]], inspectors: Sequence[int], strata: Sequence[Mapping[str, Any]], k: int
) -> str:
    """digest({"enterprises": pool, "inspectors": inspectors, "strata": strata, "inspectors_per_target": k}),
    each pool row being {"id", "industry", "town"}. The rows are written with their keys already in sorted
    order and without json's key sorting (the same bytes, half the time for 100,000 rows)."""
    rows = [{"id": e["id"], "industry": e["industry"], "town": e["town"]} for e in pool]
    enterprises = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    rest = canonical({"inspectors": list(inspectors), "strata": list(strata), "inspectors_per_target": k})
    h = hashlib.sha256(b'{"enterprises":')
    h.update(enterprises)
    h.update(b",")
    h.update(rest[1:])
    return h.hexdigest()


def exclusions_hash(exclusions: Mapping[str, Any]) -> str:
    return digest(dict(exclusions))


def _check_seed(seed: str) -> bytes:
    if not isinstance(seed, str) or len(seed) != 64:
        raise DrawInputError("随机种子应为64位十六进制字符")
    try:
        bytes.fromhex(seed)
    except ValueError:
        raise DrawInputError("随机种子应为64位十六进制字符") from None
    return seed.encode("ascii")


class Ranker:
    """HMAC-SHA256 keyed by the seed, computed from precomputed inner/outer SHA-256 states (the same
    digest as hmac.digest(key, message, "sha256"), about 2.5× faster: a draw hashes every pool entry and
    every inspector of each target). Digests compare as bytes, which orders them like their hex."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, message: str) -> bytes:
        return self.prefixed(message)(b"")

    def prefixed(self, prefix: str) -> Callable[[bytes], bytes]:
        """A function of the message's tail (bytes) for messages sharing `prefix`."""
        inner = self._inner.copy()
        inner.update(prefix.encode("utf-8"))
        outer = self._outer

        def rank(tail: bytes) -> bytes:
            h = inner.copy()
            h.update(tail)
            o = outer.copy()
            o.update(h.digest())
            return o.digest()

        return rank

    def order(self, prefix: str, ids: Iterable[int], n: int | None = None) -> list[int]:
        """`ids` ordered by HMAC(key, prefix + str(id)) ascending (ties by id), the first `n` (all when None):
        the same order as sorting by `prefixed(prefix)`, in one tight loop (a pool of 100,000)."""
        inner = self._inner.copy()
        inner.update(prefix.encode("utf-8"))
        icopy, ocopy = inner.copy, self._outer.copy
        keyed: list[tuple[bytes, int]] = []
        append = keyed.append
        for i in ids:
            h = icopy()
            h.update(str(i).encode("ascii"))
            o = ocopy()
            o.update(h.digest())
            append((o.digest(), i))
        if n is not None and n < len(keyed) // 8:
            keyed = heapq.nsmallest(n, keyed)
        else:
            keyed.sort()
            if n is not None:
                keyed = keyed[:n]
        return [i for _, i in keyed]


def _ranker(key: bytes) -> Ranker:
    return Ranker(key)


def _ids(ids: Iterable[int]) -> dict[int, bytes]:
    return {i: str(i).encode("ascii") for i in ids}


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawInputs:
    pool: list[dict]
    inspectors: list[int]
    exclusions: dict
    strata: list[dict]
    inspectors_per_target: int
    seed: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrawInputs:
        """Parse pasted/published JSON, refusing what the algorithm cannot draw (DrawInputError)."""
        try:
            pool = [
                {
                    "id": int(e["id"]),
                    "industry": str(e.get("industry") or ""),
                    "town": str(e.get("town") or ""),
                }
                for e in data["pool"]
            ]
            inspectors = [int(u) for u in data["inspectors"]]
            excl = data.get("exclusions") or {}
            exclusions = {
                "enterprises": [
                    {"id": int(e["id"]), "reason": str(e.get("reason") or "")}
                    for e in excl.get("enterprises", [])
                ],
                "conflicts": [[int(u), int(e)] for u, e in excl.get("conflicts", [])],
            }
            strata = [dict(s) for s in data["strata"]]
            k = int(data["inspectors_per_target"])
            seed = str(data["seed"])
        except (KeyError, TypeError, ValueError) as exc:
            raise DrawInputError(f"抽取数据格式不正确：{exc}") from None
        return cls(pool, inspectors, exclusions, strata, k, seed)


@dataclass(frozen=True)
class Stratum:
    key: str
    industry: str | None
    town: str | None
    count: int | None
    ratio: Decimal | None

    def take(self, size: int) -> int:
        if self.count is not None:
            return min(self.count, size)
        assert self.ratio is not None
        return min(size, math.ceil(self.ratio * size))


def parse_strata(strata: Sequence[Mapping[str, Any]]) -> list[Stratum]:
    out: list[Stratum] = []
    seen: set[str] = set()
    for s in strata:
        industry = s.get("industry") or None
        town = s.get("town") or None
        key = f"{industry or '*'}|{town or '*'}"
        if key in seen:
            raise DrawInputError(f"分层重复：{key}")
        seen.add(key)
        count = s.get("count")
        ratio = s.get("ratio")
        if (count in (None, "")) == (ratio in (None, "")):
            raise DrawInputError(f"分层{key}应填写抽取户数或抽取比例之一")
        if count not in (None, ""):
            try:
                n = int(count)
            except (TypeError, ValueError):
                raise DrawInputError(f"分层{key}的抽取户数应为整数") from None
            if n < 1:
                raise DrawInputError(f"分层{key}的抽取户数应不少于1")
            out.append(Stratum(key, industry, town, n, None))
        else:
            try:
                r = Decimal(str(ratio))
            except InvalidOperation:
                raise DrawInputError(f"分层{key}的抽取比例应为0到1之间的小数") from None
            if not (Decimal(0) < r <= Decimal(1)):
                raise DrawInputError(f"分层{key}的抽取比例应为0到1之间的小数")
            out.append(Stratum(key, industry, town, None, r))
    if not out:
        raise DrawInputError("请至少设置一个分层（行业、乡镇与抽取户数或比例）")
    return out


def stratum_of(strata: Sequence[Stratum], industry: str, town: str) -> Stratum | None:
    for s in strata:
        if (s.industry is None or s.industry == industry) and (s.town is None or s.town == town):
            return s
    return None


# --- teams --------------------------------------------------------------------------------------------


@dataclass
class TeamState:
    """Assignments so far per inspector (the load rule): the inspectors of each load level, sorted by id."""

    inspectors: list[int]
    load: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for u in self.inspectors:
            self.load.setdefault(u, 0)
        self._levels: dict[int, list[int]] = {}
        for u in sorted(self.load):
            self._levels.setdefault(self.load[u], []).append(u)

    def pick(self, rank: Ranker, enterprise_id: int, k: int, banned: set[int]) -> list[int]:
        """Rule 3: the j-th member is the candidate at index HMAC(seed, "team|<enterprise id>|#<j>") mod the
        number of candidates left, the candidates being the least-loaded level's inspectors (by id) not
        banned and not yet on the team; the next level continues when one runs out."""
        team: list[int] = []
        of = rank.prefixed(f"team|{enterprise_id}|#")
        j = 0
        for level in sorted(self._levels):
            candidates = (
                [u for u in self._levels[level] if u not in banned] if banned else list(self._levels[level])
            )
            while candidates and len(team) < k:
                j += 1
                index = int.from_bytes(of(str(j).encode("ascii"))[:8], "big") % len(candidates)
                team.append(candidates.pop(index))
            if len(team) == k:
                break
        for u in team:
            n = self.load[u]
            row = self._levels[n]
            row.pop(bisect.bisect_left(row, u))
            if not row:
                del self._levels[n]
            self.load[u] = n + 1
            bisect.insort(self._levels.setdefault(n + 1, []), u)
        return team


def _conflicts_by_enterprise(conflicts: Iterable[Sequence[int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for u, e in conflicts:
        out.setdefault(int(e), set()).add(int(u))
    return out


# --- v1 -----------------------------------------------------------------------------------------------


def draw_v1(inputs: DrawInputs) -> dict:
    """Targets and teams (see the module docstring). Returns {"version", "strata": [{key, size, count}],
    "targets": [{"enterprise_id", "stratum", "rank", "team"}]}."""
    rank = _ranker(_check_seed(inputs.seed))
    k = inputs.inspectors_per_target
    if k < 2:
        raise DrawInputError("每户检查人员不得少于2人")
    strata = parse_strata(inputs.strata)
    excluded = {int(e["id"]) for e in inputs.exclusions.get("enterprises", [])}
    members: dict[str, list[int]] = {s.key: [] for s in strata}
    cache: dict[tuple[str, str], Stratum | None] = {}
    for e in inputs.pool:
        eid = e["id"]
        if eid in excluded:
            continue
        sig = (e["industry"], e["town"])
        if sig not in cache:
            cache[sig] = stratum_of(strata, *sig)
        s = cache[sig]
        if s is not None:
            members[s.key].append(eid)
    targets: list[dict] = []
    summary: list[dict] = []
    for s in strata:
        ids = members[s.key]
        n = s.take(len(ids))
        ranked = rank.order(s.key + "|", ids, n)
        summary.append({"key": s.key, "size": len(ids), "count": n})
        targets.extend(
            {"enterprise_id": eid, "stratum": s.key, "rank": i + 1} for i, eid in enumerate(ranked)
        )
    _assign_teams(rank, targets, inputs.inspectors, inputs.exclusions.get("conflicts", []), k, {})
    return {"version": "v1", "strata": summary, "targets": targets}


def _assign_teams(
    rank: Ranker,
    targets: list[dict],
    inspectors: Sequence[int],
    conflicts: Iterable[Sequence[int]],
    k: int,
    load: dict[int, int],
) -> None:
    by_enterprise = _conflicts_by_enterprise(conflicts)
    state = TeamState(list(inspectors), dict(load))
    for t in targets:
        team = state.pick(rank, t["enterprise_id"], k, by_enterprise.get(t["enterprise_id"], set()))
        if len(team) < k:
            raise DrawInputError(
                f"可派检查人员不足：企业{t['enterprise_id']}仅有{len(team)}名无回避关系的检查人员"
            )
        t["team"] = team


def replacement_v1(
    seed: str, enterprise_id: int, inspectors: Sequence[int], conflicts: Iterable[Sequence[int]],
    unavailable: Iterable[int],
) -> int | None:  # fmt: skip
    """The 回避 replacement: the first inspector of the target's ranking not unavailable (on the team or
    having left it) and not in a conflict pair with the enterprise; None when nobody is left."""
    rank = _ranker(_check_seed(seed))
    banned = set(unavailable) | _conflicts_by_enterprise(conflicts).get(enterprise_id, set())
    candidates = [u for u in inspectors if u not in banned]
    if not candidates:
        return None
    of = rank.prefixed(f"recusal|{enterprise_id}|")
    return min(candidates, key=lambda u: (of(str(u).encode("ascii")), u))


def supplement_v1(
    inputs: DrawInputs, n: int, drawn: Iterable[int], count: int, stratum: str | None, load: Mapping[int, int]
) -> list[dict]:
    """补抽 number n: `count` more targets from the remaining pool (not excluded, not `drawn`), within the
    stratum key `stratum` (or the whole pool when None), with teams under the load rule continued."""
    rank = _ranker(_check_seed(inputs.seed))
    if n < 1 or count < 1:
        raise DrawInputError("补抽序号和户数应不少于1")
    strata = parse_strata(inputs.strata)
    keys = {s.key for s in strata}
    if stratum is not None and stratum not in keys:
        raise DrawInputError(f"没有这个分层：{stratum}")
    gone = {int(e["id"]) for e in inputs.exclusions.get("enterprises", [])} | set(drawn)
    remaining: list[tuple[int, str]] = []
    for e in inputs.pool:
        if e["id"] in gone:
            continue
        s = stratum_of(strata, e["industry"], e["town"])
        if s is None or (stratum is not None and s.key != stratum):
            continue
        remaining.append((e["id"], s.key))
    key_of = dict(remaining)
    chosen = rank.order(f"supplement|{n}|", [eid for eid, _ in remaining], count)
    targets = [
        {"enterprise_id": eid, "stratum": key_of[eid], "rank": i + 1, "supplement": n}
        for i, eid in enumerate(chosen)
    ]
    _assign_teams(
        rank, targets, inputs.inspectors, inputs.exclusions.get("conflicts", []), inputs.inspectors_per_target,
        dict(load),
    )  # fmt: skip
    return targets


V1_DESCRIPTION = """抽取算法 v1（公开、确定、可复核）

输入（均在公开记录中公布）：检查对象库 pool（[{id 企业ID, industry 行业, town 乡镇}]）、执法检查人员库 inspectors
（[人员ID]）、排除清单 exclusions（enterprises 排除企业及理由；conflicts 回避关系 [人员ID, 企业ID]）、分层 strata
（[{industry, town, count 户数 或 ratio 比例}]，空值表示不限）、每户检查人员数 inspectors_per_target、随机种子 seed
（64位十六进制字符，提交时只公布 SHA-256(seed) 承诺值，抽取时公开）。

校验值：以上数据按规范JSON（键名排序、无空格、UTF-8）计算 SHA-256。对象库校验值覆盖
{enterprises: pool, inspectors, strata, inspectors_per_target}；排除清单校验值覆盖 exclusions。

HMAC 为以种子（ASCII字节）为密钥的 HMAC-SHA256，结果按字节（即十六进制）由小到大比较。
1. 从对象库中去掉排除企业；每户企业归入第一个行业、乡镇均匹配的分层（未列入任何分层的不抽取）。
2. 每个分层内按 HMAC("分层键|企业ID") 排序（分层键为"行业或*|乡镇或*"），取前 count 户，或向上取整(比例×该层户数)户。
3. 抽中企业按分层顺序、层内序号依次配检查组：候选人为与该企业无回避关系、本批已分配次数最少的人员（按人员ID排序）；
   第 j 名组员为候选人中第 (HMAC("team|企业ID|#j") 前8字节的大端整数 mod 剩余候选人数) 位，选出后移出候选；
   该层候选用尽时转入已分配次数次少的人员，j 继续累加。第一名为主办。
4. 回避替换：该户无回避关系、不在检查组、未曾退出该组的人员中，HMAC("recusal|企业ID|人员ID") 最小者。
   抽取后新申报的回避关系和计划检查日执法证失效的人员记入该次替换记录，复核时一并使用。
5. 补抽第 n 次：从未被排除、未被抽中的对象中（可限定分层）按 HMAC("supplement|n|企业ID") 排序取所需户数，
   检查组按第3条规则、以本批已有分配次数为起点确定。补抽须经负责人批准并记入公开记录。"""


@dataclass(frozen=True)
class Algorithm:
    draw: Callable[[DrawInputs], dict]
    replacement: Callable[..., int | None]
    supplement: Callable[..., list[dict]]
    description: str


ALGORITHMS: dict[str, Algorithm] = {
    "v1": Algorithm(
        draw=draw_v1,
        replacement=replacement_v1,
        supplement=supplement_v1,
        description=V1_DESCRIPTION,
    ),
}


def algorithm(version: str) -> Algorithm:
    try:
        return ALGORITHMS[version]
    except KeyError:
        raise DrawInputError(f"未知的抽取算法版本：{version}") from None


def run(version: str, inputs: DrawInputs) -> dict:
    """Draw with the named version (a replay names the batch's version)."""
    return algorithm(version).draw(inputs)


def loads(targets: Iterable[Mapping[str, Any]]) -> dict[int, int]:
    """Assignments per inspector over the given targets' teams (the load rule's starting point)."""
    out: dict[int, int] = {}
    for t in targets:
        for u in t.get("team", []):
            out[int(u)] = out.get(int(u), 0) + 1
    return out
