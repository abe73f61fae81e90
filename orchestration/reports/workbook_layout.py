"""Many small workbooks of one layout, written fast: openpyxl writes the layout once, each copy only its rows.

openpyxl (and XlsxWriter alike) spends ~5 ms on every workbook it saves, nearly all of it on what every copy
shares: styles, theme, workbook, column widths, print settings. A national-scale year writes ten thousand
feedback workbooks, so openpyxl saves the layout once, with one row of each kind carrying the cell styles
(title, column labels, a data row), and each copy is that package with its own rows and title. The rows are
written as openpyxl writes cells: text as inline strings, numbers as "%.16g", dates as serial numbers in a
date-formatted cell. Unlike openpyxl, text is always text: "#N/A" written by a school is not an error cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from math import ceil, isinf, isnan
from pathlib import Path
from unicodedata import east_asian_width
from xml.etree import ElementTree

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, STRING_TYPES, TIME_TYPES
from openpyxl.compat.numbers import NUMERIC_TYPES
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_DC = "http://purl.org/dc/elements/1.1/"
_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
_ROWS = re.compile(r"<sheetData>.*</sheetData>|<sheetData/>", re.S)
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
_TITLE = re.compile(r"(<dc:title[^>]*>).*?(</dc:title>)", re.S)
_COORDINATE = re.compile(r"([A-Z]+)(\d+)")
DEFAULT_WIDTH = 8.43  # a column's width when the layout does not set it (Excel's default)
LINE_HEIGHT = 15  # points per line of the default 11-point font
MAX_ROW_HEIGHT = 409  # Excel's limit: a taller row is a file it offers to repair
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})  # \r would read back as \n


class WorkbookLayout:
    """An openpyxl-saved workbook as a layout: each sheet's rows are replaced per copy. Row n of a copy takes the
    cell styles of the layout's row n, rows past the layout's last row those of its last row; a row is written
    as wide as its styled cells, so an empty input cell still shows its fill."""

    def __init__(self, saved: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(saved)) as package:
            self._members = [(info.filename, package.read(info)) for info in package.infolist()]
        members = dict(self._members)
        self._date_styles, self._wrap_styles = _styles(members["xl/styles.xml"])
        numbered = {int(m[1]): name for name in members if (m := _SHEET.fullmatch(name))}
        self._sheets = [numbered[n] for n in sorted(numbered)]
        self._parts = {name: _split(members[name].decode()) for name in self._sheets}
        self._widths = {name: _widths(members[name].decode()) for name in self._sheets}

    def write(self, path: Path, title: str, sheets: Sequence[Sequence[Sequence[object]]]) -> Path:
        """A copy at path (whole or not at all) with the file's title and each sheet's rows (lists of values), in
        sheet order; a value no cell can hold raises, as openpyxl does, and nothing is written."""
        if len(sheets) != len(self._sheets):
            raise ValueError(f"the layout has {len(self._sheets)} sheets, {len(sheets)} given")
        if ILLEGAL_CHARACTERS_RE.search(title):
            raise IllegalCharacterError(f"{title!r} cannot be a workbook's title.")
        written = {name: self._sheet(name, rows) for name, rows in zip(self._sheets, sheets, strict=True)}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in self._members:
                if name == "docProps/core.xml":
                    data = _titled(data.decode(), _escape(title)).encode()
                package.writestr(name, written.get(name, data))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_bytes(buffer.getvalue())
            tmp.replace(path)  # a reader never gets half a workbook
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def _sheet(self, name: str, rows: Sequence[Sequence[object]]) -> bytes:
        head, styles, tail = self._parts[name]
        xml, width = [], 0
        for r, values in enumerate(rows, start=1):
            style = styles[min(r, len(styles)) - 1] if styles else {}
            cells = list(values) + [None] * (max(style, default=0) - len(values))
            width = max(width, len(cells))
            row = "".join(self._cell(c, r, style.get(c), v) for c, v in enumerate(cells, start=1))
            lines = max(
                (
                    _lines(v, self._widths[name].get(c, DEFAULT_WIDTH))
                    for c, v in enumerate(cells, start=1)
                    if isinstance(v, str) and style.get(c) in self._wrap_styles
                ),
                default=1,
            )
            height = f' ht="{min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)}" customHeight="1"' if lines > 1 else ""
            xml.append(f'<row r="{r}"{height}>{row}</row>')
        dimension = f'<dimension ref="A1:{get_column_letter(max(width, 1))}{max(len(rows), 1)}"/>'
        return (_DIMENSION.sub(dimension, head) + "<sheetData>" + "".join(xml) + "</sheetData>" + tail).encode()

    def _cell(self, column: int, row: int, style: str | None, value: object) -> str:
        ref = f'r="{get_column_letter(column)}{row}"' + (f' s="{style}"' if style else "")
        if value is None or value == "":
            return f"<c {ref}/>"
        if isinstance(value, bool):
            return f'<c {ref} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, NUMERIC_TYPES):
            return f'<c {ref} t="n"><v>{"" if isnan(value) or isinf(value) else f"{value:.16g}"}</v></c>'
        if isinstance(value, TIME_TYPES):
            if getattr(value, "tzinfo", None) is not None:
                raise TypeError("Excel does not support timezones in datetimes.")
            if style in self._date_styles:
                return f'<c {ref} t="n"><v>{to_excel(value):.16g}</v></c>'
            value = str(value)  # a date outside a date-formatted column: its ISO text, not a bare serial number
        elif isinstance(value, STRING_TYPES):
            value = value.decode() if isinstance(value, bytes) else value
        else:
            raise ValueError(f"Cannot convert {value!r} to Excel")
        if ILLEGAL_CHARACTERS_RE.search(value):  # in the XML they would make the whole workbook unreadable
            raise IllegalCharacterError(f"{value!r} cannot be used in worksheets.")
        text = _escape(value[:32767])  # Excel's limit for a cell, where openpyxl cuts too
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c {ref} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _split(sheet_xml: str) -> tuple[str, list[dict[int, str]], str]:
    """A sheet as (XML before its rows, per layout row: column number → style id, XML after its rows)."""
    found = _ROWS.search(sheet_xml)
    if found is None:
        raise ValueError("a worksheet without sheetData")
    data = ElementTree.fromstring(found[0].replace("<sheetData", f'<sheetData xmlns="{_NS["m"]}"', 1))
    styles: list[dict[int, str]] = []
    for row in data.findall("m:row", _NS):
        r = int(row.get("r"))
        styles += [{} for _ in range(r - len(styles))]
        for cell in row.findall("m:c", _NS):
            column = column_index_from_string(_COORDINATE.fullmatch(cell.get("r"))[1])
            if cell.get("s") not in (None, "0"):
                styles[r - 1][column] = cell.get("s")
    return sheet_xml[: found.start()], styles, sheet_xml[found.end() :]


def _styles(styles_xml: bytes) -> tuple[set[str], set[str]]:
    """Ids of the cell styles (whose number format shows a date or time, that wrap their text)."""
    root = ElementTree.fromstring(styles_xml)
    formats = {int(f.get("numFmtId")): f.get("formatCode") for f in root.iterfind("m:numFmts/m:numFmt", _NS)}
    dates, wraps = set(), set()
    for i, xf in enumerate(root.iterfind("m:cellXfs/m:xf", _NS)):
        number = int(xf.get("numFmtId", 0))
        if is_date_format(formats.get(number, BUILTIN_FORMATS.get(number, ""))):
            dates.add(str(i))
        if (alignment := xf.find("m:alignment", _NS)) is not None and alignment.get("wrapText") in ("1", "true"):
            wraps.add(str(i))
    return dates, wraps


def _widths(sheet_xml: str) -> dict[int, float]:
    """Column number → width (in widths of "0") of the columns the layout sized."""
    found = re.search(r"<cols>.*?</cols>", sheet_xml, re.S)
    if found is None:
        return {}
    widths = {}
    for col in ElementTree.fromstring(found[0]).iterfind("col"):
        for column in range(int(col.get("min")), int(col.get("max")) + 1):
            widths[column] = float(col.get("width"))
    return widths


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell of this width shows the text in: a row height must be written, as neither Excel nor
    LibreOffice fits it to wrapped text when opening a file. A CJK character is about two widths of "0"; a tenth
    of each line is left for where a line breaks early."""
    per_line = max((width - 1) * 0.9, 1)
    return sum(
        max(1, ceil(sum(2 if east_asian_width(ch) in "WF" else 1 for ch in part) / per_line))
        for part in text.split("\n")
    )


def _titled(core_xml: str, title: str) -> str:
    """The package's properties with this title, whether or not the layout had one."""
    if _TITLE.search(core_xml):
        return _TITLE.sub(lambda m: m[1] + title + m[2], core_xml)
    end = "</cp:coreProperties>"
    return core_xml.replace(end, f'<dc:title xmlns:dc="{_DC}">{title}</dc:title>{end}')


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)
