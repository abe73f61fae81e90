"""The blocking gate on a chapter mart: the rules of stage `mart` (Q001–Q004), one GX suite per frame.

The mart's own rows are validated for unique keys, rates within 0–100 % and completeness; the totals
beside the sum of their parts come from the dbt model marts.fct_total_reconciliation (SQL computes
both sides, GX asserts they are equal). Each kind contributes its expectations; which kind implements
a rule is decided in data_checks/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data_checks.gx_runner import expectations, validate
from orchestration.findings import rules

KEY = ["data_year", "group_name", "indicator_code"]


@dataclass(frozen=True)
class MartCheckResult:
    passed: bool
    problems: list[str]  # one line per failing rule, naming the rows
    expectations: int
    checkpoints: list[str]  # the stored GX checkpoints the gate ran


class UniqueKey:
    frame = "mart"

    def expectations(self, rule: dict, df: pd.DataFrame, data_year: int) -> list:
        return [expectations().ExpectCompoundColumnsToBeUnique(column_list=KEY, meta={"rule_id": rule["rule_id"]})]


class RateRange:
    frame = "mart"

    def expectations(self, rule: dict, df: pd.DataFrame, data_year: int) -> list:
        df["rate_value"] = df["value"].where(df["value_type"] == "rate")
        return [
            expectations().ExpectColumnValuesToBeBetween(
                column="rate_value", min_value=0, max_value=100, meta={"rule_id": rule["rule_id"]}
            )
        ]


class Completeness:
    """Completeness gates the required indicators of the year being published."""

    frame = "mart"

    def expectations(self, rule: dict, df: pd.DataFrame, data_year: int) -> list:
        required = df["required"].fillna(False).astype(bool)
        df["completeness_this_year"] = df["completeness"].where((df["data_year"] == data_year) & required)
        return [
            expectations().ExpectColumnValuesToBeBetween(
                column="completeness_this_year", min_value=float(rule["threshold"]), meta={"rule_id": rule["rule_id"]}
            )
        ]


class TotalsEqualParts:
    frame = "reconciliation"

    def expectations(self, rule: dict, df: pd.DataFrame, data_year: int) -> list:
        return [
            expectations().ExpectColumnPairValuesToBeEqual(
                column_A="total", column_B="parts_sum", meta={"rule_id": rule["rule_id"]}
            )
        ]


CHECKS = {
    "mart_unique_key": UniqueKey(),
    "mart_rate_range": RateRange(),
    "mart_completeness": Completeness(),
    "mart_levels_sum": TotalsEqualParts(),
}


def check_mart(mart: str, df: pd.DataFrame, reconciliation: pd.DataFrame, data_year: int) -> MartCheckResult:
    """Validate one chapter mart (all its years) and the reconciliation rows of its indicators."""
    df = df.copy()
    df["row_key"] = df["data_year"].astype(str) + "/" + df["group_name"] + "/" + df["indicator_code"]
    frames = {"mart": df, "reconciliation": reconciliation.copy()}
    problems, evaluated, checkpoints = [], 0, []
    for frame, data in frames.items():
        kinds = [r for r in rules().values() if r["check_kind"] in CHECKS and CHECKS[r["check_kind"]].frame == frame]
        expectations = [e for rule in kinds for e in CHECKS[rule["check_kind"]].expectations(rule, data, data_year)]
        if data.empty or not expectations:
            continue
        checkpoints.append(f"{mart}_{frame}_{data_year}")
        failures, n = validate(data, expectations, checkpoints[-1], ["row_key"])
        evaluated += n
        for f in failures:
            rule = rules()[f.meta["rule_id"]]
            keys = ", ".join(str(r.get("row_key", r)) for r in f.unexpected_rows[:20])
            problems.append(f"{f.meta['rule_id']} {rule['title_zh']}：{keys or f.observed}")
    return MartCheckResult(passed=not problems, problems=problems, expectations=evaluated, checkpoints=checkpoints)
