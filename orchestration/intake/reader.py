"""Read a submission file into plain sheets of cell values, after the file is shown to be safe to parse.

Before any parser sees a workbook, the file is identified by its first bytes (not its extension) and
one streaming pass over its zip members measures what it really holds, not what the zip declares:
inflated bytes and compression ratio are capped (zip bombs, rule F002); a DTD or entity declaration
in any member, whatever its name (entity expansion; OOXML never contains one), rejects it (F004); a
member name given twice rejects it (F008: readers disagree on which copy is the file); and a cell or
a declared range beyond MAX_ROWS x MAX_COLUMNS rejects it (F006): calamine allocates the whole grid
up to the furthest cell with content, so one space in XFD1048576 would ask for hundreds of GB.

Cached cell values only: formulas are never evaluated (calamine returns what Excel stored). A formula
saved without a result is marked UNCALCULATED (V005), an error result such as #DIV/0! a FormulaError
(V007): calamine gives an empty cell for both, which would read as "not reported".
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string
from python_calamine import CalamineWorkbook

from orchestration.findings import Finding
from orchestration.intake.files import display_name
from orchestration.intake.values import UNCALCULATED, FormulaError

MB = 1 << 20
MAX_FILE_BYTES = 20 * MB
MAX_UNZIPPED_BYTES = 200 * MB
MAX_RATIO = 100  # real workbooks inflate 5–30 times; deflate's ceiling is about 1000
RATIO_FLOOR = 10 * MB  # the ratio is judged once this much is inflated, so small files never trip it
MAX_MEMBERS = 1000  # a workbook has a few dozen parts
MAX_ROWS = 10_000  # a template sheet has under 100 rows, a list sheet one per major
MAX_COLUMNS = 200  # column GR
CHUNK = MB
CSV_ENCODINGS = ("utf-8-sig", "gbk")
CSV_COLUMNS = ("工作表", "指标", "单位", "数值")
XLSX_EXPECTED = "可用 Excel 或 WPS 打开的 .xlsx 工作簿"
CORRUPT = "文件不完整或已损坏（压缩结构无法读取）"

# sheet name -> [(row number as the school sees it, cell values)]
Sheets = dict[str, list[tuple[int, list[object]]]]
INFO_SHEET = "基本信息"

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SIGNATURES = (
    (b"PK\x03\x04", None),
    (b"PK\x05\x06", None),
    (b"%PDF", "PDF 文件"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"{\\rtf", "RTF 文档"),
)
# OOXML never declares a DTD. Looked for with NUL bytes dropped, which finds the UTF-16 spellings too
# (and keeps the search linear on a run of zeros, where a UTF-16 pattern would crawl).
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
# Two element patterns (a formula `<f`, the sheet's `<dimension`) without their opening `<` and optional
# namespace prefix, which `_elements` checks behind each match: a pattern that begins with a literal is found
# in C, while `<(?:\w+:)?` is tried at every `<` of the part (half the time of the scan of a template workbook).
FORMULA_NAME = re.compile(rb"f[\s>/]")
DIMENSION_NAME = re.compile(rb'dimension\b[^>]*?\bref="(?:[A-Z]+[0-9]+:)?([A-Z]+[0-9]+)"')
ELEMENT_PREFIX = re.compile(rb"\w+:")
ERROR_TYPE = re.compile(rb'\bt="e"')
# Cell references past column GR or row 9999, checked exactly afterwards: cheap on ordinary cells.
FAR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="((?:[A-Z]{3}|[H-Z][A-Z]|G[S-Z])[0-9]+|[A-Z]{1,3}[1-9][0-9]{4,})"')
FAR_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([1-9][0-9]{4,})"[^>]*?(?<!/)>')  # its cells may carry no reference
# Cheap first looks, each a superset of what the exact pattern after it can match: a pattern that begins with
# a literal is searched for in C, one that begins with \b or an optional prefix is tried at every position.
# The scan of a template workbook's XML goes from about 3 ms to under 1 ms.
MAYBE_FAR = re.compile(rb'r="(?:(?:[A-Z]{3}|[H-Z][A-Z]|G[S-Z])[0-9]|[A-Z]{0,3}[1-9][0-9]{4})')  # FAR_CELL, FAR_ROW
MAYBE_ERROR = b't="e"'  # ERROR_TYPE
MAYBE_DIMENSION = b"dimension"
COORDINATE = re.compile(r"([A-Z]+)([0-9]+)")
SCAN_TAIL = 512  # bytes kept from the previous chunk, so a marker or tag may straddle two chunks
CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
CACHED = re.compile(rb"<(?:\w+:)?v>[^<]")
CACHED_TEXT = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
VALUE_ELEMENT = re.compile(rb"<(?:\w+:)?v[\s>/]")
TEXT_TYPE = re.compile(rb'\bt="str"')
RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class UnreadableFile(Exception):
    def __init__(self, finding: Finding):
        super().__init__(finding.message_zh)
        self.finding = finding


def _reject(rule_id: str, path: Path, found: str, expected: str = XLSX_EXPECTED) -> UnreadableFile:
    return UnreadableFile(Finding(rule_id, display_name(path.name), found=found, expected=expected))


def read_or_finding(path: Path) -> Sheets | Finding:
    """The sheets, or the finding that refuses the file."""
    try:
        return read_sheets(path)
    except UnreadableFile as exc:
        return exc.finding


def read_sheets(path: Path) -> Sheets:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _reject("F002", path, f"文件大小 {size / MB:.1f} MB", f"不超过 {MAX_FILE_BYTES // MB} MB")
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    _sniff(path)
    if path.suffix.lower() != ".xlsx":
        raise _reject("F001", path, f"扩展名「{path.suffix}」", ".xlsx 或 .csv 文件")
    special = _check_zip(path, size)
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = {
            name: list(enumerate(wb.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1))
            for name in wb.sheet_names
        }
    except Exception as exc:  # calamine raises several types for corrupt files
        raise _reject("F001", path, f"无法解析的工作簿（{type(exc).__name__}）") from exc
    _mark_cells(sheets, special)
    return sheets


def _sniff(path: Path) -> None:
    """Say what a file that is not a zip really is: old Excel, an encrypted workbook, a PDF, text …"""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == OLE:
        # Excel keeps a password-protected .xlsx in an OLE compound file with an EncryptionInfo stream.
        if "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
            raise _reject(
                "F003", path, "Office 加密文件（含 EncryptionInfo），要输入密码才能打开", "未设密码的 .xlsx 工作簿"
            )
        raise _reject("F001", path, "Excel 97-2003 格式（.xls）或其他旧版 Office 文件", "另存为 .xlsx 格式的工作簿")
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            if kind is None:
                return
            raise _reject("F001", path, f"文件内容是 {kind}，不是 Excel 工作簿")
    raise _reject("F001", path, _text_kind(path))


def _text_kind(path: Path) -> str:
    with open(path, "rb") as f:
        start = f.read(512)
    if not start:
        return "空文件（0 字节）"
    lowered = start.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if lowered.startswith((b"<html", b"<!doctype html")):
        return "文件内容是网页（HTML），不是 Excel 工作簿"
    if lowered.startswith(b"<?xml"):
        return "文件内容是 XML（如 Excel 2003 XML 表格），不是 .xlsx 工作簿"
    for encoding in CSV_ENCODINGS:
        try:
            start.decode(encoding)
            return "文件内容是纯文本，不是 Excel 工作簿"
        except UnicodeDecodeError:
            continue
    return "无法识别的文件内容，不是 Excel 工作簿"


def _check_zip(path: Path, size: int) -> dict[str, dict[tuple[int, int], object]]:
    """Inflate every member once, with running caps; returns the cells calamine would read as empty:
    formulas without a result and error values, by sheet name."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _reject("F001", path, CORRUPT) from exc
    with zf, open(path, "rb") as raw:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _reject("F002", path, f"压缩包内有 {len(infos)} 个部件", "模板原有的工作表（去掉附件、图片）")
        _check_unique_names(path, infos)
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            raise _reject("F001", path, "压缩文件中没有 Excel 工作簿内容（可能是 Word/WPS 文档或其他压缩包改了扩展名）")
        meter = _Meter(path, size)
        scans = {info.filename: _scan_member(raw, info, meter) for info in infos}
        try:
            names = _sheet_members(zf)  # parsed only now: no member declares a DTD, so no entity is expanded
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
            raise _reject("F001", path, CORRUPT) from exc
        _check_extent(path, scans, names)
        return _special_cells(path, zf, [m for m, scan in scans.items() if scan.special_cells], names)


