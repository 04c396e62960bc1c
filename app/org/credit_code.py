"""统一社会信用代码 (GB 32100-2015) validation and generation."""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
REGISTRY_CODES = set("159ABCDEFGHJNY")  # first character: 登记管理部门代码


def check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str | None:
    """Return a Chinese error message, or None when the code is valid."""
    if code is None or not str(code).strip():
        return "统一社会信用代码不能为空"
    code = str(code).strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = [c for c in code if c not in CHARSET]
    if bad:
        return f"统一社会信用代码含非法字符“{bad[0]}”（不使用 I、O、S、V、Z）"
    if code[0] not in REGISTRY_CODES:
        return f"统一社会信用代码第1位登记管理部门代码“{code[0]}”无效"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3–8位应为行政区划代码（数字）"
    expected = check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（第18位应为“{expected}”）"
    return None


def normalize_credit_code(code: str) -> str:
    """NFKC (a code typed or pasted in full-width, “９１３４…”, is the same code), stripped, upper case."""
    return unicodedata.normalize("NFKC", str(code)).strip().upper()


def make_credit_code(region6: str, serial: int, registry: str = "9", kind: str = "1") -> str:
    """Build a valid code for demo data: 91 + region + 9-char org code + check char."""
    org = ""
    n = serial
    for _ in range(9):
        org = CHARSET[n % 31] + org
        n //= 31
    first17 = f"{registry}{kind}{region6}{org}"
    return first17 + check_char(first17)
