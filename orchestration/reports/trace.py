"""Every number a report prints, with where it came from.

A number enters the report only through Trace.mark: it is wrapped in <span class="n" data-ref="…">, and
its source (mart row or fact) is recorded for the data appendix. The numeral check (numerals.py) then
finds any digit in the text that is not inside such a span.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from markupsafe import Markup, escape


@dataclass
class Traced:
    ref: str
    text: str  # as printed
    where: str  # chapter and table / figure / 正文
    source_kind: str  # 指标 (mart row) | 事实 (facts register) | 数据集 (commission dataset row)
    relation: str  # the mart the row is in
    source_key: str  # the row: indicator · group · year · measure, or fact code, or dataset row
    data_year: int
    value: float | None  # the stored value (base unit)
    unit: str  # base unit of the stored value
    display_unit: str
    reporting: str  # schools reporting / expected, for school-submitted figures
    note: str  # source document of a fact; completeness remark


class Trace:
    def __init__(self) -> None:
        self.numbers: list[Traced] = []
        self.problems: list[str] = []  # unknown metrics, facts, tables named by a template
        self.where = ""

    def mark(self, text: str, **source) -> Markup:
        ref = f"N{len(self.numbers) + 1:04d}"
        self.numbers.append(Traced(ref=ref, text=text, where=self.where, **source))
        return Markup('<span class="n" data-ref="{}">{}</span>').format(ref, text)

    def problem(self, message: str) -> Markup:
        """A template named something that does not exist: recorded, and shown where it was named."""
        self.problems.append(f"{self.where}：{message}")
        return Markup('<span class="missing">【{}】</span>').format(escape(message))

    def rows(self) -> list[dict]:
        return [asdict(n) for n in self.numbers]
