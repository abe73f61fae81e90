"""Shared test helpers: read-only access to a warehouse file; a parsed submission made from values."""

from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration import catalogue
from orchestration.intake.parse import ParsedSubmission


@contextmanager
def read_only(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def add_to_cell(path, sheet, label, delta):
    """A school's correction: change the 数值 of the row `label` on `sheet` by `delta`; returns the new value."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[sheet]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == label)
    ws.cell(row, 4).value = ws.cell(row, 4).value + delta
    wb.save(path)
    return ws.cell(row, 4).value


def parsed_submission(name: str, year: int, school: str, values: dict, level: str | None = None) -> ParsedSubmission:
    """A parsed submission as parse_submission makes it, from a school's values (code -> number,
    list:<sheet> -> records), placed where the template puts them."""
    level = level or catalogue.schools()[school].level
    version = catalogue.template_version_for(year, level)
    out, row = [], {}
    for t in catalogue.template_rows(version, level):
        row[t.sheet] = row.get(t.sheet, 3) + 1
        v = values.get(t.code)
        out.append(
            {
                "indicator_code": t.code,
                "value": None if v is None else float(v),
                "sheet": t.sheet,
                "row_number": row[t.sheet],
                "cell": f"D{row[t.sheet]}",
            }
        )
    list_rows = []
    for sheet, cols in catalogue.list_columns(version, level).items():
        for n, record in enumerate(values.get(f"list:{sheet}", []), start=4):
            for c in cols:
                if c["type"] in ("integer", "number") and c["column_name"] != "row_no":
                    list_rows.append(
                        {
                            "sheet": sheet,
                            "row_number": n,
                            "row_key": record["major_code"],
                            "column_name": c["column_name"],
                            "value": float(record[c["column_name"]]),
                            "cell": f"A{n}",
                        }
                    )
    return ParsedSubmission(
        path=Path(f"{name}.xlsx"),
        file_hash=name,
        info={"school_code": school, "data_year": str(year), "level": level, "template_version": version},
        values=out,
        list_rows=list_rows,
    )


def table_rows(html: str) -> dict[str, list[str]]:
    """Printed table rows of an HTML report by their first cell, as text."""
    import html as html_lib
    import re

    out = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        if cells:
            out[cells[0]] = cells[1:]
    return out