def _check_unique_names(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Part names are case-insensitive in OOXML; a name given twice is read as one copy or the other."""
    seen: dict[str, int] = {}
    for info in infos:
        key = info.filename.casefold()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            raise _reject(
                "F008",
                path,
                f"部件「{display_name(info.filename)}」在压缩包中出现 2 次（不同软件会读到不同的内容）",
                "Excel 或 WPS 保存的标准 .xlsx 工作簿",
            )


class _Meter:
    """Inflated bytes of the whole file so far, against the absolute and the ratio cap."""

    def __init__(self, path: Path, size: int):
        self.path, self.size, self.total = path, size, 0

    def add(self, n: int) -> None:
        self.total += n
        cap = MAX_UNZIPPED_BYTES // MB
        if self.total > MAX_UNZIPPED_BYTES:
            raise _reject("F002", self.path, f"解压后超过 {cap} MB", f"解压后不超过 {cap} MB")
        if self.total > RATIO_FLOOR and self.total > MAX_RATIO * self.size:
            raise _reject(
                "F002",
                self.path,
                f"{self.size / 1024:.0f} KB 的文件解压到 {self.total // MB} MB 时"
                f"压缩比已超过 {MAX_RATIO}:1（异常压缩）",
                f"解压后不超过 {cap} MB 的正常工作簿",
            )


class _Scan:
    """What one pass over a member found: cells calamine would read as empty, and the first cell and
    declared range beyond the grid limits, if any."""

    def __init__(self) -> None:
        self.special_cells = False
        self.far_cell: str | None = None
        self.far_range: str | None = None

    def look(self, window: bytes) -> None:
        self.special_cells = (
            self.special_cells
            or next(_elements(FORMULA_NAME, window), None) is not None
            or (MAYBE_ERROR in window and ERROR_TYPE.search(window) is not None)
        )
        if self.far_cell is None and MAYBE_FAR.search(window):
            self.far_cell = _first_beyond(FAR_CELL.finditer(window)) or _first_beyond(FAR_ROW.finditer(window), "A")
        if self.far_range is None and MAYBE_DIMENSION in window:
            self.far_range = _first_beyond(_elements(DIMENSION_NAME, window))


def _elements(name: re.Pattern, window: bytes) -> Iterator[re.Match]:
    """The matches of `<(?:\\w+:)?` + name in window, as name's matches, in order and not overlapping."""
    pos = 0
    while (m := name.search(window, pos)) is not None:
        opening = window.rfind(b"<", 0, m.start())
        if opening >= 0 and (opening + 1 == m.start() or ELEMENT_PREFIX.fullmatch(window, opening + 1, m.start())):
            yield m
            pos = m.end()
        else:
            pos = m.start() + 1


def _first_beyond(matches: Iterator[re.Match], prefix: str = "") -> str | None:
    """The first reference beyond the grid; `prefix` makes a row number a cell reference (A10001)."""
    return next((prefix + m[1].decode() for m in matches if _beyond_grid(prefix + m[1].decode())), None)


def _beyond_grid(ref: str) -> bool:
    letters, row = COORDINATE.fullmatch(ref).groups()
    return int(row) > MAX_ROWS or column_index_from_string(letters) > MAX_COLUMNS


def _scan_member(raw, info: zipfile.ZipInfo, meter: _Meter) -> _Scan:
    """Inflate one member under the caps; every member is searched for a DTD, whatever its name (a
    worksheet may be stored under any name), and members that read as XML are scanned for cells."""
    if info.flag_bits & 0x1:
        raise _reject("F003", meter.path, "压缩内容设有密码（已加密）", "未设密码的 .xlsx 工作簿")
    scan, tail, xml = _Scan(), b"", None
    try:
        for chunk in _inflate(raw, info):
            meter.add(len(chunk))
            window = tail + chunk
            if _declares_dtd(window):
                raise _reject(
                    "F004",
                    meter.path,
                    f"部件「{display_name(info.filename)}」含有 DTD 或实体声明（<!DOCTYPE / <!ENTITY）",
                    "Excel 或 WPS 保存的标准 .xlsx 工作簿",
                )
            start = window.lstrip(b"\xef\xbb\xbf \t\r\n")
            if xml is None and start:
                xml = start.startswith(b"<")
            if xml:
                scan.look(window)
            tail = window[-SCAN_TAIL:]
    except (zlib.error, struct.error, OSError) as exc:
        raise _reject("F001", meter.path, CORRUPT) from exc
    return scan


def _declares_dtd(window: bytes) -> bool:
    text = window.translate(None, b"\0") if b"\0" in window else window  # the copy only where there are NULs
    return b"<!" in text and any(m in text for m in DTD_MARKERS)


def _inflate(raw, info: zipfile.ZipInfo):
    """The member's bytes as stored, inflated chunk by chunk: declared sizes are not trusted."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise struct.error("no local file header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size  # bounds the input only; the caller counts the output
    if info.compress_type == zipfile.ZIP_STORED:
        while left > 0 and (data := raw.read(min(CHUNK, left))):
            left -= len(data)
            yield data
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise zlib.error(f"compression method {info.compress_type}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    while left > 0 and not inflater.eof and (data := raw.read(min(CHUNK, left))):
        left -= len(data)
        yield inflater.decompress(data, CHUNK)
        while inflater.unconsumed_tail and not inflater.eof:
            yield inflater.decompress(inflater.unconsumed_tail, CHUNK)


def _check_extent(path: Path, scans: dict[str, _Scan], names: dict[str, str]) -> None:
    """F006 for the first worksheet with a cell (or else a declared range) beyond the grid limits."""
    for member, scan in scans.items():
        ref = scan.far_cell or scan.far_range
        if ref is None or member not in names:
            continue
        letters, row = COORDINATE.fullmatch(ref).groups()
        where = f"的单元格 {ref} 远在表格之外" if scan.far_cell else f"声明的范围延伸到 {ref}"
        raise _reject(
            "F006",
            path,
            f"工作表「{display_name(names[member])}」{where}（第 {row} 行、第 {column_index_from_string(letters)} 列）",
            f"全部内容在前 {MAX_ROWS} 行、前 {MAX_COLUMNS} 列之内（删除表格以外的行和列后保存）",
        )


def _special_cells(
    path: Path, zf: zipfile.ZipFile, members: list[str], names: dict[str, str]
) -> dict[str, dict[tuple[int, int], object]]:
    """sheet name -> {(row, column index): UNCALCULATED or FormulaError} for formula cells without a
    cached result (no <v> or an empty one) and cells holding an error value (t="e")."""
    out: dict[str, dict[tuple[int, int], object]] = {}
    try:
        for member in members:
            if member not in names:
                continue
            for attrs, inner in CELL.findall(zf.read(member)):
                ref = CELL_REF.search(attrs)
                if ref is None:
                    continue
                if ERROR_TYPE.search(attrs):
                    marker = FormulaError(_cached_text(inner))
                elif next(_elements(FORMULA_NAME, inner), None) is not None and not _has_result(attrs, inner):
                    marker = UNCALCULATED
                else:
                    continue
                col = column_index_from_string(ref.group(1).decode()) - 1
                out.setdefault(names[member], {})[(int(ref.group(2)), col)] = marker
    except (zipfile.BadZipFile, KeyError) as exc:
        raise _reject("F001", path, CORRUPT) from exc
    return out


def _cached_text(inner: bytes) -> str:
    match = CACHED_TEXT.search(inner)
    return match[1].decode("utf-8", "replace").strip() if match else "#VALUE!"


def _has_result(attrs: bytes, inner: bytes) -> bool:
    """A cached value, or an empty text result (Excel saves t="str" with <v></v>); openpyxl and other
    generators that never calculate write <v /> or no <v> at all."""
    return CACHED.search(inner) is not None or (
        TEXT_TYPE.search(attrs) is not None and VALUE_ELEMENT.search(inner) is not None
    )


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each worksheet -> its sheet name (xl/workbook.xml and its relationships)."""
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    }
    out = {}
    for sheet in ElementTree.fromstring(zf.read("xl/workbook.xml")).iter():
        if sheet.tag.endswith("}sheet") and sheet.get(RELS_NS) in targets:
            target = targets[sheet.get(RELS_NS)]
            out[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = sheet.get("name")
    return out


def _mark_cells(sheets: Sheets, cells: dict[str, dict[tuple[int, int], object]]) -> None:
    """Put the markers where calamine gave an empty cell (or none at all)."""
    for sheet, markers in cells.items():
        rows = sheets.get(sheet)
        if rows is None:
            continue
        for (row_no, col), marker in markers.items():
            while len(rows) < row_no:  # the cell lies beyond the last one calamine saw with a value
                rows.append((len(rows) + 1, []))
            values = list(rows[row_no - 1][1])
            values += [None] * (col + 1 - len(values))
            values[col] = marker
            rows[row_no - 1] = (row_no, values)


def _read_csv(path: Path) -> Sheets:
    """CSV carries the same content as the workbook, one row per cell: 工作表, 指标, 单位, 数值 (, 说明)."""
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _reject("F001", path, "无法识别的文字编码", "UTF-8 或 GBK 编码的 CSV")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0][:4]) != CSV_COLUMNS:
        found = f"表头「{','.join(rows[0]) if rows else ''}」"
        raise UnreadableFile(
            Finding("F001", display_name(path.name), row=1, found=found, expected="表头为 " + ",".join(CSV_COLUMNS))
        )
    sheets: Sheets = {}
    keys = _list_sheet_keys()
    records: dict[str, dict[str, dict[str, object]]] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        sheet, label, unit, value, note = (row + ["", "", "", "", ""])[:5]
        sheet = sheet.strip()
        if sheet == INFO_SHEET:  # same shape as the workbook's 基本信息: label, value
            sheets.setdefault(sheet, []).append((line_no, [label, value]))
        elif sheet in keys:  # a list sheet, one row per cell of a record: 指标 = its key (专业代码), 单位 = the column
            record = records.setdefault(sheet, {}).setdefault(label.strip(), {"": line_no})
            if unit.strip():
                record[unit.strip()] = value
        else:
            target = sheets.setdefault(sheet, [(1, ["序号", "指标", "单位", "数值", "说明"])])
            target.append((line_no, ["", label, unit, value, note]))
    for sheet, by_key in records.items():  # the list sheet as the workbook has it: a header row, a row per record
        columns = list(dict.fromkeys(c for record in by_key.values() for c in record if c))
        sheets[sheet] = [(1, [keys[sheet], *columns])] + [
            (record[""], [key, *(record.get(c, "") for c in columns)]) for key, record in by_key.items()
        ]
    return sheets


def _list_sheet_keys() -> dict[str, str]:
    """List sheet -> the label of its key column (专业设置 -> 专业代码), from seeds/list_sheet_columns.csv."""
    from orchestration import catalogue

    columns = catalogue.read_seed("list_sheet_columns")
    return {r["sheet_name"]: r["column_label_zh"] for r in columns if r["type"] == "code"}
