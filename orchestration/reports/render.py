"""One renderer for every report edition: chapters in the edition's order, the editors' text of each
chapter with its numbered tables and figures, the data appendix (every number and its source) and the
data-quality appendix. Nothing here knows a chapter: the edition seeds and templates do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from orchestration.reports import numerals
from orchestration.reports.charts import chart
from orchestration.reports.edition import TEMPLATES, Chapter, Edition
from orchestration.reports.metrics import Lookup
from orchestration.reports.sources import NO_CHANGE, NO_PREV, NOT_COLLECTED, Sources
from orchestration.reports.tables import completeness, render_table
from orchestration.reports.trace import Trace, Traced
from orchestration.reports.unchanged import STAMP, stamped

BODY_START, BODY_END = "<main>", "</main>"


def _env() -> Environment:
    """Autoescaped: file names and messages quoted from school files appear as text, never as markup."""
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True, trim_blocks=True)


@dataclass
class Rendered:
    edition: Edition
    html: str
    numbers: list[Traced]
    problems: list[str] = field(default_factory=list)  # unknown metrics/facts/tables, untraced numerals
    prev_missing: bool = False  # the previous data year not loaded: no comparisons (上年数据未采集)
    digest: str = ""  # of what the page shows (reports.unchanged.stamped)

    @property
    def body(self) -> str:
        return self.html[self.html.index(BODY_START) : self.html.index(BODY_END)]


class _Chapter:
    """table() and figure() for one chapter's template; remembers what the text placed."""

    def __init__(self, chapter: Chapter, edition: Edition, sources: Sources):
        self.chapter, self.edition, self.sources = chapter, edition, sources
        self.placed: set[str] = set()

    def table(self, table_id: str) -> Markup:
        spec = self.edition.tables.get(table_id)
        if spec is None or spec.chapter_code != self.chapter.code:
            return self.sources.trace.problem(f"本章没有{table_id}（seeds/editions/{self.edition.layout}/tables.csv）")
        self.placed.add(table_id)
        return render_table(spec, self.edition, self.sources)

    def figure(self, figure_id: str) -> Markup:
        spec = self.edition.figures.get(figure_id)
        if spec is None or spec.chapter_code != self.chapter.code:
            return self.sources.trace.problem(
                f"本章没有{figure_id}（seeds/editions/{self.edition.layout}/figures.csv）"
            )
        self.placed.add(figure_id)
        trace = self.sources.trace
        chapter_where = trace.where
        trace.where = f"{chapter_where} · {figure_id}"
        labels, values, uncollected = [], [], False
        for label, spec_text in spec.items:
            before = len(trace.numbers)
            # traced: the figure's data are in the appendix
            shown = self.sources.number(spec_text, spec.unit, spec.decimals)
            if len(trace.numbers) > before:  # a value, as printed: the bar and its label agree
                labels.append(self.edition.words(label))
                values.append(float(trace.numbers[-1].text.replace(",", "")))
            uncollected = uncollected or shown in (NO_CHANGE, NO_PREV)
        trace.where = chapter_where
        caption = self.edition.words(spec.caption)
        if not values:
            return Markup('<p class="missing">{}：没有数据</p>').format(caption)
        title = caption.split(" ", 2)[-1] if caption.startswith(figure_id) else caption
        src = chart(spec.chart, title, labels, values, spec.unit, spec.decimals)
        note = f"；{NOT_COLLECTED}" if uncollected else ""
        return Markup('<figure><img alt="{}" src="{}"><figcaption>{}（单位：{}{}）</figcaption></figure>\n').format(
            figure_id, src, caption, spec.unit, note
        )

    def rest(self) -> Markup:
        """Numbered tables and figures of the chapter the text did not place: at its end, in order."""
        out = Markup("")
        for figure_id, spec in self.edition.figures.items():
            if spec.chapter_code == self.chapter.code and figure_id not in self.placed:
                out += self.figure(figure_id)
        for table_id, spec in self.edition.tables.items():
            if spec.chapter_code == self.chapter.code and table_id not in self.placed:
                out += self.table(table_id)
        return out


