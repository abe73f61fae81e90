"""One HTML build, three formats: the Word file carries the HTML's headings, tables and charts with
Word's own styles, the PDF carries extractable text in an embedded CJK font, and what schools wrote
stays text in every format."""
from html.parser import HTMLParser

import docx
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from orchestration import settings
from orchestration.reports.word import html_to_docx

HEADINGS = ("一、基本概况", "（一）办学规模", "（二）教师队伍", "（三）基本办学资源条件", "附录 数据质量")


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _outputs():
    base = settings.output_dir(2025) / "ch1_overview.html"
    return base, base.with_suffix(".docx"), base.with_suffix(".pdf")


def test_word_file_has_the_htmls_headings_tables_and_charts(built_warehouse):
    html, word, _ = _outputs()
    document = docx.Document(word)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "一、基本概况") in headings and all(any(text == h for _, text in headings) for h in HEADINGS)
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[:2] == ["图 1-1 2025 年北京市各类职业院校数量（单位：所）", "图 1-2 2025 年北京职业院校各类学历教育在校生数（单位：万人）"]
    assert len(document.inline_shapes) == 2
    parser = _Cells()
    parser.feed(html.read_text(encoding="utf-8"))
    in_word = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    assert in_word == parser.tables and len(in_word) >= 3  # every cell of every table, the same in both
    assert any("4,993" in cell or "4993" in cell for table in in_word for row in table for cell in row)


def test_pdf_has_every_heading_as_text_in_an_embedded_cjk_font(built_warehouse):
    _, _, pdf = _outputs()
    text = extract_text(pdf)
    assert all(h in text for h in HEADINGS)
    assert "北京地区共有招生职业学校76所" in text
    with open(pdf, "rb") as f:
        document = PDFDocument(PDFParser(f))
        fonts = {
            str(resolve1(font).get("BaseFont")) for page in PDFPage.create_pages(document) for font in resolve1(page.resources.get("Font", {})).values()
        }
    assert any("CJK" in name and "+" in name for name in fonts), fonts  # a subset, embedded


def test_hostile_text_stays_text_in_word(tmp_path):
    html = (
        "<html><head><title>报告</title></head><body><h1>一、基本概况</h1>"
        "<p>文件 &lt;img src=x onerror=alert(1)&gt; 与 =HYPERLINK(&quot;http://x&quot;)</p>"
        "<table><tr><th>文件</th></tr><tr><td>&lt;script&gt;x&lt;/script&gt;\x07.xlsx</td></tr></table></body></html>"
    )
    document = docx.Document(html_to_docx(html, tmp_path / "r.docx"))
    assert document.paragraphs[1].text == '文件 <img src=x onerror=alert(1)> 与 =HYPERLINK("http://x")'
    assert document.tables[0].cell(1, 0).text == "<script>x</script>\\x07.xlsx"
    assert document.core_properties.title == "报告"


def test_word_tables_print_like_the_reports(tmp_path):
    """Numbers right-aligned, rows never split over a page, the header row repeated on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    html = (
        "<table><thead><tr><th>指标</th><th>2025 年</th></tr></thead>"
        '<tr><td>招生总数</td><td class="num">49,528</td></tr><tr><td>专任教师数</td><td class="num">9,797</td></tr></table>'
    )
    table = docx.Document(html_to_docx(html, tmp_path / "t.docx")).tables[0]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    assert [table.cell(r, 1).paragraphs[0].alignment for r in (1, 2)] == [WD_ALIGN_PARAGRAPH.RIGHT] * 2
    assert table.cell(1, 0).paragraphs[0].alignment is None and table.cell(1, 1).text == "49,528"
