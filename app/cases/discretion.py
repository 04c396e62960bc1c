"""裁量基准 engine (domain spec §9, 行政处罚法 Art.29, 32, 33, 34, 36, 37): which tier and band a fine falls in.

The data (违法行为库) lives in app/cases/violations.py and app/cases/data/violations/*.json; this module
re-exports its look-ups (`library`, `entry`, `search`, `applicable_entry`, `describe`) and adds the rules:

`suggest(entry, target, factors)` — deterministic, in this order:
  1. Unknown factor codes, and contradictory pairs (轻微/首违 with 造成危害后果 or 重大事故隐患; 首违 with 一年内
     再犯), are refused (`invalid("factors", …)`).
  2. A mandatory no-penalty factor (超过追责时效 Art.36, 没有主观过错 Art.33 II, 轻微并及时改正没有危害后果
     Art.33 I) beats everything: tier 不予处罚, band 0..0, `mandatory=True`, the aggravating factors are listed
     as not changing it; 教育 is required (Art.33 III). Precedence among them: 时效, 无过错, 轻微.
  3. Otherwise the tier from the remaining factors:
     none → 一般; only mitigating (Art.32) → 从轻, or 减轻 when at least `MITIGATING_FOR_REDUCTION` of them are
     present and the law sets a minimum (减轻 = below the statutory minimum, band 0..minimum; where the law
     gives only a maximum there is nothing to reduce below, so 从轻); only aggravating → 从重; both → 一般
     with both sides listed in the reasons.
  4. The discretionary 首违不罚 (Art.33 I, "可以") does not decide: `no_penalty="first_offence"`,
     `mandatory=False`, and tier/band are what applies if the agency decides to penalise anyway.

`check_amount(entry, target, tier, amount, deviation_reason)` — a fine above the statutory maximum, or below
the minimum outside 减轻, is always refused (不得超出法定幅度); inside the tier band is fine; outside the band
but inside the statutory range needs a written reason and then goes to 集体讨论; 减轻 below the minimum always
needs the reason and 集体讨论.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from app.cases.violations import (
    TARGETS,
    Catalogue,
    Entry,
    Library,
    TargetBand,
    catalogue,
    yuan,
)
from app.errors import invalid

__all__ = [
    "FACTORS",
    "BandCheck",
    "Factor",
    "FactorKind",
    "Suggestion",
    "applicable_entry",
    "check_amount",
    "describe",
    "entry",
    "higher_norm",
    "is_lighter",
    "library",
    "penalty_text",
    "search",
    "suggest",
]

# House rule: this many distinct Art.32 factors suggest 减轻 rather than 从轻 (the law leaves the choice).
MITIGATING_FOR_REDUCTION = 2


# ---------------------------------------------------------------- the library (从旧兼从轻 included)


def library(on: date | None = None, *, directory: Path | None = None) -> Library:
    """The version in force on `on` (default: today)."""
    return catalogue(directory).library(on)


def entry(code: str, version: str | None = None, *, directory: Path | None = None) -> Entry:
    """An entry of a given version (a case reloads its stored `Entry.ref` with it), else of today's version."""
    cat = catalogue(directory)
    return (cat.version(version) if version else cat.library()).entry(code)


def search(text: str, on: date | None = None, *, directory: Path | None = None) -> list[Entry]:
    """The picker: entries of the version in force whose code, violation or articles contain every word."""
    return library(on, directory=directory).search(text)


def _key(e: Entry, target: str, stage: int) -> tuple[int, int]:
    s = next((x for x in e.stages if x.number == stage), None)
    band = s.band(target) if s else None
    return (band.statutory_max, band.statutory_min) if band else (0, 0)


def is_lighter(new: Entry, old: Entry, *, target: str | None = None, stage: int = 1) -> bool:
    """Whether `new` is lighter for the party than `old` (从旧兼从轻, Art.37).

    "Lighter" compares the statutory range, not the tiers: a lower statutory maximum for the target, then (same
    maximum) a lower minimum; a target the new version no longer fines counts as 0..0. With `target=None`
    every target of the stage counts: the new version is lighter only if it is no heavier for any target and
    lighter for at least one (mixed changes keep the old version)."""
    targets = [target] if target else list(TARGETS)
    pairs = [(_key(new, t, stage), _key(old, t, stage)) for t in targets]
    return all(n <= o for n, o in pairs) and any(n < o for n, o in pairs)


