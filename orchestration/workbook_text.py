"""Text from schools, written into a workbook we produce, stays text.

openpyxl stores any string starting with "=" as a live formula, and Excel/LibreOffice (or a CSV
saved from the sheet) evaluate text starting with + - @ tab or carriage return too: a school's 说明
'=HYPERLINK("http://x","点此")' would become a link in every reviewer's copy. OWASP's advice for
spreadsheet output is to prefix such text with a single quote, so it shows as written and is stored
as a string. openpyxl also refuses control characters (IllegalCharacterError): one \\x00 in a cell
would cost a school its whole workbook, so they are shown as visible escapes instead.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value to give openpyxl: text escaped (see module doc); numbers, dates and None unchanged."""
    if not isinstance(value, str):
        return value
    text = visible_controls(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def visible_controls(text: str) -> str:
    """Control characters that XML documents (xlsx, docx) cannot hold, shown as \\x00 escapes."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def unescaped(text: str) -> str:
    """A cell of a workbook we wrote, as it was before safe_cell (a returned feedback workbook)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def plain_number(x: float) -> str:
    """5000000 → 5,000,000 and 1422784.5 → 1,422,784.5: never scientific notation in a message for a school
    clerk (up to four decimals: 万元 amounts)."""
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def print_setup(ws, title_rows: str) -> None:
    """A4 landscape, one page wide however many rows, the title and header rows on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
