"""Money on penalty documents: 大写金额 as on a 决定书, figures, and parsing what a user typed.

Capital-amount rules follow the 中国人民银行《支付结算办法》附件《正确填写票据和结算凭证的基本规定》:
"壹拾" is written out; a zero (or a run of zeros) between digits is written as one 零; an amount with no
角/分 ends in 元整; 角位为0而分位不为0时“元”后写“零”.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.errors import ValidationFailed, invalid

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")  # groups of four digits
CAPITAL_LIMIT = Decimal("1000000000000")  # 1万亿: beyond the 亿 group
MAX_AMOUNT = Decimal("1000000000")  # 10亿元: no fine, confiscation or surcharge in this domain comes close
FEN = Decimal("0.01")


def _exact_fen(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal):
        amount = Decimal(str(amount))
    if not amount.is_finite():
        raise ValueError(f"金额无效：{amount}")
    if amount != amount.quantize(FEN):
        raise ValueError(f"金额只能精确到分：{amount}")
    return amount.quantize(FEN)


def capital(amount: Decimal | int) -> str:
    """The amount in capital characters: 30000 → 叁万元整, 12345.60 → 壹万贰仟叁佰肆拾伍元陆角,
    10010 → 壹万零壹拾元整, 0.05 → 伍分, 1.05 → 壹元零伍分, 0 → 零元整.

    Raises ValueError for a negative amount, one with more than 2 decimals, or one of 1万亿 or more."""
    value = _exact_fen(Decimal(amount) if isinstance(amount, int) else amount)
    if value < 0:
        raise ValueError("大写金额不能为负数")
    if value >= CAPITAL_LIMIT:
        raise ValueError("金额过大，无法转换为大写")
    cents = int(value * 100)
    integer, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    out = ""
    if integer:
        out = _integer(integer) + "元"
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif integer:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return out


def _integer(n: int) -> str:
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, zero = "", False
    for g in range(len(groups) - 1, -1, -1):
        group = groups[g]
        if group == 0:
            zero = bool(out)
            continue
        for pos in range(3, -1, -1):
            digit = group // 10**pos % 10
            if digit == 0:
                zero = zero or bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += DIGITS[digit] + UNITS[pos]
        out += GROUPS[g]
        # a zero at the end of a group (万位/亿位) before a group starting with 仟 is not written
        # (壹拾万柒仟; the 《支付结算办法》 allows either form)
        zero = False
    return out


def yuan(amount: Decimal | int) -> str:
    """The amount as a figure with thousands separators and two decimals: 30000 → "30,000.00元"."""
    value = Decimal(amount) if isinstance(amount, int) else amount
    return f"{value.quantize(FEN, rounding=ROUND_HALF_UP):,.2f}元"


_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


def parse_amount(
    text: str | int | Decimal | None, field: str, *, maximum: Decimal = MAX_AMOUNT, allow_zero: bool = True
) -> Decimal:
    """What a user typed as an amount in yuan ("30000", "30,000.00", "１２３.５", "500元") → Decimal with two
    decimals. Raises app.errors.invalid(field, …) (ValidationFailed, shown next to the field) when it is
    empty, not a number, negative, has more than 2 decimals (finer than a fen), is above `maximum`, or is
    zero while allow_zero is False."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise invalid(field, "请填写金额")
    if isinstance(text, bool):
        raise invalid(field, "金额格式不正确，请填写数字，如 30000 或 12345.60")
    raw = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace("，", "")
    raw = raw.removesuffix("元").strip()
    if not _NUMBER.match(raw):
        raise invalid(field, "金额格式不正确，请填写数字，如 30000 或 12345.60")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise invalid(field, "金额格式不正确，请填写数字，如 30000 或 12345.60") from None
    if value < 0:
        raise invalid(field, "金额不能为负数")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise invalid(field, "金额最多保留两位小数（精确到分）")
    if value > maximum:
        raise invalid(field, f"金额过大，不能超过{yuan(maximum)}")
    if value == 0 and not allow_zero:
        raise invalid(field, "金额应大于零")
    return value.quantize(FEN)


__all__ = ["ValidationFailed", "capital", "parse_amount", "yuan"]
