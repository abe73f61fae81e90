"""The records the check passes between its steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    """One line of a text file, paragraph of a Word file, line of a PDF page, or a table row."""

    no: int  # position in the file, 1-based (line, paragraph/row, or line on the page)
    where: str  # the place as a reader finds it: 第 55 行 / 第 12 段 / 表 2 第 3 行 / 第 4 页第 7 行
    text: str
    cells: tuple[str, ...] | None = None  # a table row
    block: int = 0  # table rows of one table share a block number


@dataclass
class Figure:
    where: str
    no: int
    label: str
    value: Decimal
    unit: str
    printed: str
    year: int | None = None
    kind: str = "level"  # level, change (比上年增长 …), share (分别占 … 的)
    context: str = ""
    indicator_code: str = ""
    indicator_name: str = ""
    status: str = ""  # 一致 / 不符 / 未匹配 / 无填报数据 / 已核算 / 变化量
    warehouse_value: str = ""


@dataclass(frozen=True)
class Problem:
    where: str
    no: int
    kind: str  # 变化量 / 增长率 / 百分点 / 分项合计 / 比值 / 与填报数据不符 / 与全市数据不符
    label: str
    printed: str
    expected: str
    reason: str
    context: str = ""


@dataclass
class TableRow:
    where: str
    no: int
    label: str
    cells: dict[str, str] = field(default_factory=dict)  # a, b, change, rate → printed cell
    years: tuple[int, int] | None = None
