"""Turn one cell as a clerk typed it into a number, or say why it is not one."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Dashes, slashes and 无 are how clerks leave a cell "not reported" (None, distinct from 0).
NOT_REPORTED = {"", "—", "——", "-", "--", "–", "―", "/", "无", "空"}


class NotANumber(ValueError):
    pass


class NoCachedValue(NotANumber):
    """A formula cell saved without its result: the value is unknown, not "not reported"."""


class Uncalculated:
    """Placed by the reader where a formula cell has no cached result (the file was never calculated)."""

    def __str__(self) -> str:
        return "公式（没有计算结果）"


UNCALCULATED = Uncalculated()


def cell_text(cell: object) -> str:
    """A code or name cell as text: trimmed, and a number Excel stored as 2025.0 as "2025"; "" for empty."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def _text(cell: object) -> str:
    """Half-width, trimmed, without thousands separators or inner spaces: "１２３，４５６．７ " -> "123456.7"."""
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(" ", "")


def parse_number(cell: object) -> float | None:
    """None means not reported (distinct from 0). Raises NotANumber for anything else that is not a
    plain number, "85%" included: a percent sign belongs only in rows measured in % (parse_percent)."""
    if cell is UNCALCULATED:
        raise NoCachedValue(str(cell))
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise NotANumber(str(cell))
    if isinstance(cell, (int, float)):
        return float(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if text in NOT_REPORTED:
        return None
    try:
        return float(_text(text))
    except ValueError:
        raise NotANumber(text) from None


@dataclass(frozen=True)
class Percent:
    value: float | None
    from_fraction: bool  # a plain 0 < x ≤ 1 taken as a fraction and multiplied by 100: ask the school


def parse_percent(cell: object) -> Percent:
    """A cell of a row measured in %: "94.26%" and 94.26 are 94.26; a plain 0.9426 is what Excel stores
    for a percent-formatted cell (or a clerk typing a fraction), so it becomes 94.26, flagged."""
    if isinstance(cell, str) and _text(cell).endswith("%"):
        return Percent(parse_number(_text(cell)[:-1]), False)
    value = parse_number(cell)
    if value is not None and 0 < value <= 1:
        return Percent(round(value * 100, 9), True)  # round: 0.9426 * 100 is 94.26000000000001 in binary
    return Percent(value, False)
