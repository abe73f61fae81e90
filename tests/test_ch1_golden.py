"""The chapter 一 marts built from the sample submissions reproduce the 2025 report (003).

Expected figures are data: tests/expected/report_003_ch1.csv, one row per printed figure with
the report line it comes from. Contradictions in the report are rows whose held_value is what
the warehouse holds instead, with the reason in the note.
"""
import csv
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.reports.formatting import round_half_up
from tests.helpers import read_only

EXPECTED = list(csv.DictReader(open(Path(__file__).parent / "expected" / "report_003_ch1.csv", encoding="utf-8")))
SCHOOL_LEVEL = [r for r in EXPECTED if r["measure"] == "nonzero_schools" or r["group_name"] == "首钢工学院"]  # tested below
IN_SCOPE = [r for r in EXPECTED if r["indicator_code"] and r not in SCHOOL_LEVEL]


def _id(r):
    return f"L{r['line']}-{r['group_name']}-{r['indicator_code']}-{r['measure']}"


@pytest.fixture(scope="module")
def mart(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        rows = con.execute("select * from marts.mart_ch1_indicators").df()
    return {(int(r["data_year"]), r["group_name"], r["indicator_code"]): r for r in rows.to_dict("records")}


@pytest.mark.parametrize("row", IN_SCOPE, ids=_id)
def test_printed_figure(mart, row):
    key = (int(row["data_year"]), row["group_name"], row["indicator_code"])
    assert key in mart, f"line {row['line']}: no mart row for {key}"
    actual = mart[key][row["measure"]]
    assert actual is not None and actual == actual, f"line {row['line']}: {row['measure']} is empty"
    shown = actual / float(row["scale"])
    printed = Decimal(row["printed_value"])
    decimals = int(row["decimals"])
    where = f"report 003 line {row['line']} 「{row['indicator_zh']}」 printed {row['printed_value']}{row['printed_unit']}"
    kind = row["comparison"]
    if kind in ("round", "neg_round"):
        sign = -1 if kind == "neg_round" else 1
        assert round_half_up(sign * shown, decimals) == printed, f"{where}; warehouse {sign * shown}"
    elif kind in ("at_least", "neg_at_least"):
        sign = -1 if kind == "neg_at_least" else 1
        step = 10 ** (len(row["printed_value"]) - len(row["printed_value"].rstrip("0")))
        assert float(printed) <= sign * shown < float(printed) + step, f"{where} (余); warehouse {sign * shown}"
    elif kind == "contradiction":
        held = Decimal(row["held_value"])
        assert round_half_up(shown, decimals) == held, f"{where}; warehouse should hold {held} ({row['note']})"
        assert held != printed
    else:
        pytest.fail(f"unknown comparison {kind}")


def test_schools_running_attached_secondary_classes(built_warehouse):
    """003 line 499: 13 高职 schools run attached 中职 classes (1.2599万 students)."""
    with read_only(settings.duckdb_path()) as con:
        n, total = con.execute(
            """select count(*), sum(value) from marts.fct_school_indicator
               where data_year = 2025 and in_city_scope and indicator_code = 'attached_secondary_students' and value > 0"""
        ).fetchone()
    assert (n, total) == (13, 12599)


def test_shougang_kept_apart(built_warehouse):
    """003 line 499: 首钢工学院 has 2287 全日制专科在校生 and is not in the 高职 figures."""
    with read_only(settings.duckdb_path()) as con:
        value = con.execute(
            """select value from marts.fct_school_indicator
               where data_year = 2025 and school_name = '首钢工学院' and indicator_code = 'students_associate_ft'"""
        ).fetchone()[0]
        in_scope = con.execute(
            "select in_city_scope from intermediate.int_school_years where data_year = 2025 and school_name = '首钢工学院'"
        ).fetchone()[0]
    assert value == 2287 and in_scope is False


def test_every_expected_row_is_checked_or_declared_out_of_scope():
    out_of_scope = [r for r in EXPECTED if not r["indicator_code"]]
    assert len(IN_SCOPE) + len(out_of_scope) + len(SCHOOL_LEVEL) == len(EXPECTED)
    assert len(SCHOOL_LEVEL) == 2
    assert all("Out of warehouse scope" in r["note"] for r in out_of_scope)


def test_report_html_carries_the_published_sentences(built_warehouse):
    html = (settings.output_dir(2025) / "ch1_overview.html").read_text(encoding="utf-8")
    for sentence in (
        "各类职业学校招生总数达到4.95万人",
        "全日制职业本科招生1568人",
        "中职学校2025年招生数为1.33万人（其中，中专学校招生6317人，职业高中招生6996人），较上一年减少 883 人，降幅 6.22%",
        "各类职业院校专任教师总数9797人，较上一年减少 243 人",
        "教学仪器设备总值达82.20亿元，较上一年减少 2220.52 万元",
        "校内实训实践工位达5.61万个，较上一年增加 6229 个",
    ):
        assert sentence in html
    assert html.count("data:image/png;base64,") == 2  # 图 1-1 and 图 1-2, embedded
