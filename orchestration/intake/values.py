"""Turn one cell as a clerk typed it into a number, or say why it is not one."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# Dashes, slashes and 无 are how clerks leave a cell "not reported" (None, distinct from 0).
NOT_REPORTED = {"", "—", "——", "-", "--", "–", "―", "/", "无", "空"}
# What Excel shows for a formula that failed, and what a clerk copies from such a cell.
EXCEL_ERRORS = {
    "#DIV/0!",
    "#N/A",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#REF!",
    "#VALUE!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
}
# A footnote marker right after a number: circled numbers, superscript digits, asterisks, 注(1).
# Split off before any normalisation: NFKC turns "114¹" into "1141" and "114①" into "1141".
FOOTNOTE = re.compile(
    r"^(?P<number>.*?[0-9０-９])\s*(?P<marker>[\u2460-\u24ff\u2776-\u2793\u00b9\u00b2\u00b3\u2070-\u209f*＊※†‡]+|[(（]?注\s*[0-9０-９]*[)）]?)$"
)


class NotANumber(ValueError):
    pass


class NoCachedValue(NotANumber):
    """A formula cell saved without its result: the value is unknown, not "not reported"."""


class ErrorValue(NotANumber):
    """An error instead of a number: a formula's error result (#DIV/0!), or text such as #N/A, NaN, inf."""

    def __init__(self, text: str, from_formula: bool):
        super().__init__(text)
        self.from_formula = from_formula


class Uncalculated:
    """Placed by the reader where a formula cell has no cached result (the file was never calculated)."""

    def __str__(self) -> str:
        return "公式（没有计算结果）"

    def __reduce__(self):
        return "UNCALCULATED"  # one instance, also after the trip from the reader's process


UNCALCULATED = Uncalculated()


@dataclass(frozen=True)
class FormulaError:
    """Placed by the reader where a cell holds an error value (calamine would give an empty cell)."""

    code: str

    def __str__(self) -> str:
        return self.code


def cell_text(cell: object) -> str:
    """A code or name cell as text: trimmed, and a number Excel stored as 2025.0 as "2025"; "" for empty."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return "" if cell is None else str(cell).strip()


def split_footnote(cell: object) -> tuple[object, str | None]:
    """("114", "①") for "114①"; the cell unchanged and None when no marker follows a number."""
    if not isinstance(cell, str):
        return cell, None
    match = FOOTNOTE.match(cell.strip())
    return (match["number"], match["marker"]) if match else (cell, None)


def _text(cell: object) -> str:
    """Half-width, trimmed, without thousands separators or inner spaces: "１２３，４５６．７ " -> "123456.7"."""
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(" ", "")


def parse_number(cell: object) -> float | None:
    """None means not reported (distinct from 0). Raises NotANumber for anything else that is not a
    plain finite number, "85%" included: a percent sign belongs only in rows measured in % (parse_percent)."""
    if cell is UNCALCULATED:
        raise NoCachedValue(str(cell))
    if isinstance(cell, FormulaError):
        raise ErrorValue(cell.code, from_formula=True)
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise NotANumber(str(cell))
    if isinstance(cell, (int, float)):
        return _finite(float(cell), str(cell))
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if text in NOT_REPORTED:
        return None
    if text.upper() in EXCEL_ERRORS:
        raise ErrorValue(text, from_formula=False)
    try:
        number = float(_text(text))
    except ValueError:
        raise NotANumber(text) from None
    return _finite(number, text)


def _finite(number: float, text: str) -> float:
    """float() reads "NaN" and "inf": neither is a number a school can report."""
    if not math.isfinite(number):
        raise ErrorValue(text, from_formula=False)
    return number


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
