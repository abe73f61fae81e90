"""Year-on-year plausibility warnings: large swings against the school's accepted value of last year."""

from pathlib import Path

from data_checks.plausibility import YearOnYear
from orchestration import catalogue
from orchestration.findings import rules
from orchestration.intake.parse import ParsedSubmission

YOY = [r for r in rules().values() if r["check_kind"] == "yoy_change"]


def _submission(values: dict[str, float]) -> ParsedSubmission:
    sub = ParsedSubmission(path=Path("BJGZ002_2020.xlsx"), file_hash="y", info={"school_code": "BJGZ002"})
    sub.values = [
        {"indicator_code": c, "value": v, "sheet": "教育教学表", "row_number": 7, "cell": "D7"}
        for c, v in values.items()
    ]
    return sub


def _warnings(sub: ParsedSubmission, previous: dict[str, dict[str, float]]):
    return [f for rule in YOY for f in YearOnYear().findings(rule, [sub], previous)]


def test_a_count_that_doubles_is_a_warning_naming_the_cell():
    sub = _submission({"fulltime_teachers": 420, "graduates": 1100})
    [finding] = _warnings(sub, {"BJGZ002": {"fulltime_teachers": 200, "graduates": 1000}})
    assert finding.indicator_code == "fulltime_teachers" and finding.severity == "warning"
    assert "本年 420，上年 200（+110.0%）" in finding.message_zh and "第 7 行" in finding.message_zh
    assert sub.findings == []  # returned, never appended to the submission


def test_a_rate_moves_in_percentage_points_not_percent():
    sub = _submission({"graduates_placed": 900, "graduates": 1000})
    found = _warnings(sub, {"BJGZ002": {"graduates_placed": 700, "graduates": 1000}})
    [rate] = [f for f in found if f.indicator_code == "placement_rate"]
    assert (rate.rule_id, rate.found) == ("P301", "「就业去向落实率」本年 90，上年 70（+20.00 个百分点）")


def test_no_previous_year_no_warning():
    assert _warnings(_submission({"fulltime_teachers": 420}), {}) == []


def test_a_small_count_moving_below_its_floor_is_no_warning():
    assert catalogue.indicators()["fulltime_teachers"].yoy_min_abs_change == 5
    assert _warnings(_submission({"fulltime_teachers": 2}), {"BJGZ002": {"fulltime_teachers": 1}}) == []
    [doubled] = _warnings(_submission({"fulltime_teachers": 200}), {"BJGZ002": {"fulltime_teachers": 100}})
    assert doubled.found == "「专任教师数」本年 200，上年 100（+100.0%）"


def test_every_count_and_amount_has_a_floor_and_rates_have_none():
    for ind in catalogue.indicators().values():
        if ind.value_type in ("rate", "ratio"):
            assert ind.yoy_min_abs_change is None, ind.code
        else:
            assert ind.yoy_min_abs_change and ind.yoy_min_abs_change > 0, ind.code
