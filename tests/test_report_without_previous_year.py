"""A data year loaded without the year before: the edition is built, and every previous-year value and
change says 上年数据未采集 in words that still read (no '较上一年，' left behind), with a notice at the top.

One real run of the graph for 2025 alone, on a warehouse of its own; the wording rules on their own too.
"""

import re
import shutil

import pytest
from markupsafe import Markup

from orchestration import settings
from orchestration.reports.edition import find
from orchestration.reports.render import no_previous_year, render_edition
from orchestration.reports.sources import NO_CHANGE, NO_PREV
from orchestration.samples.generator import generate
from tests.helpers import read_only
from tests.pipeline import failures, materialize_year

SAID = "（上年数据未采集）"


@pytest.mark.parametrize(
    "template,words",
    [
        (f"招生总数达到4.95万人，较上一年{NO_CHANGE}，{NO_CHANGE}。", f"招生总数达到4.95万人{SAID}。"),
        (f"专任教师4993人，{NO_CHANGE}；", f"专任教师4993人{SAID}；"),
        (f"课程标准236个，较上一年分别{NO_CHANGE}和{NO_CHANGE}，总体", f"课程标准236个{SAID}，总体"),
        (f"实践教学场所2102个，分别较上一年{NO_CHANGE}和{NO_CHANGE}；", f"实践教学场所2102个{SAID}；"),
        (f"到款额10万元，比上年{NO_CHANGE}。", f"到款额10万元{SAID}。"),
        (f"平均月收入5元，比 2019 届{NO_CHANGE}；", f"平均月收入5元{SAID}；"),
        (f"与2024年相比，职业高中校{NO_CHANGE}。", f"与2024年相比，职业高中校的变化无法计算{SAID}。"),
        (f"2024 年 {NO_PREV} 所学校填报", f"2024 年 {SAID} 所学校填报"),
        ("较上一年增加 248 人。", "较上一年增加 248 人。"),  # nothing missing: untouched
    ],
)
def test_the_previous_year_not_collected_reads_as_a_sentence(template, words):
    assert no_previous_year(Markup(template)) == words


@pytest.fixture(scope="module")
def one_year(tmp_path_factory):
    """The graph run for 2025 with no 2024 submissions loaded (the 2025 edition compares 2025 with 2024)."""
    home = tmp_path_factory.mktemp("one_year")
    generate(home / "landing", [2025])
    mp = pytest.MonkeyPatch()
    result = materialize_year(home, 2025, mp)
    yield home, result
    mp.undo()
    shutil.rmtree(home, ignore_errors=True)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@pytest.mark.e2e
def test_the_edition_is_built_and_says_the_previous_year_was_not_collected(one_year):
    home, result = one_year
    assert result.success, failures(result)
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("reports", "annual_report_combined") in materialized
    folder = home / "reports" / "2025"
    for name in ("annual_report.html", "annual_report.docx", "annual_report.pdf", "data_appendix.csv"):
        assert (folder / name).stat().st_size > 0
    html = (folder / "annual_report.html").read_text(encoding="utf-8")
    text = _text(html)
    assert "说明：2024 年数据未采集，本报告未与上一年度进行比较" in text  # the notice at the top
    assert text.index("说明：2024 年数据未采集") < text.index("一、")
    assert "上年数据未采集" in _text(html[html.index("<main>") : html.index("</main>")])
    assert "表中上年数值及增减以“—”表示" in text  # tables: dashes, with their note
    for broken in (
        "较上一年，",
        "较上一年。",
        "较上一年；",
        "较上一年度，",
        "比上一年，",
        "比上一年（",
        "分别（",
        "\ue000",
        "\ue001",
    ):
        assert broken not in text, broken
    assert not re.search(r"[，；](?:[，。；]|$)", text, re.M)  # no empty clause where a change was


@pytest.mark.e2e
def test_numbers_are_all_of_the_data_year_and_traced(one_year):
    home, _ = one_year
    with read_only(home / "warehouse.duckdb") as con:
        rendered = render_edition(con, find("2025"))
    assert rendered.problems == []  # the numeral check passes: nothing untraced, nothing unknown
    assert rendered.prev_missing
    assert rendered.numbers and {n.data_year for n in rendered.numbers} <= {2025}
    assert not [
        n for n in rendered.numbers if n.source_key.endswith(("prev_value", "change_abs", "change_pct", "change_pp"))
    ]


@pytest.mark.e2e
def test_the_cli_says_the_report_has_no_comparisons(one_year, monkeypatch, capsys):
    from orchestration.cli import _print_report

    home, _ = one_year
    monkeypatch.setenv("VOCWH_HOME", str(home))
    _print_report(find("2025"))
    printed = capsys.readouterr().out
    assert str(settings.report_dir("2025") / "annual_report.pdf") in printed
    assert "without comparisons: data year 2024 not loaded" in printed
