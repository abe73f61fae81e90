"""Plausibility against last year (rules with check_kind yoy_change): warnings, never blocking.

A count or amount that moves by more than the rule's threshold (a share, 0.5 = ±50 %) against the
school's accepted value of the previous year, or a rate that moves by more than the threshold in
percentage points, is worth a second look by the school: fix it or explain it.
"""
from __future__ import annotations

import duckdb

from orchestration import catalogue
from orchestration.intake.findings import Finding, rules
from orchestration.intake.parse import ParsedSubmission

PREVIOUS_VALUES = """
    with latest as (
        select submission_id, school_code,
               row_number() over (partition by school_code order by loaded_at desc, submission_id desc) as n
        from raw.submissions where data_year = ? and status = 'accepted'
    )
    select v.school_code, v.indicator_code, v.value
    from raw.submission_values v join latest l on l.submission_id = v.submission_id and l.n = 1
    where v.value is not null
"""


def _value(code: str, values: dict[str, float]) -> float | None:
    """A submitted value, or a rate computed from its submitted numerator and denominator."""
    if code in values:
        return values[code]
    ind = catalogue.indicators().get(code)
    if ind is None or ind.aggregation != "ratio_of_sums":
        return None
    num, den = values.get(ind.numerator_code), values.get(ind.denominator_code)
    return 100.0 * num / den if num is not None and den else None


def add_yoy_warnings(con: duckdb.DuckDBPyConnection, subs: list[ParsedSubmission], data_year: int) -> None:
    previous: dict[str, dict[str, float]] = {}
    for school, code, value in con.execute(PREVIOUS_VALUES, [data_year - 1]).fetchall():
        previous.setdefault(school, {})[code] = value
    for sub in subs:
        before = previous.get(sub.school_code or "")
        if not before or sub.blocking:
            continue
        now = {v["indicator_code"]: v["value"] for v in sub.values if v["value"] is not None}
        sub.findings += yoy_findings(sub.file_name, now, before, {v["indicator_code"]: v for v in sub.values})


def yoy_findings(file_name: str, now: dict[str, float], before: dict[str, float], where: dict[str, dict] | None = None) -> list[Finding]:
    """The yoy_change warnings of one school's values against its previous year's (where: sheet/row/cell per code)."""
    where = where or {}
    out = []
    for rule in rules().values():
        if rule["check_kind"] != "yoy_change":
            continue
        limit = float(rule["threshold"])
        for code in catalogue.split_list(rule["part_codes"]):
            cur, prev = _value(code, now), _value(code, before)
            if cur is None or prev is None:
                continue
            ind = catalogue.indicators()[code]
            if ind.value_type == "rate":
                moved, shown = abs(cur - prev) > limit, f"{cur - prev:+.2f} 个百分点"
                expected = f"变化不超过 ±{limit:g} 个百分点，或说明原因"
            else:
                if prev == 0:
                    continue
                moved, shown = abs(cur - prev) / prev > limit, f"{100 * (cur - prev) / prev:+.1f}%"
                expected = f"变化不超过 ±{100 * limit:g}%，或说明原因"
            if moved:
                cell = where.get(code, {})
                out.append(
                    Finding(
                        rule["rule_id"], file_name, sheet=cell.get("sheet", ""), row=cell.get("row_number"), cell=cell.get("cell", ""),
                        indicator_code=code, found=f"「{ind.name_zh}」本年 {_plain(cur)}，上年 {_plain(prev)}（{shown}）", expected=expected,
                    )
                )
    return out


def _plain(x: float) -> str:
    """1186700 → 1,186,700 and 94.5 → 94.5: no scientific notation in a message for a school clerk."""
    return f"{x:,.2f}".rstrip("0").rstrip(".")
