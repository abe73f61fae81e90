"""One check of one report: read → figures → arithmetic → matching → workbook and HTML page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import settings
from orchestration.report_check import arithmetic, figures, matching, output
from orchestration.report_check.model import Figure, Line, Problem
from orchestration.report_check.reading import read_report


@dataclass
class CheckResult:
    file: Path
    year: int
    school: str | None
    school_name: str
    warehouse_note: str
    problems: list[Problem] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)

    @property
    def unmatched(self) -> list[Figure]:
        return [f for f in self.figures if f.status.startswith("未匹配")]


def table_figures(lines: list[Line]) -> list[Figure]:
    out: list[Figure] = []
    for table in figures.tables(lines):
        rows = arithmetic.change_rows(table)
        if rows:
            for row, cells, is_rate in rows:
                for key, year in zip(("a", "b"), row.years or (None, None), strict=True):
                    c = cells[key]
                    unit = "%" if c.percent or is_rate else (":1" if c.ratio else figures.unit_in_label(row.label))
                    out.append(Figure(row.where, row.no, row.label, c.value, unit, c.printed, year, context=row.label))
            continue
        header = table.header.cells or ()
        for ln in table.rows:
            cells = ln.cells or ()
            first = cells[0] if cells else ""
            year = figures.header_year(first)
            for i, text in enumerate(cells):
                c = figures.parse_cell(text) if i > 0 else None
                if c is None:
                    continue
                col = header[i] if i < len(header) and len(header) == len(cells) else ""
                label = col if year else " ".join(x for x in (first, col) if x)
                unit = "%" if c.percent else (":1" if c.ratio else figures.unit_in_label(label))
                out.append(Figure(ln.where, ln.no, label, c.value, unit, c.printed, year, context=ln.text.strip()))
    return out


def check_report(
    path: Path,
    year: int,
    school: str | None = None,
    out_dir: Path | None = None,
    db: Path | None = None,
    write: bool = True,
) -> CheckResult:
    from orchestration.catalogue import schools

    school_rec = schools().get(school) if school else None
    if school and school_rec is None:
        raise ValueError(f"学校代码 {school} 不在学校名录（seeds/schools.csv）中")
    level = school_rec.level if school_rec else None
    lines = read_report(path)
    sentences = figures.prose(lines)
    tables = figures.tables(lines)

    problems: list[Problem] = []
    change_rows = []
    for t in tables:
        problems += arithmetic.check_change_table(t) + arithmetic.check_ratio_cells(t)
        change_rows += arithmetic.change_rows(t)
    problems += arithmetic.check_prose_changes(sentences, change_rows)
    problems += arithmetic.check_parts(sentences)

    figs = [f for s in sentences for _, _, f in s.figures] + table_figures(lines)
    figs.sort(key=lambda f: f.no)
    wh = matching.load_values(db or settings.duckdb_path(), year, school)
    for f in figs:
        p = matching.compare(f, level, year, wh, school)
        if p:
            problems.append(p)
    flagged = {(p.no, p.printed) for p in problems}
    for f in figs:
        if (f.no, f.printed) in flagged and f.status in ("变化量", ""):
            f.status = "算术有误"
    problems.sort(key=lambda p: (p.no, p.kind))

    result = CheckResult(path, year, school, school_rec.name if school_rec else "全市", wh.note, problems, figs)
    if write:
        name = re.sub(r"[^\w.-]+", "_", f"{path.stem}_{school or 'city'}_{year}")
        target = out_dir or settings.home() / "report_checks" / name
        result.outputs = output.write(result, target, name)
    return result
