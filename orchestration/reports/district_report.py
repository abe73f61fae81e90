"""District reports (区级职业教育质量数据报告), in the form of the 昌平区 中职 2020 report (004): per level, the
district's figures of the previous and the current year side by side with 增长量 and 增长率 (a rate changes in
个百分点 and has no 增长率; a ratio such as 生师比 changes as a ratio), then each school's figures in the same
form. The district figures are marts.mart_district_indicator_year (aggregated as the city figures are), the
schools' marts.mart_school_indicator_year; this module only formats them (formatting.py) and writes HTML, Word
and PDF through the edition's building blocks (word.html_to_docx, pdf.html_to_pdf, build.swap_in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from orchestration import settings
from orchestration.reports.formatting import grouped, scale_for, signed
from orchestration.reports.unchanged import STAMP, stamped

TEMPLATES = Path(__file__).parent / "templates"
LEVELS = ("高职", "中职")
NUMERALS = "一二三四五六七八九十"

# the district's figures and its schools' figures, in the catalogue's order
DISTRICT_ROWS = """
    select d.level, d.indicator_code, d.indicator_name, d.unit, d.value_type, d.value, d.prev_value,
           d.change_abs, d.change_pct, d.change_pp, d.schools_reporting, d.schools_expected
    from marts.mart_district_indicator_year as d
    inner join marts.dim_indicator as i on i.indicator_code = d.indicator_code
    where d.data_year = ? and d.district = ? and (d.value is not null or d.prev_value is not null)
    order by d.level desc, i.chapter_code, i.official_table nulls last, i.table_row nulls last, d.indicator_code
"""
SCHOOL_ROWS = """
    select s.level, s.school_code, s.school_name, s.indicator_code, s.indicator_name, s.unit, s.value_type,
           s.value, s.prev_value, s.change_abs, s.change_pct, s.change_pp
    from marts.mart_school_indicator_year as s
    inner join marts.dim_indicator as i on i.indicator_code = s.indicator_code
    -- the schools the district's figures count (not a school excluded as non-vocational)
    inner join intermediate.int_school_years as y
        on y.data_year = s.data_year and y.school_code = s.school_code and y.in_district_scope
    where s.data_year = ? and s.district = ? and (s.value is not null or s.prev_value is not null)
    order by s.level desc, s.school_code, i.chapter_code, i.official_table nulls last, i.table_row nulls last,
             s.indicator_code
"""


@dataclass
class Row:
    """One line of a table: 项目（单位） | 上年 | 本年 | 增长量 | 增长率."""

    name: str
    prev: str
    cur: str
    change: str
    change_pct: str
    note: str = ""


@dataclass
class Block:
    """A titled table: the district's figures of a level, or one school's."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    level: str
    schools: int
    district: Block
    school_blocks: list[Block]


@dataclass
class DistrictReport:
    district: str
    data_year: int
    sections: list[Section]

    @property
    def title(self) -> str:
        return f"{self.district} {self.data_year} 年职业教育质量数据报告"


def display_unit(unit: str | None, value_type: str) -> tuple[str, int, int]:
    """(unit printed, scale, decimals): amounts in 万元 with 2 decimals as 004 prints them; rates to 0.1 %;
    per-student values and ratios to 2 and 1 decimals; counts and areas whole."""
    unit = unit or ""
    if value_type == "rate":
        return "%", 1, 1
    if value_type == "ratio":
        return unit, 1, 1
    if value_type == "amount" and unit == "元":
        return "万元", scale_for("元", "万元"), 2
    if value_type in ("per_student", "amount"):
        return unit, 1, 2
    return unit, 1, 0  # counts and areas (平方米) whole, as 004 prints them


def _value(value: float | None, value_type: str, scale: int, decimals: int) -> str:
    if value is None:
        return "—"
    if value_type == "ratio":
        return f"{grouped(value, decimals)}:1"
    return grouped(value / scale, decimals)


def table_row(r: dict) -> Row:
    """A figure and its change as 004 sets them: a count or amount with 增长量 and 增长率 (%); a rate with its
    change in 个百分点 and no 增长率; a ratio with its difference."""
    unit, scale, decimals = display_unit(r["unit"], r["value_type"])
    name = f"{r['indicator_name']}（{unit}）" if unit and r["value_type"] != "ratio" else r["indicator_name"]
    change, pct = "—", "—"
    if r["value_type"] == "rate":
        if r["change_pp"] is not None:
            change = f"{signed(r['change_pp'], decimals)} 个百分点"
    elif r["change_abs"] is not None:
        change = signed(r["change_abs"] / scale, decimals)
        if r["change_pct"] is not None:
            pct = f"{signed(r['change_pct'], 1)}%"
    return Row(
        name,
        _value(r["prev_value"], r["value_type"], scale, decimals),
        _value(r["value"], r["value_type"], scale, decimals),
        change,
        pct,
    )


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def districts_with_schools(con: duckdb.DuckDBPyConnection, data_year: int) -> list[str]:
    """Districts with at least one school in the data year's district figures."""
    rows = con.execute(
        "select distinct district from marts.mart_district_indicator_year "
        "where data_year = ? and indicator_code = 'school_count' and value > 0 order by district",
        [data_year],
    ).fetchall()
    return [r[0] for r in rows]


