"""One data report per school and data year, through the city report's renderer: the school's figures by
chapter (this year, last year, the change in the indicator's own unit, its level's city figure, its rank),
the indicators its template asked for that it left blank, and the warnings it must still explain or has
explained. Numbers come from marts.mart_school_indicator_year and are printed through the same formatting
path and trace as the city report (every number a <span class="n">, the numeral check run over the body);
what a school wrote (explanations) is autoescaped text. Files: var/reports/<year>/schools/
<code>_<name>_<year>.{html,docx,pdf}, written together into a fresh folder and swapped in.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from markupsafe import Markup

from orchestration.reports import numerals
from orchestration.reports.formatting import grouped, scale_for, signed
from orchestration.reports.render import _env
from orchestration.reports.sources import clean
from orchestration.reports.tables import Data
from orchestration.reports.trace import Trace
from orchestration.reports.unchanged import STAMP, stamped

MART = "marts.mart_school_indicator_year"
REPORTING = "marts.mart_school_reporting"
FINDINGS = "marts.fct_submission_findings"
TEMPLATE = "school_report.html.j2"

INDICATORS = f"""
    select s.*, i.chapter, i.chapter_code, i.table_row
    from {MART} s left join marts.dim_indicator i on i.indicator_code = s.indicator_code
    where s.data_year = ? and (s.value is not null or s.prev_value is not null)
    order by s.school_code, i.chapter_code, i.table_row, s.indicator_code
"""
# the schools that submitted (a current accepted file) and what their template asked of them
REPORTED = f"""
    select school_code, school_name, level, row_order, indicator_code, indicator_name, unit, reported
    from {REPORTING} where data_year = ? and submitted
    order by school_code, row_order, indicator_code
"""
# warnings of the file the marts use: still to explain (open) and explained (with the school's text)
WARNINGS = f"""
    select school_code, rule_id, title_zh, indicator_name, sheet, cell, message_zh, resolution, resolution_text,
           resolved_at
    from {FINDINGS}
    where data_year = ? and is_current and severity = 'warning' and resolution in ('open', 'explained')
    order by school_code, resolution desc, sheet, row_number, rule_id
"""


@dataclass
class YearData:
    """What the school reports of a data year read from the marts, read once (under the writer lock)."""

    year: int
    schools: dict[str, dict]  # code -> {school_name, level}: every school that submitted
    indicators: pd.DataFrame
    reported: pd.DataFrame
    warnings: pd.DataFrame


def load_year(con: duckdb.DuckDBPyConnection, year: int) -> YearData:
    reported = con.execute(REPORTED, [year]).df()
    schools = {
        r["school_code"]: {"school_name": r["school_name"], "level": r["level"]}
        for r in reported.drop_duplicates("school_code").to_dict("records")
    }
    return YearData(
        year,
        schools,
        con.execute(INDICATORS, [year]).df(),
        reported,
        con.execute(WARNINGS, [year]).df(),
    )


@dataclass
class SchoolReport:
    school_code: str
    school_name: str
    year: int
    html: str
    numbers: list = field(default_factory=list)  # Traced, as the city report records them
    problems: list[str] = field(default_factory=list)
    digest: str = ""  # of what the report shows, its generation time left out: unchanged reports are kept


def shown_unit(row: dict) -> str:
    """Amounts in 元 print in 万元 (as the city report prints them): a school's budget fits its column."""
    return "万元" if row["unit"] == "元" and row["value_type"] == "amount" else row["unit"]


def _decimals(row: dict) -> int:
    """Counts as whole numbers where they are whole (head counts); amounts, rates, ratios with 2 decimals."""
    values = [v for v in (clean(row["value"]), clean(row["prev_value"])) if v is not None]
    return 0 if row["value_type"] == "count" and all(float(v).is_integer() for v in values) else 2


