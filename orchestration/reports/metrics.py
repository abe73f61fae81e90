"""Metrics by name for report templates: prose and tables read the same mart rows."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from orchestration.reports.formatting import change_words, display, number


def _clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


@dataclass
class Metric:
    row: dict

    @property
    def unit(self) -> str:
        return self.row["unit"]

    def v(self, unit: str | None = None, decimals: int = 0) -> str:
        return display(_clean(self.row["value"]), self.unit, unit or self.unit, decimals)

    def prev(self, unit: str | None = None, decimals: int = 0) -> str:
        return display(_clean(self.row["prev_value"]), self.unit, unit or self.unit, decimals)

    def delta(self, unit: str | None = None, decimals: int = 0, up: str = "增加", down: str = "减少", suffix: str = "") -> str:
        """'增加 248 人' / '减少 491 人' / '持平' in display units."""
        verb, size = change_words(_clean(self.row["change_abs"]), up, down)
        return verb if not size else f"{verb} {display(size, self.unit, unit or self.unit, decimals)} {suffix}".rstrip()

    def pct(self, decimals: int = 2, up: str = "增幅", down: str = "降幅") -> str:
        verb, size = change_words(_clean(self.row["change_pct"]), up, down)
        return verb if not size else f"{verb} {number(size, decimals)}%"

    def pp(self, decimals: int = 2, up: str = "提升", down: str = "下降") -> str:
        verb, size = change_words(_clean(self.row["change_pp"]), up, down)
        return verb if not size else f"{verb} {number(size, decimals)} 个百分点"

    @property
    def missing(self) -> int:
        return int(self.row["schools_expected"] - self.row["schools_reporting"])


class Metrics:
    """Lookup of one mart's rows for one data year; remembers which metrics a text used (for footnotes)."""

    def __init__(self, mart: pd.DataFrame, data_year: int):
        rows = mart[mart["data_year"] == data_year].to_dict("records")
        self.data_year = data_year
        self._rows = {(r["indicator_code"], r["group_name"]): r for r in rows}
        self.used: dict[tuple[str, str], Metric] = {}

    def __call__(self, code: str, group: str) -> Metric:
        key = (code, group)
        if key not in self._rows:
            raise KeyError(f"no metric {code} for {group} in {self.data_year}")
        metric = self.used[key] = Metric(self._rows[key])
        return metric

    def footnotes(self) -> list[str]:
        notes = []
        for (code, group), m in self.used.items():
            if m.missing > 0:
                notes.append(f"{m.row['indicator_name']}（{group}）：共 {m.missing} 所学校未填报该项数据，数据为 {int(m.row['schools_reporting'])} 所学校合计。")
        return sorted(set(notes))
