"""Shared test helpers: read-only access to a warehouse file."""

from contextlib import contextmanager

import duckdb


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