def applicable_entry(
    code: str,
    act_date: date,
    decision_date: date,
    *,
    target: str | None = None,
    stage: int = 1,
    directory: Path | None = None,
) -> Entry:
    """The entry version to apply: the one in force when the act was done (从旧), unless the one in force on the
    decision date is lighter for the party (兼从轻; see `is_lighter`). For a continuing act pass the day it
    ended as `act_date`."""
    if decision_date < act_date:
        raise invalid("decision_date", "处罚决定日期不得早于违法行为发生日期")
    cat: Catalogue = catalogue(directory)
    old = cat.library(act_date).entry(code)
    new = cat.library(decision_date).entry(code)
    return new if is_lighter(new, old, target=target, stage=stage) else old


def describe(e: Entry) -> str:
    """违反《安全生产法》第四十一条第二款的规定，依据《安全生产法》第九十七条第五项的规定 (for pages and 文书)."""
    return f"违反{e.breached_article}的规定，依据{e.penalty_article}的规定"


def penalty_text(e: Entry, stage: int = 1) -> str:
    """The statutory penalty of a stage: 责令限期改正，对生产经营单位处10万元以下的罚款."""
    s = e.stage(stage)
    parts = list(s.other_penalties) + [f"对{b.label}处{b.statutory_text}的罚款" for b in s.targets]
    prefix = f"{s.trigger}的，" if s.trigger else ""
    return prefix + "，".join(parts)


# ---------------------------------------------------------------- factors


class FactorKind(StrEnum):
    MITIGATING = "mitigating"  # Art.32 应当从轻或者减轻
    NO_PENALTY = "no_penalty"  # Art.33, 36
    AGGRAVATING = "aggravating"


@dataclass(frozen=True)
class Factor:
    code: str
    kind: FactorKind
    label: str
    basis: str
    mandatory: bool = False  # no-penalty: 应当 (True) or 可以 (False)


FACTORS: dict[str, Factor] = {
    f.code: f
    for f in (
        Factor(
            "eliminated_harm",
            FactorKind.MITIGATING,
            "主动消除或者减轻违法行为危害后果",
            "《行政处罚法》第三十二条第（一）项",
        ),
        Factor(
            "coerced",
            FactorKind.MITIGATING,
            "受他人胁迫或者诱骗实施违法行为",
            "《行政处罚法》第三十二条第（二）项",
        ),
        Factor(
            "confessed",
            FactorKind.MITIGATING,
            "主动供述行政机关尚未掌握的违法行为",
            "《行政处罚法》第三十二条第（三）项",
        ),
        Factor(
            "meritorious",
            FactorKind.MITIGATING,
            "配合行政机关查处违法行为有立功表现",
            "《行政处罚法》第三十二条第（四）项",
        ),
        Factor(
            "other_mitigating",
            FactorKind.MITIGATING,
            "法律、法规、规章规定其他应当从轻或者减轻行政处罚的",
            "《行政处罚法》第三十二条第（五）项",
        ),
        Factor(
            "time_barred",
            FactorKind.NO_PENALTY,
            "违法行为超过追责时效未被发现",
            "《行政处罚法》第三十六条",
            True,
        ),
        Factor(
            "no_fault",
            FactorKind.NO_PENALTY,
            "当事人有证据足以证明没有主观过错",
            "《行政处罚法》第三十三条第二款",
            True,
        ),
        Factor(
            "minor_corrected",
            FactorKind.NO_PENALTY,
            "违法行为轻微并及时改正，没有造成危害后果",
            "《行政处罚法》第三十三条第一款",
            True,
        ),
        Factor(
            "first_offence",
            FactorKind.NO_PENALTY,
            "初次违法且危害后果轻微并及时改正",
            "《行政处罚法》第三十三条第一款",
            False,
        ),
        Factor("major_hazard", FactorKind.AGGRAVATING, "属于重大事故隐患", "应急〔2024〕90号"),
        Factor(
            "repeat",
            FactorKind.AGGRAVATING,
            "一年内因同一违法行为受过行政处罚",
            "应急〔2024〕90号",
        ),
        Factor(
            "obstruction",
            FactorKind.AGGRAVATING,
            "拒绝、阻碍或者以暴力威胁等方式妨碍执法检查",
            "应急〔2024〕90号",
        ),
        Factor(
            "evidence_tampering",
            FactorKind.AGGRAVATING,
            "伪造、隐匿、销毁证据",
            "应急〔2024〕90号",
        ),
        Factor(
            "harm_caused",
            FactorKind.AGGRAVATING,
            "造成危害后果（生产安全事故、人员伤亡或者财产损失）",
            "应急〔2024〕90号",
        ),
        Factor(
            "refused_correction",
            FactorKind.AGGRAVATING,
            "拒不整改或者整改不到位",
            "应急〔2024〕90号",
        ),
        Factor("other_aggravating", FactorKind.AGGRAVATING, "其他依法应当从重处罚的情形", "应急〔2024〕90号"),
    )
}