def render_edition(con: duckdb.DuckDBPyConnection, edition: Edition) -> Rendered:
    trace = Trace()
    sources = Sources(con, edition.data_year, trace)
    lookup = Lookup(sources)
    env = _env()
    chapters = []
    for chapter in edition.chapters:
        trace.where = edition.words(chapter.title)
        start = len(trace.numbers)
        ctx = _Chapter(chapter, edition, sources)
        name = f"{edition.template_dir}/{chapter.code}.html.j2"
        if name in env.list_templates():
            text = env.get_template(name).render(
                m=lookup.m,
                f=lookup.f,
                table=ctx.table,
                figure=ctx.figure,
                year=edition.data_year,
                prev=edition.data_year - 1,
                edition=edition,
            )
        else:
            text = trace.problem(f"没有本章的正文模板 {name}")
        text = no_previous_year(Markup(text) + ctx.rest())
        # figures of the text that fewer schools reported than expected get their note at the chapter's end
        prose = [n for n in trace.numbers[start:] if n.where == trace.where]
        for note in completeness(sources, prose, "文中"):
            text += Markup('<p class="note">注：{}</p>\n').format(note)
        chapters.append({"title": edition.words(chapter.title), "code": chapter.code, "text": text})
    html = env.get_template("edition_page.html.j2").render(
        edition=edition,
        chapters=chapters,
        numbers=trace.numbers,
        quality=_quality(con, edition.data_year),
        prev_missing=sources.prev_missing,
        generated_at=STAMP,
    )
    html, digest = stamped(html)
    rendered = Rendered(edition, html, trace.numbers, list(trace.problems), sources.prev_missing, digest)
    rendered.problems += [str(u) for u in numerals.untraced(rendered.body)]
    return rendered


_MARK = f"[{NO_CHANGE}{NO_PREV}]"
_SINCE = r"(?:较|比|与)\s*(?:上一?年度?|(?:19|20)\d{2}\s*[年届])(?:相比)?"  # 较上一年, 比上年, 比 2019 届
_RUN = rf"{_MARK}(?:\s*(?:[，,、和]|以及)\s*(?:{_SINCE})?\s*{_MARK})*"  # 增加 248 人，增幅 3.2% / 分别…和…
_CLAUSE = re.compile(rf"(?:[，,]\s*)?(?:分别)?{_SINCE}\s*(?:分别)?\s*{_RUN}|[，,]\s*(?:分别)?\s*{_RUN}")
_REST = re.compile(_RUN)


def no_previous_year(text: Markup) -> Markup:
    """Words what the templates print of a previous year that is not loaded: a clause about the change
    ('，较上一年增加 248 人，增幅 3.2%') becomes （上年数据未采集）; a change the sentence names as its
    subject's ('与 2024 年相比，职业高中校减少 2 所') 的变化无法计算（上年数据未采集）; a value （上年数据未采集）."""
    if NO_CHANGE not in text and NO_PREV not in text:
        return text
    said = f"（{NOT_COLLECTED}）"
    out = _CLAUSE.sub(said, str(text))
    out = _REST.sub(lambda m: ("" if NO_PREV in m.group() else "的变化无法计算") + said, out)
    return Markup(out.replace(said + said, said))


def _quality(con: duckdb.DuckDBPyConnection, year: int) -> dict:
    accepted = con.execute(
        "select count(distinct school_code) from staging.stg_submissions where data_year = ? and is_current", [year]
    ).fetchone()[0]
    expected = con.execute(
        "select count(*) from intermediate.int_school_years where data_year = ? and in_city_scope", [year]
    ).fetchone()[0]
    # a school whose latest file is refused (is_latest: dbt decides which version is the latest)
    quarantined = con.execute(
        """
        select file_name, rule_id, message_zh from marts.fct_submission_findings
        where data_year = ? and is_latest and submission_status = 'quarantined' and severity = 'error'
        order by file_name, sheet, row_number
        """,
        [year],
    ).df()
    return {"accepted": accepted, "expected": expected, "quarantined": quarantined.to_dict("records")}
