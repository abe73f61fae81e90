"""Plausibility against last year (rules with check_kind yoy_change): warnings, never blocking.

A count or amount that moves by more than the rule's threshold (a share, 0.5 = ±50 %) against the
school's accepted value of the previous year, or a rate that moves by more than the threshold in
percentage points, is worth a second look by the school: fix it or explain it.

Small counts move by large shares for no reason (2 instead of 1 is +100 %): a value that moves by less
than its indicator's floor (seeds/indicators.csv yoy_min_abs_change, in the indicator's unit) is
never a warning, however large the share.
"""

from __future__ import annotations

import duckdb

from orchestration import catalogue
from orchestration.findings import Finding, rules
from orchestration.intake.parse import ParsedSubmission
from orchestration.workbook_text import plain_number

# The school's current accepted version of the previous year, as dbt decides it (stg_submissions.is_current).
PREVIOUS_VALUES = """
    select school_code, indicator_code, value
    from staging.stg_submission_values
    where data_year = ? and value is not null
"""


def previous_values(con: duckdb.DuckDBPyConnection, data_year: int) -> dict[str, dict[str, float]]:
    """school -> indicator -> accepted value of the year before; empty before dbt has built staging once."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'stg_submission_values'"
    ).fetchone()[0]
    previous: dict[str, dict[str, float]] = {}
    for school, code, value in con.execute(PREVIOUS_VALUES, [data_year - 1]).fetchall() if exists else []:
        previous.setdefault(school, {})[code] = value
    return previous


def _value(code: str, values: dict[str, float]) -> float | None:
    """A submitted value, or a rate computed from its submitted numerator and denominator."""
    if code in values:
        return values[code]
    ind = catalogue.indicators().get(code)
    if ind is None or ind.aggregation != "ratio_of_sums":
        return None
    num, den = values.get(ind.numerator_code), values.get(ind.denominator_code)
    return 100.0 * num / den if num is not None and den else None


class YearOnYear:
    """yoy_change: each school's values against its accepted values of the previous year. A file with
    errors gets none: it is fixed first."""

    def findings(
        self, rule: dict, subs: list[ParsedSubmission], previous: dict[str, dict[str, float]]
    ) -> list[Finding]:
        out = []
        for sub in subs:
            before = previous.get(sub.school_code or "")
            if before:
                now = {v["indicator_code"]: v["value"] for v in sub.values if v["value"] is not None}
                out += yoy_findings(rule, sub.file_name, now, before, {v["indicator_code"]: v for v in sub.values})
        return out


def all_yoy_findings(file_name: str, now: dict[str, float], before: dict[str, float]) -> list[Finding]:
    """Every yoy_change rule's warnings on one school's values (for the sample explanations)."""
    return [
        f
        for rule in rules().values()
        if rule["check_kind"] == "yoy_change"
        for f in yoy_findings(rule, file_name, now, before)
    ]


def yoy_findings(
    rule: dict, file_name: str, now: dict[str, float], before: dict[str, float], where: dict[str, dict] | None = None
) -> list[Finding]:
    """The warnings of one yoy_change rule on one school's values against its previous year's
    (where: sheet/row/cell per code)."""
    where = where or {}
    out = []
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
            if prev == 0 or abs(cur - prev) < (ind.yoy_min_abs_change or 0):
                continue
            moved, shown = abs(cur - prev) / prev > limit, f"{100 * (cur - prev) / prev:+.1f}%"
            expected = f"变化不超过 ±{100 * limit:g}%，或说明原因"
        if moved:
            cell = where.get(code, {})
            out.append(
                Finding(
                    rule["rule_id"],
                    file_name,
                    sheet=cell.get("sheet", ""),
                    row=cell.get("row_number"),
                    cell=cell.get("cell", ""),
                    indicator_code=code,
                    found=f"「{ind.name_zh}」本年 {_plain(cur)}，上年 {_plain(prev)}（{shown}）",
                    expected=expected,
                )
            )
    return out


def _plain(x: float) -> str:
    """1186700 → 1,186,700 and 94.5 → 94.5: no scientific notation in a message for a school clerk."""
    return plain_number(x)
