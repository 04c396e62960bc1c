"""失信惩戒 dashboard panel: what is listed now, the proposals waiting for 列入告知, the departments' 联合惩戒
feedback overdue and the 信用修复 applications under review — in the viewer's scope (the list's scoped
query), each count linking to the list or naming the few listings behind it (they are few: a county lists a
handful a year). Four counts and two short lists: six statements whatever the number of listings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template
from sqlalchemy import and_, or_, select

from app import clock, paging
from app.auth.models import User
from app.credit import queries
from app.credit.models import (
    CreditListing,
    FeedbackStatus,
    ListingMeasure,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.extensions import db

SHOWN = 10
UNDER_REVIEW = (RepairStatus.VERIFYING, RepairStatus.DECIDING)


@dataclass
class Board:
    listed: int = 0
    waiting: int = 0
    feedback_overdue: int = 0
    repairs: int = 0
    overdue_listings: list = field(default_factory=list)
    repair_listings: list = field(default_factory=list)


def _overdue(today: date):
    return or_(
        ListingMeasure.status == FeedbackStatus.OVERDUE,
        and_(ListingMeasure.status == FeedbackStatus.WAITING, ListingMeasure.feedback_due < today),
    )


def build(user: User, today: date | None = None) -> Board:
    today = today or clock.today()
    ids = queries.scoped(user).with_only_columns(CreditListing.id)
    overdue = select(ListingMeasure).where(ListingMeasure.listing_id.in_(ids), _overdue(today))
    repairs = select(RepairApplication).where(
        RepairApplication.listing_id.in_(ids), RepairApplication.status.in_(UNDER_REVIEW)
    )
    return Board(
        listed=queries.count(user, ListingStatus.LISTED),
        waiting=queries.count(user, ListingStatus.PROPOSED),
        feedback_overdue=paging.capped_count(overdue),
        repairs=paging.capped_count(repairs),
        overdue_listings=_listings(overdue.with_only_columns(ListingMeasure.listing_id)),
        repair_listings=_listings(repairs.with_only_columns(RepairApplication.listing_id)),
    )


def _listings(listing_ids) -> list[CreditListing]:
    return list(
        db.session.scalars(
            select(CreditListing)
            .where(CreditListing.id.in_(listing_ids))
            .options(*queries.LIST_OPTIONS)
            .order_by(CreditListing.id.desc())
            .limit(SHOWN)
        )
    )


def render_panel(user: Any, args: Any) -> str:
    return render_template("credit/dashboard.html", board=build(user))


def can_view(user) -> bool:
    return queries.is_staff(user)
