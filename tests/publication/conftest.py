"""A 公示 kind registered the way a domain would, and a helper to publish about a platform row (an
enterprise: the package never needs a domain to be tested)."""

from datetime import date

import pytest

from app import clock
from app.calendar import legal_calendar
from app.publication import PublicationKind, publish, register_kind

FIELDS = (
    "行政相对人名称",
    "统一社会信用代码",
    "法定代表人",
    "身份证号",
    "联系电话",
    "决定书文号",
    "处罚内容",
)


@pytest.fixture
def kind():
    return register_kind(
        PublicationKind(
            code="test_decision",
            name="行政决定",
            fields=FIELDS,
            mask={"身份证号", "联系电话"},
            term_days=365,
        )
    )


@pytest.fixture
def other_kind():
    return register_kind(
        PublicationKind(code="test_result", name="抽查结果", fields=("检查对象", "检查结果"))
    )


@pytest.fixture
def put(db, world, kind):
    """Publish about an enterprise of the world (decided yesterday unless told)."""

    def _put(ent=None, *, decided_on=None, values=None, actor=None, **kw):
        ent = ent or world.ent_a
        decided_on = decided_on or date.fromordinal(clock.today().toordinal() - 1)
        agency = world.bureau if ent.region_path.startswith(world.county.path) else world.other_bureau
        return publish(
            ent,
            kw.pop("kind", kind),
            values
            or {
                "行政相对人名称": ent.name,
                "统一社会信用代码": ent.credit_code,
                "决定书文号": f"（萧）应急罚〔2026〕{ent.id}号",
            },
            region_path=ent.region_path,
            agency=agency,
            decided_on=decided_on,
            due_on=kw.pop("due_on", legal_calendar.add_days(decided_on, 7, "working")),
            actor=actor or world.officer,
            **kw,
        )

    return _put
