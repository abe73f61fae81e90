"""The seeds agree with the reports and with each other."""

import csv
from pathlib import Path

from orchestration import catalogue

SEEDS = Path(__file__).parent.parent / "seeds"


def _registry_count(data_year: int, label: str) -> int | None:
    schools = [s for s in catalogue.schools().values() if s.active_in(data_year)]
    scoped = [s for s in schools if s.in_city_scope(data_year)]
    rules = {
        "独立设置高职院校": lambda: sum(s.school_type in ("高职专科", "职业本科") for s in scoped),
        "中专": lambda: sum(s.school_type == "中专" for s in scoped),
        "职业高中": lambda: sum(s.school_type == "职业高中" for s in scoped),
        "招生职业学校合计": lambda: len(
            [s for s in scoped if s.school_type in ("高职专科", "职业本科", "中专", "职业高中")]
        ),
    }
    return rules[label]() if label in rules else None


def test_school_counts_match_the_reports():
    checked = 0
    for row in csv.DictReader(open(SEEDS / "school_counts_published.csv", encoding="utf-8")):
        if "NOT_IN_REGISTRY" in row["source"]:
            continue
        count = _registry_count(int(row["data_year"]), row["school_type"])
        if count is not None:
            assert count == int(row["count"]), (
                f"{row['data_year']} {row['school_type']}: registry {count}, report {row['count']} ({row['source']})"
            )
            checked += 1
    assert checked >= 8  # 2024 and 2025 by type at least


def test_school_codes_are_unique_and_names_unambiguous():
    names = [n for s in catalogue.schools().values() for n in (s.name, *s.former_names)]
    assert len(names) == len(set(names))


def test_every_rate_names_catalogued_numerator_and_denominator():
    inds = catalogue.indicators()
    for row in catalogue.read_seed("indicators"):
        if row["aggregation"] == "ratio_of_sums":
            assert row["numerator_code"] in inds and row["denominator_code"] in inds


def test_rules_reference_catalogued_indicators_or_list_columns():
    known = set(catalogue.indicators()) | {c["column_name"] for c in catalogue.read_seed("list_sheet_columns")}
    for rule in catalogue.read_seed("quality_rules"):
        for code in catalogue.split_list(rule["part_codes"]) + catalogue.split_list(rule["whole_code"]):
            assert code in known, f"{rule['rule_id']} names unknown indicator or column {code}"