MANDATORY_PRECEDENCE = ("time_barred", "no_fault", "minor_corrected")

CONTRADICTIONS = (
    ("minor_corrected", "harm_caused", "“没有造成危害后果”与“造成危害后果”不能同时成立"),
    ("minor_corrected", "major_hazard", "重大事故隐患不属于“违法行为轻微”"),
    ("first_offence", "repeat", "“初次违法”与“一年内因同一违法行为受过处罚”不能同时成立"),
    ("first_offence", "major_hazard", "重大事故隐患不属于“危害后果轻微”"),
)


def factor_choices(kind: FactorKind | None = None) -> list[tuple[str, str]]:
    """(code, label) pairs for a form's checkboxes, in the order above."""
    return [(f.code, f.label) for f in FACTORS.values() if kind is None or f.kind == kind]


def _factors(codes: Iterable[str]) -> list[Factor]:
    chosen: list[Factor] = []
    for code in codes:
        factor = FACTORS.get(code)
        if factor is None:
            raise invalid("factors", f"未知的裁量情节：{code}")
        if factor not in chosen:
            chosen.append(factor)
    present = {f.code for f in chosen}
    for a, b, message in CONTRADICTIONS:
        if a in present and b in present:
            raise invalid("factors", f"裁量情节相互矛盾：{message}")
    return chosen


def _cite(f: Factor) -> str:
    return f"{f.label}（{f.basis}）"


# ---------------------------------------------------------------- suggestion


@dataclass(frozen=True)
class Suggestion:
    tier: str  # 不予处罚 / 减轻 / 从轻 / 一般 / 从重
    band_min: int  # 元
    band_max: int
    reasons: list[str]
    no_penalty: str | None  # the no-penalty factor code, if any
    mandatory: bool  # True: 应当不予处罚; False with no_penalty: 可以不予处罚 (tier/band apply if penalised)


def suggest(e: Entry, target: str, factors: Iterable[str], *, stage: int = 1) -> Suggestion:
    """The tier and band the factors point to (rules in the module docstring)."""
    band = e.band(target, stage)
    chosen = _factors(factors)
    mandatory = [f for code in MANDATORY_PRECEDENCE for f in chosen if f.code == code]
    others = [f for f in chosen if f.kind != FactorKind.NO_PENALTY]
    if mandatory:
        reasons = [f"应当不予处罚：{_cite(f)}" for f in mandatory]
        if others:
            reasons.append("其他情节（" + "、".join(f.label for f in others) + "）不影响不予处罚")
        reasons.append("依法不予行政处罚的，应当对当事人进行教育（《行政处罚法》第三十三条第三款）")
        return Suggestion("不予处罚", 0, 0, reasons, mandatory[0].code, True)

    tier, reasons = _penalty_tier(band, chosen)
    found = band.tier(tier)
    assert found is not None  # every band has 从轻/一般/从重, and 减轻 where it is chosen
    first = next((f for f in chosen if f.code == "first_offence"), None)
    if first:
        reasons.insert(
            0,
            f"可以不予处罚：{_cite(first)}；决定不予处罚的，应当对当事人进行教育；决定处罚的，按{tier}阶次",
        )
        return Suggestion(tier, found.amount_min, found.amount_max, reasons, first.code, False)
    return Suggestion(tier, found.amount_min, found.amount_max, reasons, None, False)


def _penalty_tier(band: TargetBand, chosen: list[Factor]) -> tuple[str, list[str]]:
    mitigating = [f for f in chosen if f.kind == FactorKind.MITIGATING]
    aggravating = [f for f in chosen if f.kind == FactorKind.AGGRAVATING]
    if mitigating and aggravating:
        return "一般", [
            "从轻情节：" + "；".join(_cite(f) for f in mitigating),
            "从重情节：" + "；".join(_cite(f) for f in aggravating),
            "从轻与从重情节并存，按一般阶次",
        ]
    if aggravating:
        return "从重", ["从重情节：" + "；".join(_cite(f) for f in aggravating)]
    if mitigating:
        reasons = ["从轻或者减轻情节：" + "；".join(_cite(f) for f in mitigating)]
        if len(mitigating) >= MITIGATING_FOR_REDUCTION:
            if band.has_minimum:
                reasons.append(
                    f"具有{len(mitigating)}项从轻或者减轻情节，可以减轻处罚（在法定最低数额{yuan(band.statutory_min)}以下，须写明理由并集体讨论）"
                )
                return "减轻", reasons
            reasons.append("法律只规定了最高罚款数额，不适用减轻，按从轻阶次")
        return "从轻", reasons
    return "一般", ["未认定从轻、减轻或者从重情节，按一般阶次"]


