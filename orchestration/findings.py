"""A finding is one broken quality rule at one place in one file, worded for a school clerk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache

from orchestration.catalogue import read_seed


@cache
def rules() -> dict[str, dict[str, str]]:
    return {r["rule_id"]: r for r in read_seed("quality_rules")}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    file_name: str
    sheet: str = ""
    row: int | None = None
    cell: str = ""
    indicator_code: str = ""
    found: str = ""
    expected: str = ""

    @property
    def severity(self) -> str:
        return rules()[self.rule_id]["severity"]

    @property
    def message_zh(self) -> str:
        rule = rules()[self.rule_id]
        where = [f"文件「{self.file_name}」"]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.cell:
            where.append(f"单元格 {self.cell}")
        text = f"{'，'.join(where)}：{rule['title_zh']}（{self.rule_id}）。"
        if self.found:
            text += f"发现：{self.found}；"
        if self.expected:
            text += f"应为：{self.expected}。"
        return text + f"处理办法：{rule['how_zh']}"

    def record(self) -> dict[str, object]:
        return {**asdict(self), "severity": self.severity, "message_zh": self.message_zh}


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that refuse a file (severity error); any one of them is enough."""
    return [f for f in findings if f.severity == "error"]
