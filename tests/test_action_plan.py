"""The action plan's targets (report 002) are reference data, and the mart compares them with 2020."""

import csv
from pathlib import Path

from orchestration import catalogue, settings
from orchestration.reports.formatting import scale_for
from tests.helpers import read_only

# every figure the action plan (report 002) prints: line, indicator, unit, value as printed
FIGURES = Path(__file__).parent / "expected" / "action_plan_002.csv"


def _in_unit(value: str, printed_unit: str, unit: str) -> float | None:
    try:
        return float(value) * scale_for(unit, printed_unit)
    except ValueError:
        return None


def test_every_printed_target_is_in_the_seed():
    targets = catalogue.read_seed("targets")
    printed = list(csv.DictReader(open(FIGURES, encoding="utf-8")))
    assert printed, "report 002 figures not found"
    for fig in printed:
        matches = [
            t
            for t in targets
            if (int(t["line"]) == int(fig["line"]) or f"L{fig['line']}" in t["note"])
            and float(t["target_value"]) == _in_unit(fig["value"], fig["unit"], t["unit"])
        ]
        assert matches, f"002 line {fig['line']} {fig['indicator_zh']} {fig['value']}{fig['unit']} has no target"


def test_targets_against_2020_actuals(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "select target_code, status, actual_value from marts.mart_action_plan_targets"
            ).fetchall()
        }
    # 专科 students: 60690 in 2020 (report 000, 26 schools) against about 100000 → not met
    assert rows["t2020_associate_students"] == ("not_met", 60690)
    # 双师型 share 2581/4261 = 60.57 % against at least 80 % → not met
    status, share = rows["t2020_dual_qualified_share"]
    assert status == "not_met" and round(share, 2) == 60.57
    assert rows["t2020_world_class_schools"][0] == "no_actual"
