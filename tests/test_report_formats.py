"""One HTML build, three formats: the Word file carries the HTML's headings, tables and charts with
Word's own styles, the PDF carries extractable text in an embedded CJK font, and what schools wrote
stays text in every format."""

import os
import subprocess
import sys
from html.parser import HTMLParser

import docx
import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from orchestration import settings
from orchestration.reports.edition import editions, find
from orchestration.reports.word import html_to_docx


class _Cells(HTMLParser):
    """Every table's cells and every text paragraph of a report page, as a reader sees them."""

    def __init__(self):
        super().__init__()
        self.tables, self.paragraphs, self._cell, self._p = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("p", "figcaption"):  # Word sets a figure's caption as a paragraph too
            self._p = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag in ("p", "figcaption") and self._p is not None:
            self.paragraphs.append("".join(self._p).strip())
            self._p = None

    def handle_data(self, data):
        for part in (self._cell, self._p):
            if part is not None:
                part.append(data)


EDITIONS = [e.edition for e in editions()]


def _outputs(edition: str):
    base = settings.report_dir(edition) / "annual_report.html"
    return base, base.with_suffix(".docx"), base.with_suffix(".pdf")


@pytest.mark.parametrize("edition", EDITIONS)
def test_word_file_has_the_htmls_chapters_tables_and_charts(built_warehouse, edition):
    html, word, _ = _outputs(edition)
    document = docx.Document(word)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    chapters = [find(edition).words(c.title) for c in find(edition).chapters]
    assert [t for s, t in headings if s == "Heading 1"] == chapters + ["附录一 数据来源", "附录二 数据质量"]
    parser = _Cells()
    parser.feed(html.read_text(encoding="utf-8"))
    in_word = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    assert in_word == parser.tables  # every cell of every table, the same in both
    body = [p.text for p in document.paragraphs if p.style.name in ("Normal", "Caption") and p.text]
    assert [p for p in parser.paragraphs if p] == [
        t for t in body if t != "目录"
    ]  # every sentence and number, the same in both
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert (
        len(document.inline_shapes)
        == html.read_text(encoding="utf-8").count("<figure>")
        == sum(c.startswith("图") for c in captions)
    )
    assert all(any(c.startswith(t) for c in captions) for t in find(edition).tables)  # numbered table captions


def test_2025_word_file_shows_the_published_figures(built_warehouse):
    document = docx.Document(_outputs("2025")[1])
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[:2] == [
        "图 1-1 2025 年北京市各类职业院校数量（单位：所）",
        "图 1-2 2025 年北京职业院校各类学历教育在校生数（单位：万人）",
    ]
    assert any("北京地区共有招生职业学校76所" in p.text for p in document.paragraphs)


@pytest.mark.parametrize("edition", EDITIONS)
def test_pdf_has_every_chapter_heading_as_text_in_an_embedded_cjk_font(built_warehouse, edition):
    _, _, pdf = _outputs(edition)
    text = "".join(extract_text(pdf).split())
    assert all("".join(find(edition).words(c.title).split()) in text for c in find(edition).chapters)
    fonts = _embedded_fonts(pdf)
    assert any("CJK" in name and "+" in name for name in fonts), fonts  # a subset, embedded


def _embedded_fonts(pdf) -> set[str]:
    with open(pdf, "rb") as f:
        document = PDFDocument(PDFParser(f))
        return {
            str(resolve1(font).get("BaseFont"))
            for page in PDFPage.create_pages(document)
            for font in resolve1(page.resources.get("Font", {})).values()
        }


NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def test_pdf_sets_chinese_in_the_shipped_font_where_the_system_has_no_cjk_font(tmp_path):
    """A machine without Noto Sans CJK (here: fontconfig with no fonts at all) still gets a PDF whose
    Chinese is text, in the font shipped with the mplfonts package, not empty boxes."""
    (tmp_path / "fonts").mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(NO_FONTS.format(fonts=tmp_path / "fonts", cache=tmp_path / "cache"), encoding="utf-8")
    pdf = tmp_path / "r.pdf"
    html = "<html><body><h1>一、基本概况</h1><p>在校生 12.5 万人</p></body></html>"
    script = (
        "import sys, pathlib; from orchestration.reports.pdf import html_to_pdf; "
        "html_to_pdf(sys.argv[1], pathlib.Path(sys.argv[2]))"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    subprocess.run(
        [sys.executable, "-c", script, html, str(pdf)], env=env, cwd=settings.REPO_ROOT, check=True, timeout=600
    )
    assert "".join(extract_text(pdf).split()) == "一、基本概况在校生12.5万人1"  # the 1 is the page number
    assert any("CJK" in name and "+" in name for name in _embedded_fonts(pdf))


def test_hostile_text_stays_text_in_word(tmp_path):
    html = (
        "<html><head><title>报告</title></head><body><h1>一、基本概况</h1>"
        "<p>文件 &lt;img src=x onerror=alert(1)&gt; 与 =HYPERLINK(&quot;http://x&quot;)</p>"
        "<table><tr><th>文件</th></tr><tr><td>&lt;script&gt;x&lt;/script&gt;\x07.xlsx</td></tr></table></body></html>"
    )
    document = docx.Document(html_to_docx(html, tmp_path / "r.docx"))
    assert document.paragraphs[0].text == "一、基本概况"
    assert document.paragraphs[1].text == '文件 <img src=x onerror=alert(1)> 与 =HYPERLINK("http://x")'
    assert document.tables[0].cell(1, 0).text == "<script>x</script>\\x07.xlsx"
    assert document.core_properties.title == "报告"


def test_word_tables_print_like_the_reports(tmp_path):
    """Numbers right-aligned, rows never split over a page, the header row repeated on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    html = (
        "<table><thead><tr><th>指标</th><th>2025 年</th></tr></thead>"
        '<tr><td>招生总数</td><td class="num">49,528</td></tr>'
        '<tr><td>专任教师数</td><td class="num">9,797</td></tr></table>'
    )
    table = docx.Document(html_to_docx(html, tmp_path / "t.docx")).tables[0]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert [table.cell(r, 1).paragraphs[0].alignment for r in (1, 2)] == [WD_ALIGN_PARAGRAPH.RIGHT] * 2
    assert table.cell(1, 0).paragraphs[0].alignment is None and table.cell(1, 1).text == "49,528"
