from decimal import Decimal

import pytest

from app.cases.money import capital, parse_amount, yuan
from app.errors import ValidationFailed


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("30000", "叁万元整"),
        ("12345.60", "壹万贰仟叁佰肆拾伍元陆角"),
        ("100000", "壹拾万元整"),
        ("0.05", "伍分"),
        ("1000000", "壹佰万元整"),
        ("10010", "壹万零壹拾元整"),
        ("0", "零元整"),
        ("10", "壹拾元整"),
        ("1.05", "壹元零伍分"),  # 角位为0、分位不为0：元后写零
        ("0.50", "伍角"),
        ("100.55", "壹佰元伍角伍分"),
        ("1005", "壹仟零伍元整"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("100700", "壹拾万零柒佰元整"),
        ("100000001", "壹亿零壹元整"),  # a whole zero group in the middle: one 零
        ("100010000", "壹亿零壹万元整"),
        ("1000070000", "壹拾亿零柒万元整"),
        ("20000000", "贰仟万元整"),
    ],
)
def test_capital(amount, text):
    assert capital(Decimal(amount)) == text


def test_capital_accepts_int():
    assert capital(30000) == "叁万元整"


@pytest.mark.parametrize("bad", [Decimal("-1"), Decimal("1.005"), Decimal("1000000000000"), Decimal("NaN")])
def test_capital_rejects(bad):
    with pytest.raises(ValueError):
        capital(bad)


def test_yuan():
    assert yuan(Decimal("30000")) == "30,000.00元"
    assert yuan(30000) == "30,000.00元"
    assert yuan(Decimal("12345.6")) == "12,345.60元"
    assert yuan(Decimal("0.005")) == "0.01元"  # ROUND_HALF_UP
    assert yuan(Decimal("999")) == "999.00元"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30000", "30000.00"),
        (" 30,000.00 ", "30000.00"),
        ("12345.6", "12345.60"),
        ("３０００", "3000.00"),  # full-width digits
        ("500元", "500.00"),
        (".5", "0.50"),
        ("0", "0.00"),
        (200, "200.00"),
        (Decimal("1.10"), "1.10"),
    ],
)
def test_parse_amount(text, value):
    result = parse_amount(text, "fine")
    assert result == Decimal(value)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写金额"),
        (None, "请填写金额"),
        ("abc", "金额格式不正确"),
        ("1e5", "金额格式不正确"),
        ("NaN", "金额格式不正确"),
        ("12.3.4", "金额格式不正确"),
        ("-5", "金额不能为负数"),
        ("1.234", "金额最多保留两位小数"),
        ("1000000000.01", "金额过大"),
        ("99999999999999999999", "金额过大"),
    ],
)
def test_parse_amount_rejects(text, message):
    with pytest.raises(ValidationFailed) as exc:
        parse_amount(text, "fine_amount")
    assert message in exc.value.message
    assert list(exc.value.field_errors) == ["fine_amount"]
    assert exc.value.status == 422


def test_parse_amount_zero_and_maximum_options():
    with pytest.raises(ValidationFailed, match="金额应大于零"):
        parse_amount("0.00", "fine", allow_zero=False)
    assert parse_amount("200", "fine", maximum=Decimal("200")) == Decimal("200.00")
    with pytest.raises(ValidationFailed, match="200.00元"):
        parse_amount("200.01", "fine", maximum=Decimal("200"))
