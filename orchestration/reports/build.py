"""One build of an edition: render once, check every numeral, then write HTML, Word, PDF and the data
appendix CSV into var/reports/<edition>/ — all of them or, when the check fails, none.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.reports.edition import Edition
from orchestration.reports.render import Rendered, render_edition
from orchestration.reports.sources import loaded_years
from orchestration.reports.unchanged import Unchanged
from orchestration.workbook_text import safe_cell

APPENDIX_COLUMNS = {
    "ref": "编号",
    "where": "位置",
    "text": "数字",
    "display_unit": "单位",
    "source_kind": "来源",
    "relation": "来源表",
    "source_key": "来源行",
    "data_year": "数据年度",
    "value": "原值",
    "unit": "原值单位",
    "reporting": "填报/应报",
    "note": "说明",
}


KEPT = "schools"  # var/reports/<year>/schools/ (school_report.py): not the edition's, kept when it is rebuilt


class EditionCheckFailed(Exception):
    """The rendered text holds numbers no mart row or fact backs, or names what does not exist."""

    def __init__(self, edition: Edition, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{edition.title}：{len(problems)} 处问题，报告未发布\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass
class Built:
    rendered: Rendered
    files: dict[str, Path]


def missing_years(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[int]:
    """Data years the edition compares that no school's submission was loaded for (registry counts alone
    exist for every year). Without its own data year an edition is not built; without the year before it
    is, and every previous-year value and change in it says 上年数据未采集."""
    years = (edition.data_year - 1, edition.data_year)
    loaded = loaded_years(con)
    return [y for y in years if y not in loaded]


def build_edition(con: duckdb.DuckDBPyConnection, edition: Edition, out_dir: Path) -> Built:
    from orchestration.reports.pdf import html_to_pdf
    from orchestration.reports.word import html_to_docx

    rendered = render_edition(con, edition)
    if rendered.problems:
        raise EditionCheckFailed(edition, rendered.problems)

    unchanged = Unchanged(out_dir)

    def write(work: Path) -> None:
        pages = [out_dir / f"annual_report.{kind}" for kind in ("html", "docx", "pdf")]
        if not unchanged.keep("annual_report", rendered.digest, pages, work):  # the same report is not laid out again
            (work / "annual_report.html").write_text(rendered.html, encoding="utf-8")
            html_to_docx(rendered.html, work / "annual_report.docx")
            html_to_pdf(for_print(rendered.html), work / "annual_report.pdf")
        write_appendix(rendered, work / "data_appendix.csv")
        unchanged.save(work)
        if (out_dir / KEPT).is_dir():  # the school reports of the same year live beside the edition's files
            (out_dir / KEPT).rename(work / KEPT)

    swap_in(out_dir, write)
    names = {
        "html": "annual_report.html",
        "docx": "annual_report.docx",
        "pdf": "annual_report.pdf",
        "csv": "data_appendix.csv",
    }
    return Built(rendered, {k: out_dir / v for k, v in names.items()})


def swap_in(
    out_dir: Path,
    write: Callable[[Path], None],
    *,
    work_in: Path | None = None,
    lock: AbstractContextManager | None = None,
) -> None:
    """`write` fills a fresh folder (in work_in, default beside out_dir), which then replaces out_dir: readers
    never see a mix of two builds, and a failed build leaves the previous one in place. `lock`, if given, is
    held around the swap only (the writer lock of a folder another step replaces too)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_in = work_in or out_dir.parent
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.parent.name}-{out_dir.name}-", dir=work_in))
    try:
        write(work)
        with lock if lock is not None else nullcontext():
            old = out_dir.with_name(f".{out_dir.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            if out_dir.exists():
                out_dir.rename(old)
            work.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


SOURCES = re.compile(r'<section class="sources">.*?</section>', re.S)


def for_print(html: str) -> str:
    """The PDF leaves the number-by-number source list to the HTML, Word and CSV files: hundreds of
    rows of mart keys are for tracing, not for reading on paper (and cost most of the PDF's time)."""
    note = (
        '<h1>附录一 数据来源</h1><p class="meta">报告中每个数字的来源（数据集市的行或事实登记册的事实）'
        "见同一文件夹中的 data_appendix.csv 及本报告的 HTML、Word 版本。</p>"
    )
    return SOURCES.sub(note, html, count=1)


def write_appendix(rendered: Rendered, path: Path) -> Path:
    """The data appendix as CSV (UTF-8 with BOM, so Excel reads the Chinese); text cells made safe."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(APPENDIX_COLUMNS.values())
        for row in rendered.numbers:
            values = vars(row)
            writer.writerow(
                [safe_cell(values[k]) if isinstance(values[k], str) else values[k] for k in APPENDIX_COLUMNS]
            )
    return path
