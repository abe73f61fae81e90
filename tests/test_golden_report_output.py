"""The generated reports print the published figures: every numbered-table cell and every number of
the text listed in tests/expected/, read back from the files a reader opens.

Tables: the cell at (table, row, column) of the edition's HTML (the Word file's tables are the same
cells, tests/test_report_formats.py). Text: the data appendix (data_appendix.csv, one row per printed
number with its source) must hold a number from the expected source — mart row or fact — printed as
the report printed it. Contradictions print the value the data hold (held_value).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.reports.edition import editions
from orchestration.reports.formatting import round_half_up
from orchestration.reports.sources import MEASURES

EXPECTED_DIR = Path(__file__).parent / "expected"
SKIPPED_NOTES = ("Out of scope", "Out of warehouse scope", "Not yet built")


def _edition_of(row: dict) -> str | None:
    year = int(row["data_year"]) if row["data_year"] else None
    for e in editions():
        if e.code in Path(row["file"]).stem.split("_")[1] and year in (e.data_year, e.data_year - 1):
            return e.code
    return next((e.code for e in editions() if year in (e.data_year, e.data_year - 1)), None)


def _rows() -> list[dict]:
    out = []
    for path in sorted(EXPECTED_DIR.glob("report_*.csv")):
        for row in csv.DictReader(open(path, encoding="utf-8")):
            row["file"] = path.name
            row["edition"] = _edition_of(row)
            out.append(row)
    return out


ROWS = _rows()


def _checkable(r: dict) -> bool:
    if not r["indicator_code"] or r["note"].startswith(SKIPPED_NOTES) or r["edition"] is None:
        return False
    if r["table_id"].startswith("表"):
        return True
    counts = ("schools_reporting", "schools_expected")
    return r["indicator_code"].startswith("fact:") or (
        r["measure"] in (*MEASURES, *counts) and not r["indicator_code"].startswith("dataset:")
    )


CHECKED = [r for r in ROWS if _checkable(r)]


def _id(r):
    return (
        f"{r['file'][7:-4]}-L{r['line']}-{r['table_id']}-{r['row_label'] or r['indicator_zh']}"
        f"-{r['column_label']}-{r['group_name']}"
    )


class _Tables(HTMLParser):
    """Numbered tables of a report page: data-table id -> rows of cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-table"):
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def outputs(built_warehouse):
    out = {}
    for e in editions():
        folder = settings.report_dir(e.edition)
        parser = _Tables()
        parser.feed((folder / "annual_report.html").read_text(encoding="utf-8"))
        with open(folder / "data_appendix.csv", encoding="utf-8-sig") as f:
            appendix = list(csv.DictReader(f))
        out[e.code] = (parser.tables, appendix)
    return out


def _label(text: str) -> str:
    """Labels compared as printed, whatever the width of brackets or the spacing the source text had."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _norm(text: str) -> str:
    return text.replace(",", "").lstrip("'").lstrip("+-").strip()


def shows(text: str, row: dict, finer: bool = False) -> bool:
    """Whether a printed text is the expected figure, as the expected row compares it. `finer`: a list
    table prints one precision per column where the published table mixed them (6.82 for 6.8)."""
    try:
        shown = float(_norm(text))
    except ValueError:
        return False
    kind = row["comparison"]
    if kind == "contradiction":
        return _norm(text) == _norm(row["held_value"])
    printed = _norm(row["printed_value"])
    if kind in ("at_least", "neg_at_least"):
        return shown >= float(printed)
    if kind == "approx":  # printed finer than the warehouse keeps (fen of 元): the base unit's rounding
        text_decimals = len(_norm(text).partition(".")[2])
        return abs(shown - float(printed)) <= 0.5 / float(row["scale"] or 1) + 0.5 * 10**-text_decimals + 1e-9
    if finer and len(_norm(text).partition(".")[2]) > len(printed.partition(".")[2]):
        return round_half_up(shown, len(printed.partition(".")[2])) == Decimal(printed)
    return _norm(text) == printed


def _source(n: dict) -> tuple:
    """An appendix row as the expected files name a source: (code, group, data year, measure)."""
    if n["来源表"] == "marts.fct_report_facts":
        return ("fact:" + n["来源行"],)
    parts = n["来源行"].split(" · ")
    if len(parts) != 4:
        return tuple(parts)
    code, group, year, measure = parts
    if measure == "prev_value":
        return (code, group, int(year) - 1, "value")
    return (code, group, int(year), measure)


@pytest.mark.parametrize("row", CHECKED, ids=_id)
def test_the_report_prints_the_published_figure(outputs, row):
    tables, appendix = outputs[row["edition"]]
    expected = row["held_value"] if row["comparison"] == "contradiction" else row["printed_value"]
    where = f"{row['file']} line {row['line']} (edition {row['edition']})"
    if row["table_id"].startswith("表"):
        table = tables.get(row["table_id"])
        assert table, f"{where}: the report has no {row['table_id']}"
        header = [_label(h) for h in table[0]]
        assert _label(row["column_label"]) in header, (
            f"{where}: {row['table_id']} has no column「{row['column_label']}」 (columns: {table[0]})"
        )
        col = header.index(_label(row["column_label"]))
        # the row whose cells hold every part of the expected row's name (school | major …), whichever column names it
        parts = {_label(p) for p in re.split("[|｜]", row["row_label"])}
        if row["indicator_code"].startswith("dataset:") and re.search("[|｜]", row["group_name"]):
            parts |= {_label(p) for p in re.split("[|｜]", row["group_name"])}
        cells = [r[col] for r in table[1:] if r and col < len(r) and parts <= {_label(c) for c in r}]
        assert cells, f"{where}: {row['table_id']} has no row「{row['row_label']}」"
        assert any(shows(c, row, finer=True) for c in cells), (
            f"{where}: {row['table_id']} row「{row['row_label']}」column「{row['column_label']}」 "
            f"prints {cells}, expected {expected}"
        )
        return
    if row["indicator_code"].startswith("fact:"):
        wanted = (row["indicator_code"],)
    else:
        wanted = (row["indicator_code"], row["group_name"], int(row["data_year"]), row["measure"])
    printed = [n["数字"] for n in appendix if _source(n) == wanted]
    assert printed, (
        f"{where}: the text never prints「{row['indicator_zh']}」({' · '.join(map(str, wanted))}); "
        f"expected {expected}{row['printed_unit']}"
    )
    assert any(shows(t, row) for t in printed), (
        f"{where}:「{row['indicator_zh']}」 printed as {printed}, expected {expected}{row['printed_unit']}"
    )


def test_every_expected_row_is_checked_or_explained():
    for r in ROWS:
        assert r in CHECKED or r["note"], (
            f"{r['file']} line {r['line']}「{r['indicator_zh']}」: neither printed by the report nor explained"
        )
