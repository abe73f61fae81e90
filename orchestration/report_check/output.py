"""The check's two outputs: a workbook (问题 / 数字 / 说明) and an HTML page. Everything taken from the report
is escaped: text cells never become formulas (safe_cell), HTML is autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from orchestration.report_check.numbers import shown
from orchestration.workbook_text import safe_cell

if TYPE_CHECKING:
    from orchestration.report_check.check import CheckResult

PROBLEM_COLUMNS = ("位置", "类别", "项目", "报告中的数", "应为", "说明", "上下文")
FIGURE_COLUMNS = (
    "位置",
    "项目（报告原文）",
    "数值",
    "单位",
    "年份",
    "指标代码",
    "指标名称",
    "状态",
    "仓库数值",
    "上下文",
)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>报告核对：{{ r.file.name }}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}th{background:#eee}.bad{color:#b00}</style>
</head><body>
<h1>报告核对：{{ r.file.name }}</h1>
<p>{{ r.school_name }}{% if r.school %}（{{ r.school }}）{% endif %}，数据年度 {{ r.year }}。
{{ r.warehouse_note }}。</p>
<p>发现问题 {{ r.problems|length }} 处；报告中的数字 {{ r.figures|length }} 个，其中未能匹配到指标的
{{ r.unmatched|length }} 个（列于文末）。</p>
<h2>问题</h2>
{% if r.problems %}<table><tr>{% for c in problem_columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for p in r.problems %}<tr><td>{{ p.where }}</td><td>{{ p.kind }}</td><td>{{ p.label }}</td>
<td class="bad">{{ p.printed }}</td><td>{{ p.expected }}</td><td>{{ p.reason }}</td><td>{{ p.context }}</td></tr>
{% endfor %}</table>{% else %}<p>未发现问题。</p>{% endif %}
<h2>未匹配的数字</h2>
{% if r.unmatched %}<table><tr><th>位置</th><th>项目（报告原文）</th><th>数值</th><th>上下文</th></tr>
{% for f in r.unmatched %}<tr><td>{{ f.where }}</td><td>{{ f.label }}</td><td>{{ f.printed }}</td>
<td>{{ f.context }}</td></tr>{% endfor %}</table>{% else %}<p>无。</p>{% endif %}
<h2>全部数字</h2>
<table><tr>{% for c in figure_columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for f in r.figures %}<tr><td>{{ f.where }}</td><td>{{ f.label }}</td><td>{{ f.printed }}</td><td>{{ f.unit }}</td>
<td>{{ f.year or '' }}</td><td>{{ f.indicator_code }}</td><td>{{ f.indicator_name }}</td><td>{{ f.status }}</td>
<td>{{ f.warehouse_value }}</td><td>{{ f.context }}</td></tr>{% endfor %}</table>
</body></html>
"""


def render_html(result: CheckResult) -> str:
    env = Environment(autoescape=True)
    return env.from_string(PAGE).render(r=result, problem_columns=PROBLEM_COLUMNS, figure_columns=FIGURE_COLUMNS)


def _sheet(ws, columns, rows) -> None:
    ws.append(list(columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for col in ws.iter_cols(min_row=2):
        for c in col:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def write_workbook(result: CheckResult, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "问题"
    _sheet(
        ws,
        PROBLEM_COLUMNS,
        [(p.where, p.kind, p.label, p.printed, p.expected, p.reason, p.context) for p in result.problems],
    )
    _sheet(
        wb.create_sheet("数字"),
        FIGURE_COLUMNS,
        [
            (
                f.where,
                f.label,
                shown(f.value),
                f.unit,
                f.year,
                f.indicator_code,
                f.indicator_name,
                f.status,
                f.warehouse_value,
                f.context,
            )
            for f in result.figures
        ],
    )
    info = wb.create_sheet("说明")
    for row in (
        ("文件", result.file.name),
        ("学校", f"{result.school_name} {result.school or ''}".strip()),
        ("数据年度", result.year),
        ("仓库", result.warehouse_note),
        ("问题数", len(result.problems)),
        ("数字个数", len(result.figures)),
        ("未匹配", len(result.unmatched)),
    ):
        info.append([safe_cell(v) for v in row])
    wb.save(path)


def write(result: CheckResult, target: Path, name: str) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    xlsx, html = target / f"{name}_核对.xlsx", target / f"{name}_核对.html"
    write_workbook(result, xlsx)
    html.write_text(render_html(result), encoding="utf-8")
    return [xlsx, html]
