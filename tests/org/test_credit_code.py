"""统一社会信用代码 validation (GB 32100-2015) and its use in the enterprise schema."""

from __future__ import annotations

import pytest

from app.org.credit_code import make_credit_code, validate_credit_code
from app.org.schemas import EnterpriseSchema


@pytest.mark.parametrize("code", ["91350100M000100Y43", make_credit_code("341322", 1), make_credit_code("341322", 31**8)])
def test_valid_codes(code):
    assert validate_credit_code(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("91350100M000100Y4", "应为18位，当前为17位"),
        ("91350100M000100Y431", "应为18位，当前为19位"),
        ("91350100M000100Y44", "校验位错误（第18位应为“3”）"),
        ("91350100M0001O0Y43", "非法字符“O”"),
        ("91350100I000100Y43", "非法字符“I”"),
        ("01350100M000100Y43", "登记管理部门代码“0”无效"),
        ("9135A100M000100Y43", "行政区划代码"),
    ],
)
def test_invalid_codes(code, fragment):
    message = validate_credit_code(code)
    assert message is not None and fragment in message


def test_lower_case_and_spaces_are_normalised_by_the_schema():
    data = EnterpriseSchema().load({
        "name": "萧县测试有限公司", "credit_code": "  91350100m000100y43 ", "industry": "工贸", "risk_grade": "一般",
        "category": "B", "region_id": "1",
    })
    assert data["credit_code"] == "91350100M000100Y43"


def test_schema_reports_chinese_messages_per_field():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as exc:
        EnterpriseSchema().load({"credit_code": "91350100M000100Y44", "industry": "农业", "risk_grade": "特大",
                                 "category": "E", "staff_count": "很多", "phone": "call me"})
    m = exc.value.messages
    assert m["name"] == ["请填写企业名称"]
    assert "校验位错误" in m["credit_code"][0]
    assert m["industry"][0].startswith("行业应为：")
    assert m["risk_grade"][0].startswith("风险等级应为：")
    assert m["category"][0].startswith("分类分级应为：")
    assert m["region_id"] == ["请选择属地（乡镇/街道、村/社区）"]
    assert m["staff_count"] == ["从业人数应为整数"]
    assert "联系电话格式不正确" in m["phone"][0]


def test_sub_sector_must_belong_to_industry():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as exc:
        EnterpriseSchema().load({"name": "x", "credit_code": "91350100M000100Y43", "industry": "烟花爆竹",
                                 "sub_sector": "冶金", "risk_grade": "一般", "category": "B", "region_id": 1})
    assert "“烟花爆竹”的细分行业应为：批发、零售" in exc.value.messages["sub_sector"][0]


def test_schema_dumps_enterprise(world):
    out = EnterpriseSchema().dump(world.ent_a)
    assert out["credit_code"] == world.ent_a.credit_code
    assert out["region_name"] == "萧县龙城镇城东村"
    assert out["town_name"] == "龙城镇"
