r"""Builds the intake corpus: the clean 2025 sample submissions, with one school's file per case changed
as tests/corpus/cases.csv says — messy but valid, wrong, or hostile.

cases.csv has one row per step or expectation; rows of a case share its case_id and school. A step is
a mutation name and its argument (fields separated by "|"); an expectation is `value` (indicator code
and the number read, `none` for not reported, `same` for the clean sample's value), `rule` (rule ID
and a fragment its Chinese message must contain) or `school` (the school code the file is stored
under, `none` for none: a file whose code and name are two schools' counts for neither).

A case without steps is a school's untouched file whose values are checked: the other half of a case
that borrows that school's code. Arguments of the raw-XML steps and of rename_sheet take \xNN and
\uNNNN for characters a CSV cell cannot show (control characters, a full-width space).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from orchestration.intake.files import display_name
from orchestration.samples.generator import generate
from tests.corpus.hostile.make import MINIMAL_PARTS

HERE = Path(__file__).parent
YEAR = 2025
MB = 1 << 20
RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class Case:
    case_id: str
    school_code: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    expectations: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, target, expected)
    paths: list[Path] = field(default_factory=list)  # the case's files in the landing folder, once built

    @property
    def file_names(self) -> list[str]:
        """As the intake stores them (control characters escaped)."""
        return [display_name(p.name) for p in self.paths]


def read_cases() -> list[Case]:
    cases: dict[str, Case] = {}
    with open(HERE / "cases.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            case = cases.setdefault(row["case_id"], Case(row["case_id"], row["school_code"]))
            assert case.school_code == row["school_code"], f"{row['case_id']}: one school per case"
            if row["mutation"]:
                case.steps.append((row["mutation"], row["arg"]))
            if row["expect"]:
                case.expectations.append((row["expect"], row["target"], row["expected"]))
    return list(cases.values())


def build(landing: Path) -> tuple[Path, list[Case]]:
    """Writes the samples under landing/<year>/, mutates them case by case; returns the folder and cases."""
    generate(landing, [YEAR])
    folder = landing / str(YEAR)
    outside = landing.parent / "outside"  # where symlinks point: never inside the landing folder
    outside.mkdir(exist_ok=True)
    cases = read_cases()
    for case in cases:
        path = next(folder.glob(f"{case.school_code}_{YEAR}.*"))
        case.paths = [path]
        pending: list[tuple[str, str]] = []  # consecutive workbook edits share one load and save
        for name, arg in case.steps + [("", "")]:
            if name in WORKBOOK_STEPS:
                pending.append((name, arg))
                continue
            if pending:
                _edit_workbook(case.paths[0], pending)
                pending = []
            if name:
                FILE_STEPS[name](case, arg, outside)
    return folder, cases


# --- workbook edits (openpyxl) ---------------------------------------------------------------------


def _cell_value(spec: str):
    """num:12 (a number), pct:0.9426 (a number shown as a percentage), text:…, blank."""
    kind, _, text = spec.partition(":")
    if kind == "blank":
        return None, None
    if kind in ("num", "pct"):
        number = float(text)
        return (int(number) if number.is_integer() else number), ("0.00%" if kind == "pct" else None)
    assert kind == "text", spec
    return text, None


def _put(cell, value) -> None:
    """Text stays text: openpyxl would make "=1+2" a formula (a clerk's cell formatted as text keeps it)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _header_columns(cells) -> dict[str, int]:
    """Header text -> column for 指标, 数值 and 说明, from (column, value) pairs; a header that is exactly
    数值 wins over 数值（上年） and the like, the first of several wins otherwise."""
    found: dict[str, int] = {}
    for col, value in cells:
        text = str(value or "").strip()
        for key in ("指标", "数值", "说明"):
            if text.startswith(key) and (key not in found or text == key):
                found[key] = col
    return found


def _columns(ws) -> tuple[int, int, int]:
    """(header row, 指标 column, 数值 column), found by header text as the intake finds them."""
    for row in ws.iter_rows():
        found = _header_columns((c.column, c.value) for c in row)
        if "指标" in found and "数值" in found:
            return row[0].row, found["指标"], found["数值"]
    raise LookupError(ws.title)


def _row_of(ws, label: str) -> int:
    header, label_col, _ = _columns(ws)
    return next(r for r in range(header + 1, ws.max_row + 1) if str(ws.cell(r, label_col).value or "").strip() == label)


def _value_cell(ws, label: str):
    return ws.cell(_row_of(ws, label), _columns(ws)[2])


def set_value(wb, arg: str) -> None:
    sheet, label, spec = arg.split("|")
    cell = _value_cell(wb[sheet], label)
    value, number_format = _cell_value(spec)
    _put(cell, value)
    if number_format:
        cell.number_format = number_format


FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def restyle(wb, arg: str) -> None:
    """The same number as a clerk might type it: full-width with thousands separators, or padded."""
    sheet, label, style = arg.split("|")
    cell = _value_cell(wb[sheet], label)
    text = f"{cell.value:,}"
    cell.value = {"fullwidth": text.translate(FULLWIDTH), "padded": f"\u00a0 {text}\u3000"}[style]


def set_label(wb, arg: str) -> None:
    sheet, label, new = arg.split("|")
    ws = wb[sheet]
    ws.cell(_row_of(ws, label), _columns(ws)[1]).value = new


def set_header(wb, arg: str) -> None:
    sheet, old, new = arg.split("|")
    ws = wb[sheet]
    header = _columns(ws)[0]
    next(c for c in ws[header] if c.value == old).value = new


def set_info(wb, arg: str) -> None:
    label, spec = arg.split("|")
    ws = wb["基本信息"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == label)
    _put(ws.cell(cell.row, cell.column + 1), _cell_value(spec)[0])


def title_rows(wb, _: str) -> None:
    """A merged banner above every sheet, and the sheet's own title merged across the columns."""
    for ws in wb.worksheets:
        ws.insert_rows(1)
        ws["A1"] = "北京市职业教育质量年度报告数据采集表"
        ws.merge_cells("A1:E1")
        ws.merge_cells("A2:E2")


def shift_right(wb, arg: str) -> None:
    for ws in wb.worksheets if arg == "*" else [wb[arg]]:
        ws.insert_cols(1)


def blank_rows(wb, arg: str) -> None:
    """Blank rows after the header and between every second pair of data rows."""
    ws = wb[arg]
    header = _columns(ws)[0]
    for r in reversed(range(header + 1, ws.max_row + 1, 2)):
        ws.insert_rows(r)


def delete_sheet(wb, arg: str) -> None:
    del wb[arg]


def delete_row(wb, arg: str) -> None:
    sheet, label = arg.split("|")
    wb[sheet].delete_rows(_row_of(wb[sheet], label))


def set_note(wb, arg: str) -> None:
    """The row's 说明 cell, as text whatever it starts with (=, +, -, @: formula injection)."""
    sheet, label, text = arg.split("|")
    ws = wb[sheet]
    header = _columns(ws)[0]
    column = _header_columns((c.column, c.value) for c in ws[header])["说明"]
    _put(ws.cell(_row_of(ws, label), column), text)


def put_cell(wb, arg: str) -> None:
    """Any cell by reference, e.g. one far outside the table: sheet|XFD1048576|text: ."""
    sheet, ref, spec = arg.split("|")
    _put(wb[sheet][ref], _cell_value(spec)[0])


def last_year_column(wb, arg: str) -> None:
    """Last year's figures in a column of their own just before 数值, kept for comparison: sheet|header
    (which may itself start with 数值). Different numbers: 90 % of this year's, 2 where this year's is 0."""
    sheet, header_text = arg.split("|")
    ws = wb[sheet]
    header, _, value_col = _columns(ws)
    ws.insert_cols(value_col)
    ws.cell(header, value_col).value = header_text
    for r in range(header + 1, ws.max_row + 1):
        this_year = ws.cell(r, value_col + 1).value
        if isinstance(this_year, (int, float)) and not isinstance(this_year, bool):
            ws.cell(r, value_col).value = round(this_year * 0.9) if this_year else 2


def rename_sheet(wb, arg: str) -> None:
    old, new = arg.split("|")
    wb[old].title = _unescape(new)


def add_sheet(wb, arg: str) -> None:
    """A sheet that is not in the template: name, or name|position (0 = the first tab)."""
    name, _, position = arg.partition("|")
    wb.create_sheet(name, int(position) if position else None)


WORKBOOK_STEPS = {
    f.__name__: f
    for f in (
        set_value,
        restyle,
        set_label,
        set_header,
        set_info,
        title_rows,
        shift_right,
        blank_rows,
        delete_sheet,
        delete_row,
        set_note,
        put_cell,
        last_year_column,
        rename_sheet,
        add_sheet,
    )
}


def _edit_workbook(path: Path, steps: list[tuple[str, str]]) -> None:
    wb = load_workbook(path)
    for name, arg in steps:
        WORKBOOK_STEPS[name](wb, arg)
    wb.save(path)


# --- file edits -----------------------------------------------------------------------------------


def replace_with(case: Case, arg: str, _) -> None:
    shutil.copyfile(HERE / "hostile" / arg, case.paths[0])


def _rewrite_member(path: Path, member: str, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts[member] = edit(parts[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def formula(case: Case, arg: str, _) -> None:
    """Turn a value cell into a formula giving the same number, with its cached result or without one
    (as a tool that writes formulas but never calculates leaves it)."""
    sheet, label, cached = arg.split("|")
    wb = load_workbook(case.paths[0], read_only=False)
    cell = _value_cell(wb[sheet], label)
    member = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"  # openpyxl writes sheets in order

    def edit(xml: bytes) -> bytes:
        match = re.search(rf'<c r="{cell.coordinate}"([^>]*)><v>([^<]*)</v></c>'.encode(), xml)
        attrs = re.sub(rb'\s*t="[^"]*"', b"", match[1])
        result = b"<v>" + match[2] + b"</v>" if cached == "cached" else b""
        return xml.replace(
            match[0],
            b'<c r="' + cell.coordinate.encode() + b'"' + attrs + b"><f>" + match[2] + b"*1</f>" + result + b"</c>",
        )

    _rewrite_member(case.paths[0], member, edit)


def _write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip written by hand from deflated members (name, deflate stream, crc, size it declares)."""
    local, central = b"", b""
    for name, stream, crc, size in members:
        encoded = name.encode()
        fields = struct.pack("<HHHHHIIIHH", 20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0)
        central += (
            b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHII", 0, 0, 0, 0, len(local)) + encoded
        )
        local += b"PK\x03\x04" + fields + encoded + stream
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(local + central + b"PK\x05\x06" + end)


def _deflated(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    co = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return name, co.compress(data) + co.flush(), zlib.crc32(data), len(data)


def zip_bomb(case: Case, arg: str, _) -> None:
    """A workbook whose sheet inflates to 1 GiB of zeros from about 1 MB: one deflated megabyte of zeros,
    flushed so that it stands alone, repeated 1024 times. `lying` declares the sheet 4 KB long."""
    zeros = bytes(MB)
    co = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(zeros, crc)
    size = 4096 if arg == "lying" else 1024 * MB
    parts = [_deflated(name, text.encode()) for name, text in MINIMAL_PARTS.items() if not name.endswith("sheet1.xml")]
    workbook = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="学生规模" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    parts.append(_deflated("xl/workbook.xml", workbook.encode()))
    parts.append(("xl/worksheets/sheet1.xml", block * 1024 + co.flush(), crc, size))
    _write_zip(case.paths[0], parts)


def oversize(case: Case, _: str, __) -> None:
    """25 MB, far over the 20 MB limit; sparse, so it costs no disk."""
    with open(case.paths[0], "wb") as f:
        f.truncate(25 * MB)


def not_workbook_zip(case: Case, _: str, __) -> None:
    """A Word document renamed .xlsx: a valid zip without a workbook in it."""
    with zipfile.ZipFile(case.paths[0], "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")


def rename(case: Case, arg: str, _) -> None:
    """New name from a template: {code}, {long} (208 characters, ASCII: the file system counts bytes),
    \\xNN for a control character."""
    name = arg.format(code=case.school_code, long=case.school_code + "_" + "v" * 195 + ".xlsx")
    name = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), name)
    new = case.paths[0].with_name(name)
    case.paths[0].rename(new)
    case.paths[0] = new


def symlink(case: Case, arg: str, outside: Path) -> None:
    """The entry becomes a symlink to the real file elsewhere (`dangling`: to nothing)."""
    target = outside / case.paths[0].name
    shutil.move(case.paths[0], target)
    if arg == "dangling":
        target.unlink()
    os.symlink(target, case.paths[0])


def fifo(case: Case, _: str, __) -> None:
    """A named pipe: whoever opens it for reading waits forever."""
    case.paths[0].unlink()
    os.mkfifo(case.paths[0])


def duplicate(case: Case, arg: str, _) -> None:
    """A second, slightly different workbook of the same school in the same batch."""
    copy = case.paths[0].with_name(arg.format(code=case.school_code))
    shutil.copyfile(case.paths[0], copy)
    _edit_workbook(copy, [("set_info", "填报人|text:更正版")])
    case.paths.append(copy)


def csv_encoding(case: Case, arg: str, _) -> None:
    path = case.paths[0]
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode(arg))


def csv_set_value(case: Case, arg: str, _) -> None:
    """Edit a value of the sample CSV (UTF-8 with BOM, as written): before any csv_encoding step."""
    label, text = arg.split("|")
    path = case.paths[0]
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    for row in rows:
        if row[1] == label:
            row[3] = text
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


def _unescape(text: str) -> str:
    return re.sub(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))", lambda m: chr(int(m[1] or m[2], 16)), text)


def _parts(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _save_parts(path: Path, parts: list[tuple[str, bytes]]) -> None:
    """Writes the members as given, a name given twice included."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, and writes it
        for name, data in parts:
            zf.writestr(name, data)


def _sheet_part(path: Path, sheet: str) -> str:
    """The zip member holding a sheet, by xl/workbook.xml and its relationships (after rename_part too)."""
    with zipfile.ZipFile(path) as zf:
        rels = {r.get("Id"): r.get("Target") for r in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
        for element in ElementTree.fromstring(zf.read("xl/workbook.xml")).iter():
            if element.tag.endswith("}sheet") and element.get("name") == sheet:
                target = rels[element.get(f"{{{RELS_NS}}}id")]
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise LookupError(sheet)


def _locate(path: Path, sheet: str, label: str, column: str) -> str:
    """Reference of a row's 数值 or 说明 cell, read with calamine: unlike openpyxl, it still opens a
    workbook after control characters were written into its XML."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    for h, cells in enumerate(rows):
        cols = _header_columns(enumerate(cells, start=1))
        if "指标" in cols and column in cols:
            r = next(r for r in range(h + 1, len(rows)) if str(rows[r][cols["指标"] - 1]).strip() == label)
            return f"{get_column_letter(cols[column])}{r + 1}"
    raise LookupError(f"{sheet}: {label}")


def _replace_cell(path: Path, sheet: str, ref: str, inner: bytes, cell_type: str) -> None:
    """Rewrites one <c> element of a sheet's XML, keeping its style: new type and content."""
    member = _sheet_part(path, sheet)
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*?)\s*(?:/>|>.*?</c>)', re.S)

    def edit(xml: bytes) -> bytes:
        match = pattern.search(xml)
        assert match, f"{sheet}!{ref} not in {member}"
        attrs = re.sub(rb'\s*\bt="[^"]*"', b"", match[1])
        cell = b'<c r="' + ref.encode() + b'"' + attrs + b' t="' + cell_type.encode() + b'">' + inner + b"</c>"
        return xml[: match.start()] + cell + xml[match.end() :]

    _rewrite_member(path, member, edit)


def xml_text(case: Case, arg: str, _) -> None:
    """A row's 数值 or 说明 cell as an inline string written straight into the XML, which openpyxl
    refuses to write: sheet|label|数值 or 说明|text with raw control characters (\x00, \x1b …) or
    Excel's own escapes of them (_x001B_). Once written, openpyxl no longer opens the file: these
    steps come last in a case."""
    sheet, label, column, text = arg.split("|")
    ref = _locate(case.paths[0], sheet, label, column)
    body = escape(_unescape(text)).encode()
    _replace_cell(case.paths[0], sheet, ref, b'<is><t xml:space="preserve">' + body + b"</t></is>", "inlineStr")


def error_formula(case: Case, arg: str, _) -> None:
    """A value cell whose formula Excel calculated to an error: sheet|label|formula|error, saved as
    t="e" with the formula and the error as its cached result."""
    sheet, label, text, error = arg.split("|")
    ref = _locate(case.paths[0], sheet, label, "数值")
    _replace_cell(
        case.paths[0], sheet, ref, b"<f>" + escape(text).encode() + b"</f><v>" + escape(error).encode() + b"</v>", "e"
    )


def dimension(case: Case, arg: str, _) -> None:
    """The range a sheet declares it uses (<dimension ref>), replaced by a lie or, with `none`, removed:
    sheet|A1:F10. Neither keeps a reader from meeting the cells themselves."""
    sheet, ref = arg.split("|")
    new = b"" if ref == "none" else b'<dimension ref="' + ref.encode() + b'" />'
    _rewrite_member(
        case.paths[0], _sheet_part(case.paths[0], sheet), lambda xml: re.sub(rb"<dimension\b[^>]*/>", new, xml, count=1)
    )


def rename_part(case: Case, arg: str, _) -> None:
    """A sheet's part stored under another name (old|new, e.g. not ending in .xml); the workbook's
    relationship and the content-type override follow it, so a reader still finds the sheet there."""
    old, new = arg.split("|")
    parts = []
    for name, data in _parts(case.paths[0]):
        if name == old:
            name = new
        elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
            for before, after in (
                (f'"/{old}"', f'"/{new}"'),
                (f'"{old.removeprefix("xl/")}"', f'"{new.removeprefix("xl/")}"'),
            ):
                data = data.replace(before.encode(), after.encode())
        parts.append((name, data))
    assert any(name == new for name, _ in parts), old
    _save_parts(case.paths[0], parts)


DTDS = {
    "external": '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "expanding": (
        '<!DOCTYPE worksheet [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    ),
}


def declare_dtd(case: Case, arg: str, _) -> None:
    """A DTD in a part: member|external or expanding|utf-8 or utf-16 (UTF-16 puts a NUL byte between
    the letters of <!DOCTYPE, so a search for the plain bytes misses it)."""
    member, kind, encoding = arg.split("|")

    def edit(xml: bytes) -> bytes:
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", xml.decode("utf-8"))
        return f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{DTDS[kind]}\n{text}'.encode(encoding)

    _rewrite_member(case.paths[0], member, edit)


def duplicate_part(case: Case, arg: str, _) -> None:
    """A member given a second time after the first, with other numbers (each 数值 doubled, plus one):
    member|name of the copy (the same name, or one differing only in case)."""
    member, copy_name = arg.split("|")
    parts = _parts(case.paths[0])
    original = dict(parts)[member]
    changed = re.sub(
        rb'(<c r="D\d+"[^>]*><v>)(\d+)(</v>)', lambda m: m[1] + str(2 * int(m[2]) + 1).encode() + m[3], original
    )
    assert changed != original, member
    _save_parts(case.paths[0], parts + [(copy_name, changed)])


def empty_file(case: Case, _: str, __) -> None:
    """0 bytes: an upload that failed, or a 新建 XLSX 工作表 from the file manager never filled."""
    case.paths[0].write_bytes(b"")


def empty_workbook(case: Case, _: str, __) -> None:
    """A new workbook with its one empty sheet, saved instead of the filled one: no school code, no data."""
    Workbook().save(case.paths[0])


FILE_STEPS = {
    f.__name__: f
    for f in (
        replace_with,
        formula,
        zip_bomb,
        oversize,
        not_workbook_zip,
        rename,
        symlink,
        fifo,
        duplicate,
        csv_encoding,
        csv_set_value,
        xml_text,
        error_formula,
        dimension,
        rename_part,
        declare_dtd,
        duplicate_part,
        empty_file,
        empty_workbook,
    )
}
