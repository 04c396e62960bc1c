"""监督检查 (inspections): the tables of the inspection domain. One file per idea; each helper's file adds
its line below.

- `inspection.py`      Inspection (one inspection of one enterprise, any source; cap accounting; the on-site
                       record's header) and InspectionMember (the team, ≥ 2 certified officers).
- `classification.py`  EnterpriseClass: the yearly class A–D, cap and frequency (computed, or overridden).
- `draw.py`            SpotCheckItem (随机抽查事项清单), ConflictDeclaration (回避关系), DrawBatch, DrawTarget,
                       DrawEvent (双随机 batches, their frozen pool, seed commitment, result and log).
- `covert.py`          CovertVisit (sealed 暗访), CovertTarget, CovertMember, CovertSheetRow + CovertEvidence
                       (暗查暗访检查情况表), Assignment (交办函), SupervisionSheet (督办单), ReturnVisit (回头看), Bulletin (通报).
- `plan.py`            InspectionPlan (年度监督检查计划, versions and amendments), PlanItem (重点检查 of a named
                       enterprise → its inspection; 一般检查 quota per month, industry and town).
- `onsite.py`          ChecklistResult, Finding (→ hazard, → case lead), OnSiteMeasure (现场处理措施决定书).
- `tipoff.py`          TipOff (举报: channel, protected informant, verification by inspection, feedback, reward).
"""

from app.inspections.models.classification import EnterpriseClass
from app.inspections.models.covert import (
    Assignment,
    AssignmentStatus,
    Bulletin,
    CovertEvidence,
    CovertMember,
    CovertSheetRow,
    CovertStatus,
    CovertTarget,
    CovertVisit,
    ReturnVisit,
    SupervisionSheet,
)
from app.inspections.models.draw import (
    ConflictDeclaration,
    DrawBatch,
    DrawEvent,
    DrawEventKind,
    DrawStatus,
    DrawTarget,
    SpotCheckItem,
)
from app.inspections.models.inspection import (
    CAP_EXEMPT_SOURCES,
    OPEN_STATUSES,
    Inspection,
    InspectionMember,
    InspectionMode,
    InspectionSource,
    InspectionStatus,
)
from app.inspections.models.onsite import (
    ChecklistResult,
    Finding,
    FindingOutcome,
    ItemResult,
    MeasureKind,
    MeasureStatus,
    OnSiteMeasure,
)
from app.inspections.models.plan import InspectionPlan, PlanItem, PlanItemKind, PlanStatus
from app.inspections.models.tipoff import OPEN_TIPOFF_STATUSES, TipOff, TipOffChannel, TipOffStatus, Verdict

__all__ = [
    "Verdict",
    "TipOffStatus",
    "TipOffChannel",
    "TipOff",
    "OPEN_TIPOFF_STATUSES",
    "InspectionPlan",
    "PlanItem",
    "PlanItemKind",
    "PlanStatus",
    "Assignment",
    "AssignmentStatus",
    "Bulletin",
    "CovertEvidence",
    "CovertMember",
    "CovertSheetRow",
    "CovertStatus",
    "CovertTarget",
    "CovertVisit",
    "ReturnVisit",
    "SupervisionSheet",
    "ConflictDeclaration",
    "DrawBatch",
    "DrawEvent",
    "DrawEventKind",
    "DrawStatus",
    "DrawTarget",
    "SpotCheckItem",
    "CAP_EXEMPT_SOURCES",
    "ChecklistResult",
    "Finding",
    "FindingOutcome",
    "ItemResult",
    "MeasureKind",
    "MeasureStatus",
    "OnSiteMeasure",
    "OPEN_STATUSES",
    "EnterpriseClass",
    "Inspection",
    "InspectionMember",
    "InspectionMode",
    "InspectionSource",
    "InspectionStatus",
]
