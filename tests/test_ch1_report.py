"""Chapter 一 beyond the city marts: per-school facts the report states, and the rendered HTML."""

import re

from orchestration import settings
from tests.helpers import read_only


def test_schools_running_attached_secondary_classes(built_warehouse):
    """003 line 499: 13 高职 schools run attached 中职 classes (1.2599万 students)."""
    with read_only(settings.duckdb_path()) as con:
        n, total = con.execute(
            """select count(*), sum(value) from marts.fct_school_indicator
               where data_year = 2025 and in_city_scope and indicator_code = 'attached_secondary_students'
                 and value > 0"""
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
            "select in_city_scope from intermediate.int_school_years "
            "where data_year = 2025 and school_name = '首钢工学院'"
        ).fetchone()[0]
    assert value == 2287 and in_scope is False


def test_report_html_carries_the_published_sentences(built_warehouse):
    page = (settings.report_dir("2025") / "annual_report.html").read_text(encoding="utf-8")
    html = re.sub(r"<[^>]+>", "", page)  # as read: the traced numbers' spans taken out
    for sentence in (
        "各类职业学校招生总数达到4.95万人",
        "全日制职业本科招生1568人",
        (
            "中职学校2025年招生数为1.33万人（其中，中专学校招生6317人，职业高中招生6996人），"
            "较上一年减少 883 人，降幅 6.22%"
        ),
        "各类职业院校专任教师总数9797人，较上一年减少 243 人",
        "教学仪器设备总值达82.20亿元，较上一年减少 2220.52 万元",
        "校内实训实践工位达5.61万个，较上一年增加 6229 个",
    ):
        assert sentence in html
    chapter1 = page[page.index('id="ch1"') : page.index('id="ch2"')]
    assert chapter1.count("data:image/png;base64,") == 2  # 图 1-1 and 图 1-2, embedded
