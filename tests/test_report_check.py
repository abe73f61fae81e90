"""vocwh check-report: a report's own arithmetic, matching to the warehouse, and its two outputs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from docx import Document
from openpyxl import load_workbook

from orchestration.cli import main
from orchestration.report_check import check_report

# report 004 (昌平区 2020) as published, kept with the tests so a clean clone has it
CHANGPING = Path(__file__).parent / "expected" / "reports" / "004_f3bde97ff30458f4.txt"

CORRECT_TEXT = "\n".join(
    [
        "学校概况",
        "",
        "2020 年学校资产合计 1100 万元，比上一年增长 100 万元，增长率为 10%。"
        "招生 978 人，其中全日制职高招生 969 人（含贯通培养 199 人），"
        "全日制成人中专招生 9 人。",
        "经费投入 1000 万元，其中人员经费 600 万元，公用经费 250 万元，政策性经费 150 万元，"
        "其中学生资助经费为 100 万元，对口帮扶经费为 50。",
        "公用经费中用于设备的经费为 200 万元，其他经费 50 万元。",
        "",
        "项目\t2019 年\t2020 年\t增长量\t增长率",
        "招生总数（人）\t612\t978\t366\t59.8%",
        "全日制成人中专（人）\t7\t9\t2\t28.5%",
        "生均纸质图书（册）\t54.37\t56.47\t2.10\t3.86%",
        "对口就业率\t96.2%\t97.2%\t1.0 个百分点\t1.04%",
        "生师比\t11.2:1\t12.1:1\t0.9\t8.03%",
        "",
        "年份\t职业学校招生\t普高招生\t职普比",
        "2019 年\t612\t1496\t0.41:1",
        "",
    ]
)


def _problems(path: Path, tmp_path: Path, **kw):
    return check_report(path, 2020, kw.pop("school", "BJZZ024"), db=tmp_path / "none.duckdb", write=False, **kw)


def test_changping_report_wrong_change_columns_and_sums(tmp_path):
    result = _problems(CHANGPING, tmp_path)
    found = {(p.no, p.kind, p.printed) for p in result.problems}
    assert (55, "变化量", "8.95") in found  # 54.37 → 56.47 is +2.10
    assert (55, "增长率", "19.7%") in found  # … and +3.86 %
    assert (70, "增长率", "0.39%") in found  # fell 0.39 个百分点: wrong sign
    assert (135, "变化量", "0.6%") in found  # 96.2 → 97.2 is +1.0 个百分点
    by_line = {p.no: p for p in result.problems if p.kind == "分项合计"}
    assert "相差 200 万元" in by_line[260].reason
    assert "相差 36.96 万元" in by_line[264].reason
    p70 = next(p for p in result.problems if p.no == 70)
    assert "符号错误" in p70.reason and "个百分点" in p70.reason
    # right ones stay quiet: 612 → 978 is +366 / 59.8 %, 7 → 9 printed 28.5 % (28.57 cut off), the 政策性经费
    # parts (237.7027 + 118.0875) and the 对口支援 parts (7.2 + 100 + 3 + 7.8875)
    assert not [p for p in result.problems if p.no in (23, 24, 25, 26, 27, 28, 29, 30, 268)]
    assert all(p.where == f"第 {p.no} 行" for p in result.problems)
    # no warehouse: said so, figures that match an indicator are kept, the rest listed as unmatched
    assert "未找到数据仓库" in result.warehouse_note
    assert result.unmatched and any(f.indicator_code == "enrol_secondary" for f in result.figures)


def test_correct_text_report_has_no_findings(tmp_path):
    path = tmp_path / "correct.txt"
    path.write_text(CORRECT_TEXT, encoding="utf-8")
    result = _problems(path, tmp_path)
    assert result.problems == []


def test_wrong_numbers_in_a_text_report_are_found(tmp_path):
    text = CORRECT_TEXT.replace("\t366\t", "\t360\t").replace("其他经费 50 万元", "其他经费 40 万元")
    text = text.replace("0.41:1", "0.45:1")
    path = tmp_path / "wrong.txt"
    path.write_text(text, encoding="utf-8")
    kinds = sorted(p.kind for p in _problems(path, tmp_path).problems)
    assert kinds == ["分项合计", "变化量", "比值"]


def _docx(path: Path, text: str) -> None:
    doc = Document()
    table_rows: list[list[str]] = []
    for line in text.splitlines() + [""]:
        if "\t" in line:
            table_rows.append(line.split("\t"))
            continue
        if table_rows:
            table = doc.add_table(rows=len(table_rows), cols=len(table_rows[0]))
            for r, cells in enumerate(table_rows):
                for c, value in enumerate(cells):
                    table.cell(r, c).text = value
            table_rows = []
        doc.add_paragraph(line)
    doc.save(str(path))


def test_docx_report_paragraphs_and_tables(tmp_path):
    good = tmp_path / "correct.docx"
    _docx(good, CORRECT_TEXT)
    assert _problems(good, tmp_path).problems == []
    bad = tmp_path / "wrong.docx"
    _docx(bad, CORRECT_TEXT.replace("\t2.10\t3.86%", "\t8.95\t19.7%"))
    problems = _problems(bad, tmp_path).problems
    assert {(p.kind, p.printed) for p in problems} == {("变化量", "8.95"), ("增长率", "19.7%")}
    assert problems[0].where == "表 1 第 4 行"


def test_outputs_escape_what_the_report_says(tmp_path):
    text = '项目\t2019 年\t2020 年\t增长量\n<script>alert(1)</script>\t1\t2\t5\n=HYPERLINK("http://x")\t1\t2\t7\n'
    path = tmp_path / "evil.txt"
    path.write_text(text, encoding="utf-8")
    result = check_report(path, 2020, "BJZZ024", out_dir=tmp_path / "out", db=tmp_path / "none.duckdb")
    xlsx, html = result.outputs
    page = html.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    ws = load_workbook(xlsx)["问题"]
    labels = [ws.cell(row=r, column=3) for r in range(2, ws.max_row + 1)]
    evil = next(c for c in labels if "HYPERLINK" in str(c.value))
    assert evil.data_type == "s" and str(evil.value).startswith("'=")


SCHOOL_FIGURES = "data_year int, school_code varchar, indicator_code varchar, value double, unit varchar"
CITY_FIGURES = "data_year int, group_name varchar, indicator_code varchar, value double, unit varchar"
FACTS = "data_year int, fact_code varchar, value double, unit varchar"


def _warehouse(path: Path, **tables: tuple[str, list[tuple]]) -> Path:
    """A DuckDB file with the marts tables check-report reads: name=(columns, rows)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for name, (columns, rows) in tables.items():
        con.execute(f"create table marts.{name} ({columns})")
        con.executemany(f"insert into marts.{name} values ({', '.join('?' * len(rows[0]))})", rows)
    con.close()
    return path


