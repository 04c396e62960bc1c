"""严重失信主体名单 (the serious-dishonesty list), 联合惩戒 and 信用修复: the tables of the credit domain.

- `accident.py`   Accident: the small 事故 register the inclusion criteria read (investigation itself is
                  out of scope: its report number is recorded).
- `listing.py`    CreditListing: one listing of a unit (and, where the criterion says so, its main 负责人)
                  from proposal to its end (不予列入 / 期满移出 / 提前移出 / 撤销); ListingStatement (陈述申辩);
                  ListingRemedy (复议/诉讼 against the listing); CreditPush (the file pushed to the national
                  credit platform).
- `measure.py`    ListingMeasure: each 联合惩戒 measure applied by a listing, with the executing department's
                  feedback (window, received, overdue) and when it was lifted.
- `repair.py`     RepairApplication: 信用修复 (early removal after ≥12 months), its checks, decision and a
                  later fraud revocation.

Every status is a projection of where the listing's workflows stand (app/credit/status.py).
"""

from app.credit.models.accident import Accident, AccidentLevel
from app.credit.models.listing import (
    CreditListing,
    CreditPush,
    ListingEnd,
    ListingRemedy,
    ListingStatement,
    ListingStatus,
    ProposalOrigin,
    SubjectKind,
)
from app.credit.models.measure import FeedbackStatus, ListingMeasure
from app.credit.models.repair import PenaltyInfoRepair, RepairApplication, RepairStatus

__all__ = [
    "Accident",
    "AccidentLevel",
    "CreditListing",
    "CreditPush",
    "FeedbackStatus",
    "ListingEnd",
    "ListingMeasure",
    "ListingRemedy",
    "ListingStatement",
    "ListingStatus",
    "ProposalOrigin",
    "PenaltyInfoRepair",
    "RepairApplication",
    "RepairStatus",
    "SubjectKind",
]
