"""Turn one cell as a clerk typed it into a number, or say why it is not one."""
from __future__ import annotations

import re
import unicodedata

NOT_REPORTED = {"", "—", "——", "-", "--", "/", "无", "空"}


class NotANumber(ValueError):
    pass


def parse_number(cell: object) -> float | None:
    """None means not reported (distinct from 0). Raises NotANumber for text that is not a number."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise NotANumber(str(cell))
    if isinstance(cell, (int, float)):
        return float(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if text in NOT_REPORTED:
        return None
    cleaned = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text).replace(" ", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    try:
        return float(cleaned)
    except ValueError:
        raise NotANumber(text) from None