def test_figures_are_compared_with_the_submission(tmp_path):
    db = _warehouse(
        tmp_path / "wh.duckdb",
        mart_school_indicator_year=(
            SCHOOL_FIGURES,
            [
                (2020, "BJZZ024", "enrol_secondary", 978, "人"),
                (2020, "BJZZ024", "graduates", 800, "人"),
                (2020, "BJZZ024", "paper_books", 125000, "册"),
                (2020, "BJZZ024", "major_related_employment_rate", 97.2, "%"),
            ],
        ),
    )
    path = tmp_path / "school.txt"
    path.write_text(
        "2020 年学校招生 978 人，毕业生 848 人；纸质图书 12.5 万册，对口就业率达 97.2%，另有 3 个社团。\n",
        encoding="utf-8",
    )
    result = check_report(path, 2020, "BJZZ024", db=db, write=False)
    assert [(p.kind, p.printed, p.expected) for p in result.problems] == [("与填报数据不符", "848 人", "800 人")]
    status = {f.printed: f.status for f in result.figures}
    assert status["978 人"] == status["12.5 万册"] == status["97.2%"] == "一致"
    assert status["3 个"] == "未匹配"
    # the same report written from the warehouse's own numbers lists nothing
    path.write_text(path.read_text(encoding="utf-8").replace("848", "800"), encoding="utf-8")
    assert check_report(path, 2020, "BJZZ024", db=db, write=False).problems == []


def test_cli_writes_workbook_and_page(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VOCWH_HOME", str(tmp_path))
    path = tmp_path / "correct.txt"
    path.write_text(CORRECT_TEXT, encoding="utf-8")
    assert main(["check-report", "--school", "BJZZ024", "--year", "2020", str(path)]) == 0
    out = capsys.readouterr().out
    assert "问题 0 处" in out and "未找到数据仓库" in out
    assert len(list((tmp_path / "report_checks").glob("*/*_核对.*"))) == 2
    assert main(["check-report", "--school", "NOPE", "--year", "2020", str(path)]) == 2
    assert main(["check-report", "--year", "2020", str(tmp_path / "x.rtf")]) == 2


def test_a_city_report_is_compared_with_the_city_figures_and_facts(tmp_path):
    db = _warehouse(
        tmp_path / "city.duckdb",
        fct_city_indicator_year=(
            CITY_FIGURES,
            [
                (2025, "职业院校合计", "fulltime_teachers", 9797, "人"),
                (2025, "中职", "fulltime_teachers", 4804, "人"),
                (2025, "职业院校合计", "virtual_sim_training_bases", 66, "个"),
                (2025, "中职", "students_secondary_ft", 42587, "人"),
            ],
        ),
        fct_report_facts=(FACTS, [(2025, "ch2_comprehensive_hs_students", 2573, "人")]),
    )
    path = tmp_path / "city.txt"
    path.write_text(
        "2025年，全市职业院校专任教师 9779 人。\n"  # misprint of 9797
        "中职学校专任教师 4804 人。\n"
        "鼓励中职学校开设综合高中班，2025年在校生达到2573人。\n"  # a programme's figure: the facts register
        "建成国家示范性虚拟仿真实训基地13个。\n",  # only ends with an indicator's name: a part, not compared
        encoding="utf-8",
    )
    result = check_report(path, 2025, None, db=db, write=False)
    assert [(p.no, p.kind, p.printed) for p in result.problems] == [(1, "与全市数据不符", "9779 人")]
    status = {f.printed: f.status for f in result.figures}
    assert status["4804 人"] == "一致"
    assert status["2573人"].startswith("未匹配") and status["13个"].startswith("未匹配")


@pytest.mark.e2e
def test_the_warehouses_own_city_report_lists_nothing(built_warehouse):
    """The 2025 edition, written from the marts, read back as its Word file: every figure that names a city
    indicator agrees with it."""
    from orchestration import settings

    path = settings.report_dir("2025") / "annual_report.docx"
    result = check_report(path, 2025, None, db=settings.duckdb_path(), write=False)
    assert "已与数据仓库" in result.warehouse_note
    assert result.problems == [], [(p.where, p.kind, p.label, p.printed, p.expected) for p in result.problems]
    assert sum(f.status == "一致" for f in result.figures) >= 50
