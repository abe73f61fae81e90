"""Writes the small hand-made hostile files beside this script (committed; rerun only to change them).

    uv run python -m tests.corpus.hostile.make

Each is what a school might really send, or what an attacker would: text or a PDF renamed .xlsx, a
workbook cut off in transfer, an old .xls and a password-protected workbook (both OLE compound
files, built here by hand: header, one FAT sector, one directory sector, streams of 4096 bytes so
that no mini stream is needed), and a workbook whose XML declares the "billion laughs" entities.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
SECTOR = 512
FREE, END, FAT_SECT, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _dir_entry(
    name: str, kind: int, child: int = NO_STREAM, right: int = NO_STREAM, start: int = END, size: int = 0
) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)  # length, type (1 storage, 2 stream, 5 root), black
        + struct.pack("<III", NO_STREAM, right, child)
        + bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modification times
        + struct.pack("<IQ", start, size)
    )


def compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """A minimal valid CFB (version 3) holding the given streams (at most 3, each padded to 4096 bytes).
    Siblings form a right-leaning chain in the order given, which must be CFB name order (shorter first)."""
    per_stream = 4096 // SECTOR
    fat = [FAT_SECT, END]  # sector 0: this FAT, sector 1: the directory
    entries = [_dir_entry("Root Entry", 5, child=1 if streams else NO_STREAM)]
    for i, (name, _data) in enumerate(streams):
        start = len(fat)
        fat += list(range(start + 1, start + per_stream)) + [END]
        right = i + 2 if i + 1 < len(streams) else NO_STREAM
        entries.append(_dir_entry(name, 2, right=right, start=start, size=4096))
    entries += [_dir_entry("", 0)] * (4 - len(entries))
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREE) * 108
    )
    body = struct.pack(f"<{SECTOR // 4}I", *(fat + [FREE] * (SECTOR // 4 - len(fat)))) + b"".join(entries)
    return header + body + b"".join(data.ljust(4096, b"\0") for _, data in streams)


def encrypted() -> bytes:
    """What Excel writes for 文件 → 保护工作簿 → 用密码进行加密: EncryptionInfo + EncryptedPackage streams."""
    info = (
        struct.pack("<HHI", 4, 4, 0x40)
        + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    )
    package = struct.pack("<Q", 2048) + bytes(range(256)) * 8
    return compound_file([("EncryptionInfo", info), ("EncryptedPackage", package)])


def old_xls() -> bytes:
    """An Excel 97-2003 workbook: a Workbook stream of BIFF8 records (BOF, EOF)."""
    return compound_file([("Workbook", bytes.fromhex("0908100000060500bb0dcc07000000000600000a000000"))])


BILLION_LAUGHS = (
    """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE workbook [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>'
)

MINIMAL_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
    "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>',
}


def billion_laughs(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in {**MINIMAL_PARTS, "xl/workbook.xml": BILLION_LAUGHS}.items():
            zf.writestr(name, text)


def truncated(path: Path) -> None:
    """A real submission cut off after 60 % of its bytes, as an interrupted upload leaves it."""
    from orchestration.intake.template import write_workbook

    write_workbook(path, "中职", 2025, {"school_code": "BJZZ001"})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])


def main() -> None:
    (HERE / "not_a_workbook.xlsx").write_text("学校基本情况说明：本校 2025 年度数据见附件。\n", encoding="utf-8")
    (HERE / "pdf_renamed.xlsx").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    (HERE / "old_format.xlsx").write_bytes(old_xls())
    (HERE / "encrypted.xlsx").write_bytes(encrypted())
    billion_laughs(HERE / "billion_laughs.xlsx")
    truncated(HERE / "truncated.xlsx")


if __name__ == "__main__":
    main()