def schools_without_district(con: duckdb.DuckDBPyConnection, data_year: int) -> list[str]:
    """Schools of the data year's collections that no district report counts because the registry
    (seeds/schools.csv) has no district for them: "code name" each."""
    rows = con.execute(
        "select y.school_code || ' ' || s.school_name from intermediate.int_school_years as y "
        "join marts.dim_school as s using (school_code) "
        "where y.data_year = ? and y.is_collected and y.district is null "
        "order by y.school_code",
        [data_year],
    ).fetchall()
    return [r[0] for r in rows]


def district_report(con: duckdb.DuckDBPyConnection, district: str, data_year: int) -> DistrictReport:
    district_rows = _dicts(con.execute(DISTRICT_ROWS, [data_year, district]))
    school_rows = _dicts(con.execute(SCHOOL_ROWS, [data_year, district]))
    sections = []
    for level in [lv for lv in LEVELS if any(r["level"] == lv for r in district_rows)]:
        rows = [r for r in district_rows if r["level"] == level]
        count = next((r["value"] for r in rows if r["indicator_code"] == "school_count"), None) or 0
        block = Block(f"{district}{level}总体数据", [table_row(r) for r in rows])
        missing = [
            f"{r['indicator_name']}（{r['schools_expected'] - r['schools_reporting']} 所未填报）"
            for r in rows
            if r["schools_reporting"] < r["schools_expected"] and r["indicator_code"] != "school_count"
        ]
        if missing:
            block.notes.append(
                f"注：共 {int(count)} 所学校；以下各项部分学校未填报，为已填报学校的合计：" + "、".join(missing) + "。"
            )
        schools: dict[str, Block] = {}
        for r in school_rows:
            if r["level"] == level:
                schools.setdefault(r["school_code"], Block(r["school_name"])).rows.append(table_row(r))
        sections.append(Section(level, int(count), block, list(schools.values())))
    return DistrictReport(district, data_year, sections)


def render(report: DistrictReport, prev_loaded: bool) -> tuple[str, str]:
    """(the page, digest of what it shows: build.stamped)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True, trim_blocks=True)
    return stamped(
        env.get_template("district_report.html.j2").render(
            report=report, numerals=NUMERALS, prev_loaded=prev_loaded, generated_at=STAMP
        )
    )


def report_dir(data_year: int) -> Path:
    """A data year's district reports. Not under reports/<edition>/: an edition's build replaces that folder
    whole, which would delete them."""
    return settings.home() / "reports" / "districts" / str(data_year)


def build_district_reports(con: duckdb.DuckDBPyConnection, data_year: int, out_dir: Path | None = None) -> dict:
    """Every district's report of the data year, HTML + Word + PDF, swapped in together (build.swap_in):
    {district: {kind: path}}."""
    from orchestration.reports.build import for_print, swap_in
    from orchestration.reports.pdf import html_to_pdf
    from orchestration.reports.sources import loaded_years
    from orchestration.reports.unchanged import Unchanged
    from orchestration.reports.word import html_to_docx

    out_dir = out_dir or report_dir(data_year)
    prev_loaded = data_year - 1 in loaded_years(con)
    reports = [district_report(con, d, data_year) for d in districts_with_schools(con, data_year)]
    files: dict[str, dict[str, Path]] = {}

    unchanged = Unchanged(out_dir)

    def write(work: Path) -> None:
        for report in reports:
            html, digest = render(report, prev_loaded)
            stem = f"{report.district}_{data_year}"
            files[report.district] = {k: out_dir / f"{stem}.{k}" for k in ("html", "docx", "pdf")}
            if unchanged.keep(stem, digest, list(files[report.district].values()), work):
                continue
            (work / f"{stem}.html").write_text(html, encoding="utf-8")
            html_to_docx(html, work / f"{stem}.docx")
            html_to_pdf(for_print(html), work / f"{stem}.pdf")
        unchanged.save(work)

    swap_in(out_dir, write)
    return files
