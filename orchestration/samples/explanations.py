"""The sample schools' explanations of the warnings their sample data raises.

The sample values reproduce the published city totals, which move a lot between some years; each
school explains the resulting year-on-year warnings the way a school would, in the 预警说明 sheet
of the feedback workbook, so the sample run shows the whole path: warning → explanation → report.
The warnings are computed by the intake's own plausibility rule on the values the generator writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from data_checks.plausibility import all_yoy_findings
from orchestration import catalogue
from orchestration.intake.explanations import EXPLANATION_FOLDER
from orchestration.reports.feedback import write_feedback_workbook

EXPLAINED_BY = "示例数据"
EXPLANATION = "示例数据按市级汇总数分配到各校，本校数值随全市总数变化，经核对无误。"


def write_sample_explanations(out_dir: Path, data_year: int, school_values) -> list[Path]:
    """school_values: the generator's values per school for a data year (a callable of the year)."""
    if data_year - 1 not in catalogue.collected_years():
        return []
    now, before = school_values(data_year), school_values(data_year - 1)
    rows = []
    for code in sorted(now):
        current, previous = _numbers(now[code]), _numbers(before.get(code, {}))
        if not current or not previous:
            continue
        for f in all_yoy_findings(f"{code}_{data_year}", current, previous):
            rows.append(
                {
                    "school_code": code,
                    "data_year": data_year,
                    "rule_id": f.rule_id,
                    "indicator_code": f.indicator_code,
                    "indicator_name": catalogue.indicators()[f.indicator_code].name_zh,
                    "severity": "warning",
                    "message_zh": f.message_zh,
                    "explanation": EXPLANATION,
                    "explained_by": EXPLAINED_BY,
                    "explained_on": date(data_year, 10, 31),
                }
            )
    if not rows:
        return []
    path = out_dir / str(data_year) / EXPLANATION_FOLDER / f"示例数据_{data_year}_预警说明.xlsx"
    return [write_feedback_workbook(path, f"示例学校 {data_year} 年度预警说明", rows)]


def _numbers(values: dict[str, object]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if not k.startswith("list:") and isinstance(v, (int, float))}
