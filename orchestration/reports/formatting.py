"""Display rules: base units to the units and rounding the reports print, and change wording.

A count changes by a difference and a percent; a rate in percentage points (个百分点), never a
percent of a percent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PREFIX_SCALE = {"万": 10_000, "亿": 100_000_000}


def scale_for(base_unit: str, display_unit: str) -> int:
    """万人 for 人 → 10000; 亿元 for 元 → 1e8; the same unit → 1."""
    if display_unit == base_unit:
        return 1
    prefix = display_unit[: len(display_unit) - len(base_unit)]
    if not display_unit.endswith(base_unit) or prefix not in PREFIX_SCALE:
        raise ValueError(f"cannot show {base_unit} as {display_unit}")
    return PREFIX_SCALE[prefix]


def round_half_up(value: float, decimals: int) -> Decimal:
    """Round as printed reports do (0.5 up), not banker's rounding."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    return f"{round_half_up(value, decimals):f}"


def grouped(value: float, decimals: int = 0) -> str:
    """Thousands separators for tables: 1,234,567.89."""
    rounded = round_half_up(value, decimals)
    return f"{rounded:,.{decimals}f}"


def signed(value: float, decimals: int = 0) -> str:
    """A change for tables, rounded as the prose rounds it: +6.23 for 6.225 (float formatting gives
    +6.22), -1,234; zero without a sign."""
    rounded = round_half_up(value, decimals)
    return f"{rounded:+,.{decimals}f}" if rounded else f"{rounded.copy_abs():,.{decimals}f}"


def display(value: float | None, base_unit: str, display_unit: str, decimals: int = 0) -> str:
    """The number as printed in display_unit (without the unit)."""
    if value is None:
        return "—"
    return number(value / scale_for(base_unit, display_unit), decimals)


def change_words(
    delta: float | None, up: str = "增加", down: str = "减少", same: str = "持平"
) -> tuple[str, float | None]:
    """The verb for a change and its magnitude: (增加, 248) or (减少, 491)."""
    if delta is None:
        return "", None
    if delta > 0:
        return up, delta
    if delta < 0:
        return down, -delta
    return same, 0.0