class _Numbers:
    """Printed numbers of one school's report, each traced to its row of the school mart."""

    def __init__(self, trace: Trace, year: int):
        self.trace, self.year = trace, year

    def mark(self, row: dict, measure: str, text: str, value, unit: str, display_unit: str = "") -> Markup:
        return self.trace.mark(
            text,
            source_kind="指标",
            relation=MART,
            source_key=f"{row['indicator_code']} · {row['school_code']} · {self.year} · {measure}",
            data_year=self.year - (1 if measure == "prev_value" else 0),
            value=value,
            unit=unit,
            display_unit=display_unit or unit,
            reporting="",
            note=row["indicator_name"],
        )

    def value(self, row: dict, measure: str, decimals: int) -> Markup | str:
        value = clean(row[measure])
        if value is None:
            return "—"
        shown = shown_unit(row)
        return self.mark(
            row, measure, grouped(value / scale_for(row["unit"], shown), decimals), value, row["unit"], shown
        )

    def change(self, row: dict, decimals: int) -> Markup | str:
        """The change in the indicator's semantics: a difference and a percent (counts, amounts), percentage
        points (rates), a difference (ratios such as 生师比)."""
        semantics = row["change_semantics"]
        if semantics == "percentage_points":
            pp = clean(row["change_pp"])
            if pp is None:
                return "—"
            return self.mark(row, "change_pp", signed(pp, 2), pp, "个百分点") + Markup(" 个百分点")
        diff = clean(row["change_abs"])
        if diff is None:
            return "—"
        shown = shown_unit(row)
        text = self.mark(
            row, "change_abs", signed(diff / scale_for(row["unit"], shown), decimals), diff, row["unit"], shown
        )
        pct = clean(row["change_pct"])
        if semantics == "difference_and_percent" and pct is not None:
            text += Markup("（{}%）").format(self.mark(row, "change_pct", signed(pct, 2), pct, "%"))
        return text

    def city(self, row: dict, decimals: int) -> Markup | str:
        city = self.value(row, "city_value", decimals)
        share = clean(row["share_of_city_pct"])
        if share is not None and city != "—":  # a level total: the school's share of it
            city += Markup('<br><span class="share">（本校占 {}%）</span>').format(
                self.mark(row, "share_of_city_pct", grouped(share, 2), share, "%")
            )
        return city

    def rank(self, row: dict) -> Markup | str:
        rank, ranked = clean(row["level_rank"]), clean(row["schools_ranked"])
        if rank is None or ranked is None:
            return "—"
        return (
            self.mark(row, "level_rank", str(int(rank)), int(rank), "名")
            + Markup("/")
            + self.mark(row, "schools_ranked", str(int(ranked)), int(ranked), "所")
        )


def render_school(data: YearData, school_code: str) -> SchoolReport:
    school = data.schools[school_code]
    trace = Trace()
    numbers = _Numbers(trace, data.year)
    mine = data.indicators[data.indicators["school_code"] == school_code]
    chapters: dict[str, dict] = {}
    for row in mine.to_dict("records"):
        title = row["chapter"] if isinstance(row["chapter"], str) else "其他"
        chapter = chapters.setdefault(title, {"title": title, "rows": []})
        trace.where = f"{title} · {row['indicator_name']}"
        decimals = _decimals(row)
        chapter["rows"].append(
            {
                "name": row["indicator_name"],
                "unit": shown_unit(row),
                "value": numbers.value(row, "value", decimals),
                "prev": numbers.value(row, "prev_value", decimals),
                "change": numbers.change(row, decimals),
                "city": numbers.city(row, decimals),
                "rank": numbers.rank(row),
            }
        )
    reported = data.reported[data.reported["school_code"] == school_code]
    blank = reported[~reported["reported"].astype(bool)].to_dict("records")
    trace.where = "填报完整性"
    asked, blank_count = (
        _count(trace, school_code, data.year, n, what) for n, what in ((len(reported), "asked"), (len(blank), "blank"))
    )
    warnings = data.warnings[data.warnings["school_code"] == school_code]
    # what the school wrote is data: shown as text (autoescaped) and left out of the numeral check
    open_ = [_warning(w) for w in warnings[warnings["resolution"] == "open"].to_dict("records")]
    explained = [_warning(w) for w in warnings[warnings["resolution"] == "explained"].to_dict("records")]
    html = (
        _env()
        .get_template(TEMPLATE)
        .render(
            school_code=school_code,
            school_name=school["school_name"],
            level=school["level"],
            year=data.year,
            chapters=list(chapters.values()),
            asked=asked,
            blank_count=blank_count,
            blank=[{"name": Data(b["indicator_name"]), "unit": Data(b["unit"])} for b in blank],
            open_warnings=open_,
            explained=explained,
            generated_at=STAMP,
        )
    )
    html, digest = stamped(html)
    report = SchoolReport(
        school_code, school["school_name"], data.year, html, trace.numbers, list(trace.problems), digest
    )
    body = html[html.index("<main>") : html.index("</main>")]
    report.problems += [str(u) for u in numerals.untraced(body)]
    return report


