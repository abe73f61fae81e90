"""Printed numbers: parse them exactly and decide when a printed result is right.

A printed result is right when it equals the exact result rounded (half up) to the decimals printed, or
cut off there (reports often truncate: 28.57 % printed 28.5 %).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

NUMBER = re.compile(r"[-−–]?\d+(?:\.\d+)?")

# unit → (base unit, factor to the base unit). The warehouse stores base units (元, 人, 册 …).
UNITS: dict[str, tuple[str, int]] = {
    "亿元": ("元", 100_000_000),
    "万元": ("元", 10_000),
    "元": ("元", 1),
    "万人次": ("人次", 10_000),
    "人次": ("人次", 1),
    "人日": ("人日", 1),
    "万人": ("人", 10_000),
    "人": ("人", 1),
    "名": ("人", 1),
    "万平方米": ("平方米", 10_000),
    "平方米": ("平方米", 1),
    "平米": ("平方米", 1),
    "万册": ("册", 10_000),
    "册": ("册", 1),
    "%": ("%", 1),
    "个百分点": ("个百分点", 1),
    "个": ("个", 1),
    "所": ("所", 1),
    "门": ("门", 1),
    "种": ("种", 1),
    "项": ("项", 1),
    "期": ("期", 1),
    "分": ("分", 1),
    "次": ("次", 1),
    "倍": ("倍", 1),
}
# longest first, so 万人次 wins over 万人 and 人
UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def to_decimal(text: str) -> Decimal | None:
    s = nfkc(text).replace("−", "-").replace("–", "-").replace(",", "").strip()
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def decimals(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def printed_ok(printed: Decimal, exact: Decimal) -> bool:
    """The printed number is the exact one rounded half up, or truncated, to the printed decimals."""
    q = Decimal(1).scaleb(-decimals(printed))
    return printed in (exact.quantize(q, ROUND_HALF_UP), exact.quantize(q, ROUND_DOWN))


def shown(d: Decimal, places: int | None = None) -> str:
    """A number for a message: no exponent, no trailing zeros unless places is given."""
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
        return f"{d:f}"
    s = f"{d.normalize():f}" if d != d.to_integral() else f"{d.to_integral():f}"
    return s


def signed(d: Decimal, places: int) -> str:
    s = shown(d, places)
    return s if s.startswith("-") else "+" + s


def base(value: Decimal, unit: str) -> tuple[Decimal, str] | None:
    """The value in the warehouse's base unit, or None for a unit it does not know."""
    if unit not in UNITS:
        return None
    b, factor = UNITS[unit]
    return value * factor, b


def same_family(u1: str, u2: str) -> bool:
    return u1 in UNITS and u2 in UNITS and UNITS[u1][0] == UNITS[u2][0]


def convert(value: Decimal, unit: str, to_unit: str) -> Decimal:
    return value * UNITS[unit][1] / UNITS[to_unit][1]
