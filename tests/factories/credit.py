"""Credit listing factories: a proposed listing (a row, as the proposal operations leave it) with its
credit_listing started, and a walker that takes it through the procedure's steps by the real operations,
each with its real actor — notify / serve / state / verify / decide / serve_decision, like
tests/factories/cases.py.

    def test_x(make_listing):
        w = make_listing(criterion="9")            # 拟列入, prepare_notice ready
        w.notify().serve().waive().verify().decide().serve_decision()   # 已列入
        w.listing.status

Not in tests/conftest.py's pytest_plugins yet: a test module imports the fixture (registered under the name
make_listing), `from tests.factories.credit import make_listing_fixture  # noqa: F401`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from app import clock, workflow
from app.credit import criteria
from app.credit.models import CreditListing, ListingStatus, ProposalOrigin
from app.credit.operations import listing as ops
from app.credit.operations.common import instance_of, ready_ids
from app.extensions import db as _db
from tests.factories.clock import at

PERSON = {"person_name": "张主要", "person_id_no": "341322197001011234", "person_role": "总经理"}
SERVE = {"method": "直接送达", "recipient": "李安全"}


def new_listing(world, *, criterion: str = "9", enterprise=None, **columns) -> CreditListing:
    """A listing at 拟列入 in the bureau's jurisdiction (not started)."""
    ent = enterprise or world.ent_a
    crit = criteria.criterion(criterion)
    listing = CreditListing(
        enterprise_id=ent.id,
        region_path=ent.region_path,
        agency_id=world.bureau.id,
        criterion=crit.code,
        criterion_text=crit.text,
        origin=ProposalOrigin.MANUAL,
        evidence="（萧）应急罚〔2026〕3号行政处罚决定书；现场检查记录",
        status=ListingStatus.PROPOSED,
        proposed_on=clock.today(),
        proposed_by_id=columns.pop("proposed_by_id", world.officer2.id),
        **columns,
    )
    _db.session.add(listing)
    _db.session.flush()
    return listing


@dataclass
class ListingWalker:
    world: object
    listing: CreditListing

    @property
    def ready(self) -> list[str]:
        return ready_ids(self.listing)

    @property
    def instance(self):
        return instance_of(self.listing)

    def task(self, bpmn_id: str):
        [task] = [t for t in workflow.ready_tasks(self.instance) if t.bpmn_id == bpmn_id]
        return task

    def notify(self, *, actor=None, **data):
        person = PERSON if criteria.criterion(self.listing.criterion).includes_head else {}
        payload = {
            "notice_decision": "notify",
            "reasons": "未取得安全生产许可证擅自从事生产",
            **person,
            **data,
        }
        self.notice = ops.issue_notice(self.listing, payload, actor=actor or self.world.officer)
        return self

    def drop(self, reason: str = "证据不足，不符合列入情形"):
        ops.issue_notice(
            self.listing, {"notice_decision": "drop", "drop_reason": reason}, actor=self.world.officer
        )
        return self

    def serve(self, served_on: date | None = None, **data):
        payload = {**SERVE, "served_on": served_on or clock.today(), **data}
        ops.serve_notice(self.listing, payload, actor=self.world.officer)
        return self

    def state(self, text: str = "我单位已整改，请求不予列入", *, actor=None):
        ops.submit_statement(
            self.listing, {"statement_kind": "陈述申辩", "text": text}, actor=actor or self.world.manager_a
        )
        return self

    def waive(self, *, actor=None):
        ops.submit_statement(
            self.listing, {"statement_kind": "放弃陈述申辩"}, actor=actor or self.world.manager_a
        )
        return self

    def lapse(self) -> int:
        """Move the clock past the 陈述申辩 window and fire the timer (commits, like the worker)."""
        assert self.listing.statement_due is not None
        _db.session.commit()
        fired = _tick(at(self.listing.statement_due + timedelta(days=1), 9))
        return fired

    def verify(self, proposal: str = "list", *, actor=None):
        ops.verify(
            self.listing,
            {"verification": "经核查，陈述申辩理由不成立，予以答复。", "proposal": proposal},
            actor=actor or self.world.officer,
        )
        return self

    def decide(self, decision: str = "list", *, actor=None, **data):
        payload = {"decision": decision, "reasons": "" if decision == "list" else "情节较轻", **data}
        self.decision = ops.decide(self.listing, payload, actor=actor or self.world.leader)
        return self

    def serve_decision(self, served_on: date | None = None, **data):
        payload = {**SERVE, "served_on": served_on or clock.today(), **data}
        ops.serve_decision(self.listing, payload, actor=self.world.officer)
        return self

    def to_decide(self):
        """notify → serve → waive → verify: decide ready."""
        return self.notify().serve().waive().verify()

    def listed(self):
        """The whole procedure to 已列入 (effects taken)."""
        return self.to_decide().decide().serve_decision()


def _tick(when) -> int:
    clock.freeze(when)
    fired = workflow.tick()
    _db.session.expire_all()
    return fired


@pytest.fixture(name="make_listing")
def make_listing_fixture(db, world, frozen):
    def _make(criterion: str = "9", enterprise=None, **columns) -> ListingWalker:
        listing = new_listing(world, criterion=criterion, enterprise=enterprise, **columns)
        ops.open_listing(listing, actor=world.officer2)
        _db.session.flush()
        return ListingWalker(world, listing)

    return _make