def _count(trace: Trace, school_code: str, year: int, n: int, what: str) -> Markup:
    """How many indicators the school's template asked for / it left blank (rows of the reporting mart)."""
    key = "reported" if what == "asked" else "not reported"
    return trace.mark(
        str(n),
        source_kind="指标",
        relation=REPORTING,
        source_key=f"{school_code} · {year} · count of rows{'' if what == 'asked' else ' where ' + key}",
        data_year=year,
        value=n,
        unit="项",
        display_unit="项",
        reporting="",
        note="模板要求填报的指标" if what == "asked" else "未填报的指标",
    )


def _text(value) -> str | None:
    """A text or date cell of a frame: None for NULL (None, NaN, NaT)."""
    return None if value is None or pd.isna(value) else value


def _warning(w: dict) -> dict:
    at = _text(w["resolved_at"])
    return {
        "rule": Data(w["rule_id"]),
        "title": Data(_text(w["title_zh"]) or ""),
        "where": Data(" ".join(str(x) for x in (_text(w["indicator_name"]), _text(w["sheet"]), _text(w["cell"])) if x)),
        "message": Data(_text(w["message_zh"]) or ""),
        "text": Data(_text(w["resolution_text"]) or ""),
        "at": Data(pd.Timestamp(at).strftime("%Y-%m-%d") if at is not None else ""),
    }


UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def file_stem(school_code: str, school_name: str, year: int) -> str:
    """<code>_<name>_<year>, the name without characters a file name cannot hold."""
    return UNSAFE.sub("_", f"{school_code}_{school_name}_{year}").strip(". ")


@dataclass
class Written:
    folder: Path
    files: dict[str, dict[str, Path]]  # school code -> kind -> path
    seconds: dict[str, float]  # html (render), docx, pdf: total seconds over the schools
    problems: list[str]
    kept: int = 0  # schools whose report showed the same as before: its files carried over, not rewritten


def _write_pdfs(prints: list[tuple[str, Path]]) -> None:
    """Laying out the pages takes about a second per school: one process per core (spawned: the calling
    process runs Dagster's threads)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from orchestration.reports.pdf import html_to_pdf

    if len(prints) < 2:
        for html, path in prints:
            html_to_pdf(html, path)
        return
    workers = min(os.cpu_count() or 1, len(prints))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(html_to_pdf, *zip(*prints, strict=True), chunksize=4))


def write_school_reports(data: YearData, out_dir: Path, pdf: bool = True, lock=None) -> Written:
    """Every school's report of the year, swapped in together for out_dir (build.swap_in). `lock`, if given, is
    held around the swap (the writer lock)."""
    from orchestration.reports.build import for_print, swap_in
    from orchestration.reports.unchanged import Unchanged
    from orchestration.reports.word import html_to_docx

    seconds = {"html": 0.0, "docx": 0.0, "pdf": 0.0}
    files: dict[str, dict[str, Path]] = {}
    problems: list[str] = []

    unchanged = Unchanged(out_dir)

    def write(work: Path) -> None:
        prints: list[tuple[str, Path]] = []
        kinds = ["html", "docx", "pdf"] if pdf else ["html", "docx"]
        for code in sorted(data.schools):
            start = time.perf_counter()
            report = render_school(data, code)
            problems.extend(f"{code}：{p}" for p in report.problems)
            stem = file_stem(code, report.school_name, data.year)
            files[code] = {kind: out_dir / f"{stem}.{kind}" for kind in kinds}
            if unchanged.keep(stem, report.digest, list(files[code].values()), work):
                continue
            (work / f"{stem}.html").write_text(report.html, encoding="utf-8")
            seconds["html"] += time.perf_counter() - start
            start = time.perf_counter()
            html_to_docx(report.html, work / f"{stem}.docx")
            seconds["docx"] += time.perf_counter() - start
            if pdf:
                prints.append((for_print(report.html), work / f"{stem}.pdf"))
        start = time.perf_counter()
        _write_pdfs(prints)
        seconds["pdf"] = time.perf_counter() - start
        unchanged.save(work)

    # written beside the year's folder, not in it: the year's edition, built meanwhile in another step,
    # replaces that folder whole (it carries schools/ over, under the writer lock this swap holds too)
    out_dir.parent.parent.mkdir(parents=True, exist_ok=True)
    swap_in(out_dir, write, work_in=out_dir.parent.parent, lock=lock)
    return Written(out_dir, files, seconds, problems, unchanged.kept)
