"""Who may open the credit domain's numbered documents (文书 whose subject is a credit_listings row).

Staff of the listing's jurisdiction see all of them. The listed enterprise's account sees only its own
listings, and never one still at 拟列入 — of those only the outward documents addressed to it, the 列入告知书
and 列入决定书 once served (app.credit.documents.party_may_open); never a 联合惩戒通知 or 移出通知 to a
department. Another company, another county: nothing (404)."""

from __future__ import annotations

from app import documents
from app.auth.models import User
from app.credit.documents import party_may_open
from app.credit.gates import is_staff_in_scope
from app.credit.models import CreditListing, ListingStatus
from app.extensions import db


def can_view(user: User, listing: CreditListing) -> bool:
    """The listing page's and its documents' check: staff in scope, or the listed enterprise's own account
    once the 列入告知书 was served."""
    if user.is_enterprise_user:
        return (
            user.enterprise_id == listing.enterprise_id
            and listing.status != ListingStatus.PROPOSED
            and listing.notice_served_on is not None
        )
    return is_staff_in_scope(user, listing)


def _listing(user, listing_id: int) -> bool:
    listing = db.session.get(CreditListing, listing_id)
    return listing is not None and can_view(user, listing)


def _document(user, document) -> bool:
    if not user.is_enterprise_user:
        return True
    listing = db.session.get(CreditListing, document.subject_id)
    return listing is not None and party_may_open(listing, document.doc_type)


def register() -> None:
    documents.register_access("credit_listings", _listing, document_check=_document)
