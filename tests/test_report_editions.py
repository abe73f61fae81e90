"""Report editions: nothing typed by hand, nothing named that does not exist.

The numeral check on its own (what it allows, what it catches, naming the sentence), then whole editions
rendered from the built warehouse with an editor's template of the test's own: a hand-typed number, an
unknown metric, an unknown fact or table each fail the edition, and nothing is written.
"""

import re
import shutil
import uuid

import pytest

from orchestration import settings
from orchestration.reports import edition as edition_module
from orchestration.reports import numerals, render
from orchestration.reports.build import EditionCheckFailed, build_edition
from orchestration.reports.edition import Edition, editions, find
from tests.helpers import read_only


def _body(text: str) -> str:
    return f"<main><h2>（一）办学规模</h2><p>{text}</p></main>"


@pytest.mark.parametrize(
    "text",
    [
        "2025 年，北京市职业教育稳步发展。",
        "2021—2025 年的规划（见表 2-3 和图 1-1）。",
        "2024 年 9 月 1 日至 2025 年 8 月 31 日。",
        "第 2 批项目、“1+X”证书和“3+2”中高职衔接。",
        '共有<span class="n" data-ref="N0001">76</span>所学校，占<span class="n" data-ref="N0002">12.5</span>%。',
    ],
)
def test_years_dates_numbering_terms_and_traced_numbers_pass(text):
    assert numerals.untraced(_body(text)) == []


@pytest.mark.parametrize(
    "text,numeral",
    [
        ("共有 38 所学校参加。", "38"),
        ('共有<span class="n" data-ref="N0001">76</span>所学校，其中 12.5% 为高职。', "12.5"),
        ("投入 2,000 万元。", "2,000"),
        ("2025 所学校", "2025"),  # a count that looks like a year is still a count
        ("技能大赛获奖 61项", "61"),
    ],
)
def test_a_hand_typed_number_is_caught_with_its_sentence(text, numeral):
    found = numerals.untraced(_body("前文。" + text + "后文。"))
    assert [u.numeral for u in found] == [numeral]
    printed = re.sub(r"<[^>]+>", "", text)  # the sentence as the reader sees it, traced numbers included
    assert found[0].sentence == printed if printed.endswith("。") else printed in found[0].sentence
    assert found[0].where == "（一）办学规模" and numeral in str(found[0])


def test_numbers_in_headings_and_table_cells_are_checked_too():
    html = (
        "<main><h2>（二）教师 99 人</h2><table><tr><th>指标</th></tr>"
        "<tr><td>专任教师</td><td>9797</td></tr></table></main>"
    )
    assert [u.numeral for u in numerals.untraced(html)] == ["99", "9797"]


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A one-chapter edition of data year 2025 whose text the test writes."""
    name = f"t{uuid.uuid4().hex[:8]}"
    seeds = tmp_path / "seeds"
    (seeds / "editions" / name).mkdir(parents=True)
    (seeds / "editions" / name / "chapters.csv").write_text(
        "chapter_order,chapter_code,title\n1,ch1,一、基本概况\n", encoding="utf-8"
    )
    templates = tmp_path / "templates"
    (templates / "editions" / name).mkdir(parents=True)
    for page in edition_module.TEMPLATES.glob("*.j2"):  # the page and the styles it includes
        shutil.copy(page, templates)
    monkeypatch.setattr(edition_module, "SEEDS_DIR", seeds)
    monkeypatch.setattr(render, "TEMPLATES", templates)
    ed = Edition(
        code=name,
        edition=name,
        series="test",
        data_year=2025,
        layout=name,
        title="测试报告",
        levels=("高职", "中职"),
        source_text="",
    )

    def write(text: str) -> Edition:
        (templates / "editions" / name / "ch1.html.j2").write_text(text, encoding="utf-8")
        return ed

    return write


def _render(built_warehouse, ed):
    with read_only(settings.duckdb_path()) as con:
        return render.render_edition(con, ed)


def test_a_template_that_prints_only_traced_numbers_passes(built_warehouse, layout):
    ed = layout("<p>{{ year }} 年，北京地区共有招生职业学校{{ m('school_count','职业院校合计').v() }}所。</p>")
    rendered = _render(built_warehouse, ed)
    assert rendered.problems == []
    assert [(n.text, n.source_key) for n in rendered.numbers] == [("76", "school_count · 职业院校合计 · 2025 · value")]


def test_a_hand_typed_number_fails_the_edition_naming_the_sentence(built_warehouse, layout, tmp_path):
    ed = layout(
        "<p>{{ year }} 年，北京地区共有招生职业学校{{ m('school_count','职业院校合计').v() }}所，"
        "其中 25 所为高职院校。</p>"
    )
    with read_only(settings.duckdb_path()) as con, pytest.raises(EditionCheckFailed) as failed:
        build_edition(con, ed, tmp_path / "out")
    assert len(failed.value.problems) == 1
    assert "其中 25 所为高职院校" in failed.value.problems[0] and "数字 25" in failed.value.problems[0]
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize(
    "call,words",
    [
        ("m('no_such_indicator','高职').v()", "没有指标 no_such_indicator（高职，2025 年）"),
        ("m('school_count','没有的分组').delta()", "没有指标 school_count（没有的分组，2025 年）"),
        ("f('no_such_fact').v()", "事实登记册中没有 2025 年的事实 no_such_fact"),
        ("table('表 9-9')", "本章没有表 9-9"),
        ("figure('图 9-9')", "本章没有图 9-9"),
    ],
)
def test_naming_what_does_not_exist_fails_the_edition(built_warehouse, layout, call, words):
    rendered = _render(built_warehouse, layout("<p>见{{ " + call + " }}。</p>"))
    assert (
        len(rendered.problems) == 1
        and words in rendered.problems[0]
        and rendered.problems[0].startswith("一、基本概况")
    )


def test_every_edition_is_found_by_its_cover_year_or_code():
    assert {(e.edition, e.code, e.data_year) for e in editions()} >= {
        ("2020", "000", 2020),
        ("2023", "001", 2022),
        ("2025", "003", 2025),
    }
    assert find("2025") == find("003")
    with pytest.raises(KeyError, match="2020（000"):
        find("1999")


def test_report_command_names_the_editions_when_asked_for_an_unknown_one(capsys):
    from orchestration.cli import main

    assert main(["report", "--edition", "1999"]) == 2
    assert "2020（000" in capsys.readouterr().err


def test_report_command_builds_an_edition_and_prints_its_files(built_warehouse, capsys):
    from orchestration.cli import main

    assert main(["report", "--edition", "2023"]) == 0
    printed = capsys.readouterr().out
    folder = settings.report_dir("2023")
    for name in ("annual_report.html", "annual_report.docx", "annual_report.pdf", "data_appendix.csv"):
        assert str(folder / name) in printed and (folder / name).stat().st_size > 0
    # built again from the same marts: the report shows the same, its files are kept (not laid out again)
    inode = (folder / "annual_report.pdf").stat().st_ino
    assert main(["report", "--edition", "2023"]) == 0
    assert (folder / "annual_report.pdf").stat().st_ino == inode
    assert (folder / "data_appendix.csv").stat().st_size > 0


def test_an_edition_waits_for_the_year_it_compares_with(built_warehouse):
    """The 2020 edition reads 2020 against 2019; an edition of 2019 would need 2018, never loaded."""
    from dataclasses import replace

    from orchestration.reports.build import missing_years

    with read_only(settings.duckdb_path()) as con:
        assert missing_years(con, find("2020")) == []
        assert missing_years(con, replace(find("2020"), data_year=2019)) == [2018]
