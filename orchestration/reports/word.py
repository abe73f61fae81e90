"""The report as a Word document, from the same HTML build: editors work in Word.

Our report HTML uses a handful of elements (h1–h3, p, figure with a data-URI image and figcaption,
table, ol/li); each becomes its Word counterpart with Word's own styles, so the navigation pane and a
table of contents work: headings in Heading 1–3, captions in Caption, tables as Word tables (Table
Grid), charts as pictures. Text is added as runs, so nothing in it is ever read as markup; control
characters, which Word's XML cannot hold, are shown as \\x00 escapes.
"""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from orchestration.workbook_text import visible_controls

FONT = "Noto Sans CJK SC"
TABLE_WIDTH_CM = 16  # A4 less Word's default margins
BLOCKS = {"h1", "h2", "h3", "p", "figcaption", "li", "title"}


class _Blocks(HTMLParser):
    """The HTML as a list of blocks: (tag, text, attrs) for text blocks, ("img", src), ("table", rows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple] = []
        self._text: list[str] | None = None
        self._tag = ""
        self._attrs: dict[str, str] = {}
        self._rows: list[list[tuple[str, str, str]]] | None = None  # (tag, text, class) per cell
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "img" and attrs.get("src", "").startswith("data:image/"):
            self.blocks.append(("img", attrs["src"]))
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._tag, self._attrs, self._text = tag, attrs, []
        elif tag in BLOCKS:
            self._tag, self._attrs, self._text = tag, attrs, []
        elif tag == "br" and self._text is not None:
            self._text.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._rows is not None and self._text is not None:
            self._rows[-1].append((tag, "".join(self._text).strip(), self._attrs.get("class", "")))
            self._text = None
        elif tag == "table" and self._rows is not None:
            self.blocks.append(("table", [r for r in self._rows if r]))
            self._rows = None
        elif tag == self._tag and self._text is not None and self._rows is None:
            self.blocks.append((tag, "".join(self._text).strip(), self._attrs))
            self._text = None

    def handle_data(self, data):
        if self._text is not None and not self._skip:
            self._text.append(data)


def html_to_docx(html: str, path: Path) -> Path:
    parser = _Blocks()
    parser.feed(html)
    doc = Document()
    _fonts(doc)
    for block in parser.blocks:
        kind = block[0]
        if kind == "title":
            doc.core_properties.title = visible_controls(block[1])
        elif kind in ("h1", "h2", "h3"):
            heading = doc.add_heading(visible_controls(block[1]), level=int(kind[1]))
            if kind == "h1":
                heading.paragraph_format.page_break_before = True  # each chapter on a new page
        elif kind == "p":
            classes = block[2].get("class", "").split()
            if "caption" in classes:  # a numbered table's caption, above it as the reports set it
                doc.add_paragraph(visible_controls(block[1]), style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
                continue
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(visible_controls(block[1]))
            if "title" in classes:
                run.font.size, run.font.bold = Pt(20), True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _contents(doc)
            elif classes:  # meta lines and table notes
                run.font.size = Pt(9)
            else:
                paragraph.paragraph_format.first_line_indent = Pt(21)  # two characters, as the reports indent
        elif kind == "figcaption":
            doc.add_paragraph(visible_controls(block[1]), style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "li":
            doc.add_paragraph(visible_controls(block[1]), style="List Number")
        elif kind == "img":
            doc.add_picture(io.BytesIO(base64.b64decode(block[1].split(",", 1)[1])), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "table":
            _table(doc, block[1])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    doc.save(tmp)
    tmp.replace(path)
    return path


def _table(doc, rows: list[list[tuple[str, str, str]]]) -> None:
    """A Word table as the printed reports set them: columns as wide as their longest text (up to a
    cap), numbers right-aligned, rows never split across pages, the header row repeated on each page."""
    columns = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=columns, style="Table Grid")
    table.autofit = False
    cells = [[row[c] for row in rows[1:] if c < len(row)] or [("td", "", "")] for c in range(columns)]
    # numbers keep their width; a long name wraps instead (capped); 3 half-ems for the cell's padding
    headers = [min(_ems(row_text), 8) for _, row_text, _ in rows[0]] + [0] * columns  # a header may wrap to two lines
    weights = [
        3 + max([headers[c]] + [_ems(text) if "num" in css.split() else min(_ems(text), 20) for _, text, css in column])
        for c, column in enumerate(cells)
    ]
    widths = [Cm(TABLE_WIDTH_CM * w / sum(weights)) for w in weights]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, which LibreOffice reads; Word reads the cells'
    for row, word_row in zip(rows, table.rows, strict=True):
        row_properties = word_row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        if all(tag == "th" for tag, _, _ in row):
            row_properties.append(OxmlElement("w:tblHeader"))
        word_cells = word_row.cells  # once per row: table.cell(r, c) walks the whole grid on every call
        for c, (tag, text, css) in enumerate(row):
            cell = word_cells[c]
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(visible_controls(text))
            run.font.size = Pt(9)
            run.font.bold = tag == "th"
            if "num" in css.split():
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _contents(doc) -> None:
    """A table of contents over Heading 1–3: a TOC field, which Word fills when the document opens."""
    doc.add_paragraph().add_run("目录").font.bold = True
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'TOC \\o "1-3" \\h \\z \\u')
    doc.add_paragraph()._p.append(field)
    update = OxmlElement("w:updateFields")  # asks Word to fill the field on opening
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


def _ems(text: str) -> int:
    """Width in half-ems: a Chinese character takes two, a digit or Latin letter one."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _fonts(doc) -> None:
    """A CJK font for East Asian text in the styles we use (Word would pick a Latin font's fallback)."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "List Number"):
        doc.styles[name].element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
