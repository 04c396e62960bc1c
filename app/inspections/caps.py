"""年度检查频次上限 (国办发〔2024〕54号; spec §5.2, §0.3 item 3): every inspection of an enterprise counts against
its yearly cap, whatever it came from (年度计划, 双随机, 暗访 once started, 交办, 复查, 专项); a complaint-driven
one (举报) is exempt but recorded and shown. The cap is the one of the enterprise's class of the year
(EnterpriseClass, computed from the pack in force on 1 January — app.inspections.operations.classification).

Counting rule: Inspection rows with cap_year == year, status != 已取消; `used` = those with
counts_against_cap, `exempt` = those without (the 举报 ones). A sealed 暗访 is not an Inspection until it is
started, so it is not counted (nor visible) before.

- `class_of(enterprise, year)`      the EnterpriseClass (computed and stored on first need; flush)
- `budget(enterprise, year)`        Budget(klass, cap, used, exempt, remaining, over)
- `locked_budget(enterprise, year)` the same under the class row's lock: for the writer adding an inspection
- `budgets(enterprise_ids, year)`   the same for many: one statement for the counts, one for the classes
                                    (plus the computation of the classes not stored yet)
- `classify_all`, `override_class`  re-exported from operations.classification
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update

from app.extensions import db
from app.inspections.models.classification import EnterpriseClass
from app.inspections.models.inspection import Inspection, InspectionStatus
from app.inspections.operations.classification import (
    classify_all,
    ensure_classes,
    enterprise_rows,
    override_class,
    store_missing,
)
from app.org.models import Enterprise

__all__ = [
    "Budget",
    "budget",
    "budgets",
    "class_of",
    "classify_all",
    "counts",
    "locked_budget",
    "override_class",
]

CHUNK = 5_000


@dataclass(frozen=True)
class Budget:
    """An enterprise's inspections of a year against its cap."""

    enterprise_id: int
    year: int
    klass: str
    cap: int
    used: int  # counted inspections (every source but the exempt ones), not cancelled
    exempt: int  # 举报-driven ones: recorded, not counted
    overridden: bool = False

    @property
    def remaining(self) -> int:
        return max(self.cap - self.used, 0)

    @property
    def over(self) -> bool:
        """At or past the cap: one more counted inspection needs the leader's approval."""
        return self.used >= self.cap

    @property
    def exceeded(self) -> int:
        """How many counted inspections lie beyond the cap (approved over-cap ones)."""
        return max(self.used - self.cap, 0)


def class_of(enterprise: Enterprise, year: int) -> EnterpriseClass:
    """The enterprise's EnterpriseClass for `year`, computed and stored on first need (flush)."""
    return ensure_classes([enterprise], year)[enterprise.id]


def counts(enterprise_ids: Iterable[int], year: int) -> dict[int, tuple[int, int]]:
    """enterprise id → (used, exempt) for `year`: one statement per CHUNK ids (ix_inspections_cap)."""
    ids = sorted({int(i) for i in enterprise_ids})
    out: dict[int, tuple[int, int]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = db.session.execute(
            select(
                Inspection.enterprise_id,
                func.sum(case((Inspection.counts_against_cap.is_(True), 1), else_=0)),
                func.sum(case((Inspection.counts_against_cap.is_(True), 0), else_=1)),
            )
            .where(
                Inspection.enterprise_id.in_(chunk),
                Inspection.cap_year == year,
                Inspection.status != InspectionStatus.CANCELLED,
            )
            .group_by(Inspection.enterprise_id)
        )
        for eid, used, exempt in rows:
            out[eid] = (int(used or 0), int(exempt or 0))
    return out


def _budget(ec: EnterpriseClass | Any, used: int, exempt: int) -> Budget:
    """A Budget from an EnterpriseClass or a row of its columns (enterprise_id, year, klass,
    max_inspections, override_reason)."""
    return Budget(
        enterprise_id=ec.enterprise_id,
        year=ec.year,
        klass=ec.klass,
        cap=ec.max_inspections,
        used=used,
        exempt=exempt,
        overridden=ec.override_reason is not None,
    )


def budget(enterprise: Enterprise, year: int) -> Budget:
    """The enterprise's Budget for `year` (its class computed on first need)."""
    ec = class_of(enterprise, year)
    used, exempt = counts([enterprise.id], year).get(enterprise.id, (0, 0))
    return _budget(ec, used, exempt)


def locked_budget(enterprise: Enterprise, year: int) -> Budget:
    """budget() for a writer about to add a counted inspection: the enterprise's class row of the year is
    locked first (a row lock on PostgreSQL, the write lock on SQLite) and the count read under it, so two
    inspections created at once cannot both take the last place under the cap (the second waits, then reads
    the first's). Call it in the transaction that inserts the inspection.

    The lock and the read of the class are one statement (UPDATE … RETURNING its columns, read under the
    lock: an override committed meanwhile changes the cap); a class not stored yet is computed first."""
    row = _lock_class(enterprise.id, year)
    if row is None:  # computed and stored now (flush): then locked and read like a stored one
        class_of(enterprise, year)
        row = _lock_class(enterprise.id, year)
    assert row is not None
    used, exempt = counts([enterprise.id], year).get(enterprise.id, (0, 0))
    return _budget(row, used, exempt)


def _lock_class(enterprise_id: int, year: int) -> Any:
    """The enterprise's class row of `year` locked (a no-op UPDATE) and its budget columns as they are under
    the lock (RETURNING), or None when no class is stored."""
    return db.session.execute(
        update(EnterpriseClass)
        .where(EnterpriseClass.enterprise_id == enterprise_id, EnterpriseClass.year == year)
        .values(id=EnterpriseClass.id)
        .returning(
            EnterpriseClass.enterprise_id,
            EnterpriseClass.year,
            EnterpriseClass.klass,
            EnterpriseClass.max_inspections,
            EnterpriseClass.override_reason,
        )
    ).first()


def _class_columns(ids: list[int], year: int) -> dict[int, Any]:
    """enterprise id → its stored class's columns for the budget (not the row with its basis)."""
    classes: dict[int, Any] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        classes.update(
            (row.enterprise_id, row)
            for row in db.session.execute(
                select(
                    EnterpriseClass.enterprise_id,
                    EnterpriseClass.year,
                    EnterpriseClass.klass,
                    EnterpriseClass.max_inspections,
                    EnterpriseClass.override_reason,
                ).where(EnterpriseClass.enterprise_id.in_(chunk), EnterpriseClass.year == year)
            )
        )
    return classes


def budgets(enterprise_ids: Iterable[int], year: int) -> dict[int, Budget]:
    """Budget of each of `enterprise_ids` for `year`: the stored classes and the counts in one statement each
    (per CHUNK ids); classes not stored yet are computed first (a few statements for all of them)."""
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        return {}
    classes = _class_columns(ids, year)
    missing = [i for i in ids if i not in classes]
    if missing:  # computed from the enterprises' columns, stored, then read like the others
        store_missing(enterprise_rows(missing), year)
        classes.update(_class_columns(missing, year))
    used = counts(ids, year)
    return {i: _budget(classes[i], *used.get(i, (0, 0))) for i in ids if i in classes}
