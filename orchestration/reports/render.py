"""Render chapter 一 from the marts: prose template, charts, tables, footnotes and data-quality appendix."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from orchestration import catalogue
from orchestration.reports.charts import bar_chart
from orchestration.reports.formatting import grouped, signed
from orchestration.reports.metrics import Metrics

TEMPLATES = Path(__file__).parent / "templates"
TABLE_GROUPS = ("职业院校合计", "高职", "中职")
RATE_DECIMALS = 2


def _env() -> Environment:
    """Autoescaped: file names and messages quoted from school files appear as text, never as markup."""
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True, trim_blocks=True)


def _cell(value, unit: str, value_type: str) -> str:
    if pd.isna(value):
        return "—"
    fractional = value_type in ("rate", "per_student", "ratio") or unit == "元"
    return grouped(value, RATE_DECIMALS if fractional else 0)


def _change(r: dict) -> str:
    if r["change_semantics"] == "percentage_points":
        return "—" if pd.isna(r["change_pp"]) else f"{signed(float(r['change_pp']), 2)} 个百分点"
    if pd.isna(r["change_abs"]):
        return "—"
    pct = "" if pd.isna(r["change_pct"]) else f"（{signed(float(r['change_pct']), 2)}%）"
    return f"{signed(float(r['change_abs']), 2 if r['unit'] == '元' else 0)}{pct}"


def _tables(mart: pd.DataFrame, year: int) -> dict[str, list[dict]]:
    rows = mart[(mart["data_year"] == year) & mart["group_name"].isin(TABLE_GROUPS)].sort_values(["official_table", "table_row"])
    out: dict[str, list[dict]] = {g: [] for g in TABLE_GROUPS}
    for r in rows.to_dict("records"):
        out[r["group_name"]].append(
            {
                "name": r["indicator_name"],
                "unit": r["unit"],
                "prev": _cell(r["prev_value"], r["unit"], r["value_type"]),
                "value": _cell(r["value"], r["unit"], r["value_type"]),
                "change": _change(r),
                "completeness": f"{int(r['schools_reporting'])}/{int(r['schools_expected'])}",
            }
        )
    return out


def _quality(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    accepted = con.execute(
        "select count(distinct school_code) from staging.stg_submissions where data_year = ? and is_current", [year]
    ).fetchone()[0]
    expected = con.execute(
        "select count(*) from intermediate.int_school_years where data_year = ? and in_city_scope", [year]
    ).fetchone()[0]
    quarantined = con.execute(
        """
        select f.file_name, f.rule_id, f.message_zh
        from staging.stg_submission_findings f
        join staging.stg_submissions s using (submission_id)
        where s.data_year = ? and s.status = 'quarantined' and f.severity = 'error'
          and not exists (select 1 from staging.stg_submissions c
                          where c.is_current and c.school_code = s.school_code and c.data_year = s.data_year
                            and c.loaded_at > s.loaded_at)
        order by f.file_name, f.sheet, f.row_number
        """,
        [year],
    ).df()
    return {"accepted": accepted, "expected": expected, "quarantined": quarantined.to_dict("records")}


def _prose_template(env: Environment, year: int) -> str | None:
    """Editors' prose follows one report's structure: ch1_overview_<template version>.html.j2."""
    versions = {catalogue.template_version_for(year, level) for level in catalogue.LEVELS} - {None}
    names = [f"ch1_overview_{v}.html.j2" for v in sorted(versions, reverse=True)]
    return next((n for n in names if n in env.list_templates()), None)


def _charts(m: Metrics, year: int) -> dict[str, str]:
    return {
        "schools": bar_chart(
            f"图 1-1 {year} 年北京市各类职业院校数量",
            ["高职院校", "中专学校", "职业高中"],
            [float(m("school_count", g).row["value"]) for g in ("高职", "中专", "职业高中")],
            "所",
        ),
        "students": bar_chart(
            f"图 1-2 {year} 年北京职业院校各类学历教育在校生数",
            ["全日制专科", "全日制本科", "全日制中职"],
            [float(m(code, g).v("万人", 4)) for code, g in (("students_associate_ft", "高职"), ("students_bachelor_ft", "高职"), ("students_secondary_ft", "中职"))],
            "万人",
            decimals=2,
        ),
    }


def render_chapter1(con: duckdb.DuckDBPyConnection, year: int) -> str:
    mart = con.execute("select * from marts.mart_ch1_indicators").df()
    metrics = Metrics(mart, year)
    env = _env()
    prose = _prose_template(env, year)
    if prose:
        chapter = Markup(env.get_template(prose).render(m=metrics, year=year, charts=_charts(metrics, year)))
    else:
        chapter = Markup("<h1>一、基本概况</h1><p>本数据年度没有编辑正文模板，以下仅列出数据表。</p>")
    return env.get_template("report_page.html.j2").render(
        year=year,
        chapter=chapter,
        table_groups=[g for g, rows in _tables(mart, year).items() if rows],
        table_rows=_tables(mart, year),
        footnotes=metrics.footnotes(),
        quality=_quality(con, year),
        generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
