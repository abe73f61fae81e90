"""Blocking checks on a chapter mart (rules Q001–Q004 of seeds/quality_rules.csv), run as GX suites."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data_checks.gx_runner import validate
from orchestration.intake.findings import rules

KEY = ["data_year", "group_name", "indicator_code"]
CITY, LEVELS = "职业院校合计", ("高职", "中职")


@dataclass(frozen=True)
class MartCheckResult:
    passed: bool
    problems: list[str]  # one line per failing rule, naming the rows
    expectations: int


def reconciliation(df: pd.DataFrame) -> pd.DataFrame:
    """For additive indicators: each total beside the sum of its parts (city = levels; level = school types)."""
    sums = df[df["aggregation"].isin(["sum", "count"])]
    rows = []
    for (year, code), g in sums.groupby(["data_year", "indicator_code"]):
        by = g.set_index("group_name")
        def val(name):
            return float(by.at[name, "value"]) if name in by.index and pd.notna(by.at[name, "value"]) else 0.0
        if CITY in by.index:
            rows.append({"data_year": year, "indicator_code": code, "total_group": CITY, "total": round(val(CITY), 4), "parts_sum": round(sum(val(level) for level in LEVELS), 4)})
        for level in LEVELS:
            types = g[(g["group_kind"] == "school_type") & g["group_name"].isin(_types_of(df, level))]
            if level in by.index and not types.empty:
                rows.append({"data_year": year, "indicator_code": code, "total_group": level, "total": round(val(level), 4), "parts_sum": round(float(types["value"].fillna(0).sum()), 4)})
    return pd.DataFrame(rows, columns=["data_year", "indicator_code", "total_group", "total", "parts_sum"])


def _types_of(df: pd.DataFrame, level: str) -> set[str]:
    return set(df.loc[(df["group_kind"] == "school_type") & (df["group_level"] == level), "group_name"])


def check_mart(df: pd.DataFrame, data_year: int) -> MartCheckResult:
    import great_expectations as gx

    e = gx.expectations
    threshold = float(rules()["Q004"]["threshold"])
    df = df.copy()
    df["rate_value"] = df["value"].where(df["value_type"] == "rate")
    # Completeness gates the required indicators of the year being published.
    df["completeness_this_year"] = df["completeness"].where((df["data_year"] == data_year) & df["required"].fillna(False).astype(bool))
    main = [
        e.ExpectCompoundColumnsToBeUnique(column_list=KEY, meta={"rule_id": "Q001"}),
        e.ExpectColumnValuesToBeBetween(column="rate_value", min_value=0, max_value=100, meta={"rule_id": "Q002"}),
        e.ExpectColumnValuesToBeBetween(column="completeness_this_year", min_value=threshold, meta={"rule_id": "Q004"}),
    ]
    df["row_key"] = df["data_year"].astype(str) + "/" + df["group_name"] + "/" + df["indicator_code"]
    failures, n_main = validate(df, main, f"mart_{data_year}", ["row_key"])
    recon = reconciliation(df)
    recon["row_key"] = recon["data_year"].astype(str) + "/" + recon["total_group"] + "/" + recon["indicator_code"]
    recon_failures, n_recon = validate(
        recon, [e.ExpectColumnPairValuesToBeEqual(column_A="total", column_B="parts_sum", meta={"rule_id": "Q003"})], f"recon_{data_year}", ["row_key"]
    )
    problems = []
    for f in failures + recon_failures:
        rule = rules()[f.meta["rule_id"]]
        keys = ", ".join(str(r.get("row_key", r)) for r in f.unexpected_rows[:20])
        problems.append(f"{f.meta['rule_id']} {rule['title_zh']}：{keys or f.observed}")
    return MartCheckResult(passed=not problems, problems=problems, expectations=n_main + n_recon)
