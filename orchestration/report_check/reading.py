"""A report file as numbered lines: a text file's lines, a Word file's paragraphs and table rows, a PDF's
lines page by page. A line with tab-separated cells (a table pasted as text) is a table row."""

from __future__ import annotations

from pathlib import Path

from orchestration.report_check.model import Line

SUFFIXES = (".txt", ".docx", ".pdf")


class UnreadableReport(ValueError):
    """The file cannot be read as a report; the message says why, in Chinese."""


def read_report(path: Path) -> list[Line]:
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return read_text(path.read_text(encoding="utf-8-sig", errors="replace"))
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pdf":
        return read_pdf(path)
    raise UnreadableReport(f"无法读取 {path.name}：只支持 .txt、.docx 和 .pdf 文件")


def _blocks(lines: list[Line]) -> list[Line]:
    """Number the tables: consecutive table rows form one table."""
    out, block, prev_cells = [], 0, False
    for ln in lines:
        if ln.cells is not None and not prev_cells:
            block += 1
        prev_cells = ln.cells is not None
        out.append(Line(ln.no, ln.where, ln.text, ln.cells, block if ln.cells is not None else 0))
    return out


def read_text(text: str, where: str = "第 {n} 行") -> list[Line]:
    lines = []
    for n, raw in enumerate(text.splitlines(), start=1):
        raw = raw.rstrip("\r\n")
        cells = tuple(c.strip() for c in raw.split("\t")) if "\t" in raw.strip(" ") or raw.count("\t") else None
        lines.append(Line(n, where.format(n=n), raw, cells))
    return _blocks(lines)


def read_docx(path: Path) -> list[Line]:
    try:
        from docx import Document
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as e:  # pragma: no cover - python-docx is a dependency
        raise UnreadableReport("读取 Word 文件需要 python-docx") from e
    try:
        doc = Document(str(path))
    except Exception as e:  # a damaged or mislabelled file
        raise UnreadableReport(f"无法读取 Word 文件 {path.name}：{e}") from e
    lines: list[Line] = []
    n = para_no = table_no = 0
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para_no += 1
            n += 1
            lines.append(Line(n, f"第 {para_no} 段", Paragraph(child, doc).text))
        elif tag == "tbl":
            table_no += 1
            table = Table(child, doc)
            for r, row in enumerate(table.rows, start=1):
                n += 1
                cells: list[str] = []
                for cell in row.cells:
                    cells.append(cell.text.strip())
                lines.append(Line(n, f"表 {table_no} 第 {r} 行", "\t".join(cells), tuple(cells)))
            n += 1
            lines.append(Line(n, f"表 {table_no} 后", ""))  # a table ends here
    return _blocks(lines)


def read_pdf(path: Path) -> list[Line]:
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LTTextContainer
    except ImportError as e:
        raise UnreadableReport("读取 PDF 需要 pdfminer.six（pip 包 pdfminer-six），当前环境未安装") from e
    lines: list[Line] = []
    n = 0
    try:
        pages = list(extract_pages(str(path)))
    except Exception as e:
        raise UnreadableReport(f"无法读取 PDF 文件 {path.name}：{e}") from e
    for p, page in enumerate(pages, start=1):
        on_page = 0
        for element in page:
            if not isinstance(element, LTTextContainer):
                continue
            for text in element.get_text().splitlines():
                on_page += 1
                n += 1
                lines.append(Line(n, f"第 {p} 页第 {on_page} 行", text))
    return _blocks(lines)
