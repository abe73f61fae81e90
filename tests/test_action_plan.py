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


def test_every_target_names_what_measures_it():
    """indicator_code names a catalogue indicator, fact_code a fact of the target year's facts register."""
    facts = {
        int(path.stem.rsplit("_", 1)[1]): {r["fact_code"] for r in csv.DictReader(open(path, encoding="utf-8"))}
        for path in (settings.SEEDS_DIR / "sample" / "datasets").glob("facts_register_*.csv")
    }
    for t in catalogue.read_seed("targets"):
        assert not (t["indicator_code"] and t["fact_code"]), t["target_code"]
        if t["indicator_code"]:
            assert t["indicator_code"] in catalogue.indicators(), t["target_code"]
        if t["fact_code"]:
            assert t["fact_code"] in facts[int(t["target_year"])], t["target_code"]
        assert t["actual_level"] in ({"高职", "中职", "全部"} if t["indicator_code"] or t["fact_code"] else {""})


# target -> (status, actual) for data year 2020: submissions of report 000 and the 2020 facts register
EXPECTED_2020 = {
    # 专科 students: 60690 in 2020 (report 000, 26 schools) against about 100000
    "t2020_associate_students": ("not_met", 60690),
    # 双师型 share 2581/4261 = 60.57 % against at least 80 % (高职 only: 中职 2020 not collected)
    "t2020_dual_qualified_share": ("not_met", 60.57),
    "t2020_world_class_schools": ("not_met", 8),  # 000 L274: 8 高职 特高院校 (高职 only) vs 10 左右
    "t2020_flagship_majors": ("not_met", 38),  # 000 L289: 22 + 16 高职 骨干专业（群） vs 100 左右
    "t2020_engineer_colleges_master_studios": ("met", 90),  # 000 L704: 90 city-wide vs 100 左右 (±10 %)
    "t2020_vocational_groups": ("met", 15),  # 000 L799: 15 led by 高职 vs 15 左右
    "t2020_teacher_training_bases": ("not_met", 15),  # 000 L840: 15 双师型 bases vs 20 左右
    "t2020_master_teachers": ("not_met", 16),  # 000 L883
    "t2020_programme_leaders": ("not_met", 22),  # 000 L883
    "t2020_innovation_teams": ("not_met", 16),  # 000 L885
    "t2020_young_key_teachers": ("not_met", 99),  # 000 L883
}


def test_targets_against_2020_actuals(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "select target_code, status, actual_value, actual_level, level, actual_note"
                " from marts.mart_action_plan_targets"
            ).fetchall()
        }
    assert set(rows) == {t["target_code"] for t in catalogue.read_seed("targets")}
    for code, (status, actual) in EXPECTED_2020.items():
        got_status, got_actual, actual_level, level, note = rows[code]
        assert (got_status, round(got_actual, 2)) == (status, actual), code
        # an actual for part of the target's scope says so
        assert (note is None) == (actual_level == level), code
    # nothing the warehouse holds measures the rest, whatever year is loaded
    for code in set(rows) - set(EXPECTED_2020):
        status, actual, _, _, note = rows[code]
        assert (status, actual) == ("no_actual", None) and note.startswith("no indicator or fact"), code
