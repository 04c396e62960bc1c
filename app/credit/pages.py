"""What the credit pages and the credit API show: the listing page's context (in the reader's terms: the
listed enterprise's account gets its progress and the documents served on it, never the internal record),
who may use which listing-page form, and when each is offered.

The forms a listing page offers (forms/<name>.json) and the operation behind each:
  credit_feedback       a department's 联合惩戒 feedback on one measure    effects.record_feedback
  credit_statement      a paper/oral 陈述申辩 recorded by an officer        operations.submit_statement
  credit_remedy_file    复议/诉讼 against the listing                       operations.record_remedy
  credit_remedy_decide  its outcome (撤销/确认违法 overturn the listing)      operations.decide_remedy
  credit_repair_apply   信用修复 application (online, or paper by an officer) operations.apply_repair
  credit_revoke_repair  撤销提前移出 (fraud), the 负责人                    operations.revoke_repair
The listing's workflow steps (告知, 送达, 核查, 决定, 信用修复核查/决定, the enterprise's online 陈述申辩) are
user tasks done on the generic task page (/tasks/<id>); the page links the viewer's READY tasks."""

from __future__ import annotations

from typing import Any

from app import clock, documents, forms, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.credit import queries
from app.credit.models import (
    CreditListing,
    FeedbackStatus,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.credit.view import outsider_progress
from app.documents import OfficialDocument, documents_for
from app.inbox import queries as inbox_queries

FEEDBACK_FORM = "credit_feedback"
STATEMENT_FORM = "credit_statement"
REMEDY_FORM = "credit_remedy_file"
OUTCOME_FORM = "credit_remedy_decide"
REPAIR_FORM = "credit_repair_apply"
REVOKE_FORM = "credit_revoke_repair"
ACTION_FORMS = (FEEDBACK_FORM, STATEMENT_FORM, REMEDY_FORM, OUTCOME_FORM, REPAIR_FORM, REVOKE_FORM)
OPEN_REPAIR = (RepairStatus.VERIFYING, RepairStatus.DECIDING)
REMEDY_STATUSES = (ListingStatus.SERVING, ListingStatus.LISTED, ListingStatus.REMOVED)


def is_staff_in_scope(user: User, listing: CreditListing) -> bool:
    return not user.is_enterprise_user and in_scope(user, listing.region_path)


def is_listing_officer(user: User, listing: CreditListing) -> bool:
    """承办人员 of the deciding department's jurisdiction (officer or section head): they handle it."""
    return is_staff_in_scope(user, listing) and user.has_role(Role.OFFICER, Role.SECTION_HEAD)


def is_listing_leader(user: User, listing: CreditListing) -> bool:
    """The jurisdiction's 负责人: decides the listing, its repair and its revocation."""
    return is_staff_in_scope(user, listing) and user.has_role(Role.LEADER)


def is_own_enterprise(user: User, listing: CreditListing) -> bool:
    return bool(user.is_enterprise_user) and user.enterprise_id == listing.enterprise_id


def open_repair(listing: CreditListing) -> RepairApplication | None:
    return next((r for r in listing.repairs if r.status in OPEN_REPAIR), None)


def granted_repair(listing: CreditListing) -> RepairApplication | None:
    return next((r for r in reversed(listing.repairs) if r.status == RepairStatus.GRANTED), None)


def statement_open(listing: CreditListing) -> bool:
    """The 陈述申辩 window runs: the notice served, no statement yet, the listing still 告知中."""
    return (
        listing.status == ListingStatus.NOTICE
        and listing.notice_served_on is not None
        and not listing.statements
        and (listing.statement_due is None or listing.statement_due >= clock.today())
    )


# Each listing-page form has WHO may use it (refused 403, whatever the listing's state) and WHEN the listing
# offers it (refused 409 with the reason in Chinese, as the penalty-case forms: app.cases.availability); the
# page shows a form when both hold, the operation still checks its own gates.


def who_feedback(user: User, listing: CreditListing) -> bool:
    return is_listing_officer(user, listing) or is_listing_leader(user, listing)


def when_feedback(listing: CreditListing) -> str | None:
    if listing.status != ListingStatus.LISTED:
        return f"名单当前为“{listing.status}”，不能登记联合惩戒反馈"
    return None


def who_statement(user: User, listing: CreditListing) -> bool:
    return is_listing_officer(user, listing)


def when_statement(listing: CreditListing) -> str | None:
    if not statement_open(listing):
        return "当前不在陈述申辩期限内（告知书尚未送达、已提交陈述申辩或期限已届满），不能记录陈述申辩"
    return None


def running_remedy(listing: CreditListing):
    return next((r for r in listing.remedies if r.outcome is None), None)


def who_remedy(user: User, listing: CreditListing) -> bool:
    return is_listing_officer(user, listing)


def when_remedy(listing: CreditListing) -> str | None:
    """A 复议/诉讼 filed against the 列入决定 (one at a time: the running one's outcome first)."""
    if listing.status not in REMEDY_STATUSES:
        return f"名单当前为“{listing.status}”，尚无可申请复议或提起诉讼的列入决定"
    if running_remedy(listing) is not None:
        return "已有尚未登记结果的复议/诉讼，请先登记其结果"
    return None


def who_outcome(user: User, listing: CreditListing) -> bool:
    """Staff of the jurisdiction (the operation leaves 撤销/确认违法 to the section head or the 负责人)."""
    return is_listing_officer(user, listing) or is_listing_leader(user, listing)


def when_outcome(listing: CreditListing) -> str | None:
    """Refused once no 复议/诉讼 waits for its outcome — naming who recorded the last one and when (the
    second of two people at the same form learns the first did it)."""
    if running_remedy(listing) is not None:
        return None
    from app.credit.operations.remedies import last_outcome

    return "没有尚未登记结果的复议/诉讼" + last_outcome(listing)


def who_repair(user: User, listing: CreditListing) -> bool:
    """The listed enterprise online, or an officer recording a paper application."""
    return is_own_enterprise(user, listing) or is_listing_officer(user, listing)


def when_repair(listing: CreditListing) -> str | None:
    """Offered only when the operation would accept it: its legal gates (≥ repair_after since term_start,
    criterion not barred) are asked here too, so nobody fills in the application and uploads the 信用承诺书
    only to be refused; the reason (with the first day one may apply) is shown instead of the form."""
    if listing.status != ListingStatus.LISTED:
        return f"名单当前为“{listing.status}”，只有在名单有效期内才能申请信用修复"
    if open_repair(listing) is not None:
        return "已有正在审查的信用修复申请"
    from app.credit.operations.repair import repair_gate
    from app.errors import InvalidState

    try:
        repair_gate(listing)
    except InvalidState as exc:
        return exc.message
    return None


def who_revoke(user: User, listing: CreditListing) -> bool:
    return is_listing_leader(user, listing)


def when_revoke(listing: CreditListing) -> str | None:
    """Refused without a granted early removal — naming who revoked the last one and when, if one was."""
    if granted_repair(listing) is not None:
        return None
    from app.credit.operations.repair import revoked_by

    revoked = next((r for r in reversed(listing.repairs) if r.status == RepairStatus.REVOKED), None)
    return "没有已准予的信用修复（提前移出）决定可以撤销" + (revoked_by(revoked) if revoked else "")


RULES = {
    FEEDBACK_FORM: (who_feedback, when_feedback),
    STATEMENT_FORM: (who_statement, when_statement),
    REMEDY_FORM: (who_remedy, when_remedy),
    OUTCOME_FORM: (who_outcome, when_outcome),
    REPAIR_FORM: (who_repair, when_repair),
    REVOKE_FORM: (who_revoke, when_revoke),
}


def may_feedback(user: User, listing: CreditListing) -> bool:
    return who_feedback(user, listing) and when_feedback(listing) is None


def may_record_statement(user: User, listing: CreditListing) -> bool:
    return who_statement(user, listing) and when_statement(listing) is None


def may_record_remedy(user: User, listing: CreditListing) -> bool:
    return who_remedy(user, listing) and when_remedy(listing) is None


def may_record_outcome(user: User, listing: CreditListing) -> bool:
    return who_outcome(user, listing) and when_outcome(listing) is None


def may_apply_repair(user: User, listing: CreditListing) -> bool:
    return who_repair(user, listing) and when_repair(listing) is None


def may_revoke_repair(user: User, listing: CreditListing) -> bool:
    return who_revoke(user, listing) and when_revoke(listing) is None


def criteria_options() -> list[tuple[str, str]]:
    """(code, label) of the nine 列入情形 (app.credit.criteria), for the list's filter."""
    from app.credit.criteria import criteria

    return criteria().choices()


def visible_documents(listing: CreditListing, user: User) -> list[OfficialDocument]:
    docs = documents_for(listing, include_voided=False)
    if user.is_enterprise_user:
        return [d for d in docs if documents.can_view(user, d)]
    return docs


def _tasks(listing: CreditListing) -> list:
    """The READY tasks of the listing's workflows (credit_listing, and its open 信用修复)."""
    ready: list = []
    inst = workflow.instance_for(listing, "credit_listing")
    ready += workflow.ready_tasks(inst) if inst is not None else []
    repair = open_repair(listing)
    if repair is not None:
        rinst = workflow.instance_for(repair, "credit_repair") or workflow.instance_for(
            listing, "credit_repair"
        )
        ready += workflow.ready_tasks(rinst) if rinst is not None else []
    return ready


def detail_context(
    listing: CreditListing, user: User, values: dict | None = None, errors: dict | None = None
) -> dict:
    """The listing page: `values` / `errors` are keyed by form name (a rejected form re-rendered as typed);
    a feedback form's key is `credit_feedback:<measure id>`."""
    outsider = inbox_queries.is_outsider(user)
    ready = _tasks(listing)
    visible = [t for t in ready if inbox_queries.can_view(user, t)]
    mine = [t for t in visible if t.form_name and inbox_queries.can_act(user, t)]
    ctx: dict[str, Any] = {
        "listing": listing,
        "today": clock.today(),
        "outsider": outsider,
        "tasks": visible,
        "my_tasks": mine,
        "documents": visible_documents(listing, user),
        "values": values or {},
        "errors": errors or {},
        "forms": {name: forms.get_form(name) for name in ACTION_FORMS},
        "can_apply_repair": may_apply_repair(user, listing),
        # why the listed party (or its officer) cannot apply yet: shown where the form would be
        "repair_unavailable": (
            when_repair(listing)
            if who_repair(user, listing)
            and listing.status == ListingStatus.LISTED
            and open_repair(listing) is None
            else None
        ),
        "repairs": listing.repairs,
    }
    if outsider:
        ctx["progress"] = outsider_progress(listing)
        ctx["measures"] = listing.measures  # their names and departments only (the template): no feedback
        return ctx
    from app import audit

    ctx.update(
        {
            "accidents": queries.accidents_by_id(listing.accident_ids or []),
            "statements": listing.statements,
            "measures": listing.measures,
            "pushes": listing.pushes,
            "remedies": listing.remedies,
            "events": audit.history(listing),
            "can_feedback": may_feedback(user, listing),
            "can_record_statement": may_record_statement(user, listing),
            "can_record_remedy": may_record_remedy(user, listing),
            "can_record_outcome": may_record_outcome(user, listing),
            "can_revoke_repair": may_revoke_repair(user, listing),
            "granted_repair": granted_repair(listing),
            "feedback_open": (FeedbackStatus.WAITING, FeedbackStatus.OVERDUE),
        }
    )
    return ctx


# --- the choices of the proposal and accident forms (forms/credit_proposal.json, credit_accident.json) ----

CASES_SHOWN = 500  # the jurisdiction's most recent decided cases a proposal may name


@forms.register_choices("credit.criteria")
def criterion_choices(actor, context) -> list[tuple[str, str]]:
    """The nine 列入情形 (第X项：…)."""
    return criteria_options()


def _accident_label(value) -> str | None:
    from app.credit.models import Accident
    from app.extensions import db

    a = db.session.get(Accident, int(value)) if str(value).isdigit() else None
    return f"{a.name}（{a.level}，{a.occurred_on:%Y-%m-%d}）" if a is not None else None


@forms.register_choices("credit.accidents_in_scope", label=_accident_label)
def accident_choices(actor, context) -> list[tuple[int, str]]:
    """The accidents registered in the officer's jurisdiction (newest first)."""
    from app.extensions import db

    if actor is None or actor.is_enterprise_user:
        return []
    from app.credit.models import Accident

    rows = db.session.scalars(
        queries.scoped_accidents(actor)
        .order_by(Accident.occurred_on.desc(), Accident.id.desc())
        .limit(CASES_SHOWN)
    )
    return [(a.id, f"{a.enterprise.name}：{a.name}（{a.level}，{a.occurred_on:%Y-%m-%d}）") for a in rows]


def _case_label(value) -> str | None:
    from app.cases.models import PenaltyCase
    from app.extensions import db

    c = db.session.get(PenaltyCase, int(value)) if str(value).isdigit() else None
    return f"{c.display_no} {c.name}" if c is not None else None


@forms.register_choices("credit.decided_cases", label=_case_label)
def decided_case_choices(actor, context) -> list[tuple[int, str]]:
    """The jurisdiction's penalty cases decided with a penalty (newest decision first)."""
    from sqlalchemy import select

    from app.auth.permissions import scope_clause
    from app.cases.models import PenaltyCase
    from app.extensions import db

    if actor is None or actor.is_enterprise_user:
        return []
    rows = db.session.scalars(
        select(PenaltyCase)
        .where(
            scope_clause(actor, PenaltyCase.region_path, PenaltyCase.enterprise_id),
            PenaltyCase.decided_on.is_not(None),
            PenaltyCase.outcome == "penalty",
        )
        .order_by(PenaltyCase.decided_on.desc(), PenaltyCase.id.desc())
        .limit(CASES_SHOWN)
    )
    return [(c.id, f"{c.display_no} {c.name}") for c in rows]