# ---------------------------------------------------------------- amount check


@dataclass(frozen=True)
class BandCheck:
    inside: bool  # inside the tier's band
    needs_discussion: bool  # must go to 集体讨论 (a reasoned deviation, or 减轻)
    message: str


def check_amount(
    e: Entry,
    target: str,
    tier: str,
    amount: int | Decimal,
    deviation_reason: str | None = None,
    *,
    stage: int = 1,
) -> BandCheck:
    """Check a proposed fine against the tier band and the statutory range (rules in the module docstring).
    A refusal raises `invalid("amount", …)` naming the band."""
    band = e.band(target, stage)
    found = band.tier(tier)
    if found is None:
        raise invalid("tier", f"{e.code}对{band.label}没有“{tier}”裁量阶次")
    value = Decimal(amount)
    reason = (deviation_reason or "").strip() or None
    shown = yuan(value)
    if value < 0:
        raise invalid("amount", "罚款数额不得为负数")
    if tier == "不予处罚":
        if value != 0:
            raise invalid("amount", "不予处罚的，不得处以罚款")
        return BandCheck(True, False, "不予处罚，不处以罚款")
    if value == 0:
        raise invalid("amount", "罚款数额须大于零；不予罚款的，请选择“不予处罚”")
    if value > band.statutory_max:
        raise invalid(
            "amount",
            f"罚款{shown}超出法定幅度（对{band.label}处{band.statutory_text}），不得超出法定幅度",
        )
    if tier == "减轻":
        if value >= band.statutory_min:
            raise invalid(
                "amount",
                f"减轻处罚的罚款应低于法定最低数额{yuan(band.statutory_min)}；否则请选择从轻、一般或者从重",
            )
        if reason is None:
            raise invalid(
                "amount",
                f"罚款{shown}低于法定最低数额{yuan(band.statutory_min)}，属于减轻处罚，须写明减轻理由并提交集体讨论",
            )
        return BandCheck(
            True,
            True,
            f"减轻处罚：罚款{shown}，低于法定最低数额{yuan(band.statutory_min)}，理由：{reason}；须提交集体讨论决定",
        )
    if value < band.statutory_min:
        raise invalid(
            "amount",
            f"罚款{shown}低于法定最低数额{yuan(band.statutory_min)}（法定幅度{band.statutory_text}）；"
            "低于最低数额只能依法减轻处罚，请选择“减轻”阶次并写明理由",
        )
    if found.amount_min <= value <= found.amount_max:
        return BandCheck(True, False, f"罚款{shown}在{tier}阶次的裁量幅度（{found.band_text}）内")
    if reason is None:
        raise invalid(
            "amount",
            f"罚款{shown}不在{tier}阶次的裁量幅度（{found.band_text}）内；确需偏离裁量基准的，请写明理由，并提交集体讨论",
        )
    return BandCheck(
        False,
        True,
        f"罚款{shown}偏离{tier}阶次的裁量幅度（{found.band_text}），理由：{reason}；须提交集体讨论决定",
    )


# ---------------------------------------------------------------- 一事不二罚 (Art.29)


def higher_norm(
    codes: Iterable[str],
    *,
    target: str | None = None,
    stage: int = 1,
    on: date | None = None,
    directory: Path | None = None,
) -> str:
    """One act breaking several norms is fined once, under the norm with the higher fine (Art.29).

    Compares the statutory maximum for `target` at `stage` (`target=None`: the highest maximum of any target
    of that stage), then the higher minimum; a remaining tie keeps the code given first. Returns that code."""
    lib = library(on, directory=directory)
    entries = [lib.entry(c) for c in codes]
    if not entries:
        raise invalid("violation_codes", "请至少选择一项违法行为")

    def weight(e: Entry) -> tuple[int, int]:
        targets = [target] if target else list(TARGETS)
        return max(_key(e, t, stage) for t in targets)

    best = entries[0]
    for e in entries[1:]:
        if weight(e) > weight(best):
            best = e
    return best.code
