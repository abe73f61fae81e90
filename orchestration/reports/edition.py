"""Report editions as data: seeds/report_editions.csv names each edition (code, publication year,
series, data year, title, levels) and the layout it follows; seeds/editions/<layout>/ holds that
layout's chapters, numbered tables (and their cells) and figures; the editors' text of each chapter is
orchestration/reports/templates/editions/<layout>/<chapter_code>.html.j2.

Next year's edition is a new row of report_editions.csv with the layout of an earlier one: no code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration import catalogue
from orchestration.settings import SEEDS_DIR

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Chapter:
    code: str
    title: str


@dataclass(frozen=True)
class Cell:
    row_order: int
    row_label: str
    column_order: int
    column_label: str
    source: str
    display_unit: str
    decimals: int


@dataclass(frozen=True)
class Table:
    table_id: str
    chapter_code: str
    caption: str
    kind: str  # grid: cells from table_cells.csv; rows: one row per row of a mart (source, filter, columns)
    source: str
    filter: str
    columns: str
    stub: str
    note: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Figure:
    figure_id: str
    chapter_code: str
    caption: str
    chart: str  # bar | barh | pie | line
    unit: str
    decimals: int
    items: tuple[tuple[str, str], ...]  # (label, source)


@dataclass(frozen=True)
class Edition:
    code: str
    edition: str  # the year printed on the cover
    series: str
    data_year: int
    layout: str
    title: str
    levels: tuple[str, ...]
    source_text: str

    @property
    def folder(self) -> Path:
        return SEEDS_DIR / "editions" / self.layout

    @property
    def template_dir(self) -> str:
        return f"editions/{self.layout}"

    @property
    def chapters(self) -> list[Chapter]:
        return _chapters(self.layout)

    @property
    def tables(self) -> dict[str, Table]:
        return _tables(self.layout)

    @property
    def figures(self) -> dict[str, Figure]:
        return _figures(self.layout)

    def words(self, text: str) -> str:
        """Captions and labels name years as {year} and {prev}, so a layout serves the next edition."""
        return text.format(year=self.data_year, prev=self.data_year - 1)


def _read(layout: str, name: str) -> list[dict[str, str]]:
    path = SEEDS_DIR / "editions" / layout / f"{name}.csv"
    return catalogue.read_seed(name, path.parent) if path.exists() else []


@cache
def _chapters(layout: str) -> list[Chapter]:
    rows = sorted(_read(layout, "chapters"), key=lambda r: int(r["chapter_order"]))
    return [Chapter(r["chapter_code"], r["title"]) for r in rows]


@cache
def _tables(layout: str) -> dict[str, Table]:
    cells: dict[str, list[Cell]] = {}
    for r in _read(layout, "table_cells"):
        cells.setdefault(r["table_id"], []).append(
            Cell(
                int(r["row_order"]),
                r["row_label"],
                int(r["column_order"]),
                r["column_label"],
                r["source"].strip(),
                r["display_unit"],
                int(r["decimals"] or 0),
            )
        )
    return {
        r["table_id"]: Table(
            r["table_id"],
            r["chapter_code"],
            r["caption"],
            r["kind"],
            r["source"],
            r["filter"],
            r["columns"],
            r["stub"],
            r["note"],
            tuple(sorted(cells.get(r["table_id"], []), key=lambda c: (c.row_order, c.column_order))),
        )
        for r in _read(layout, "tables")
    }


@cache
def _figures(layout: str) -> dict[str, Figure]:
    out = {}
    for r in _read(layout, "figures"):
        items = tuple(tuple(part.split("=", 1)) for part in catalogue.split_list(r["items"]))
        out[r["figure_id"]] = Figure(
            r["figure_id"], r["chapter_code"], r["caption"], r["chart"], r["unit"], int(r["decimals"] or 0), items
        )
    return out


def editions() -> list[Edition]:
    return [
        Edition(
            r["edition_code"],
            r["edition"],
            r["series"],
            int(r["data_year"]),
            r["layout"],
            r["title"],
            tuple(catalogue.split_list(r["levels"])),
            r["source_text"],
        )
        for r in catalogue.read_seed("report_editions")
    ]


def series() -> list[str]:
    return sorted({e.series for e in editions()})


def for_series(name: str, data_year: int) -> Edition | None:
    return next((e for e in editions() if e.series == name and e.data_year == data_year), None)


def find(key: str) -> Edition:
    """An edition by its code (003) or the year on its cover (2025)."""
    for e in editions():
        if key in (e.code, e.edition):
            return e
    known = "、".join(f"{e.edition}（{e.code}，{e.title}）" for e in editions())
    raise KeyError(f"no report edition {key!r}; editions: {known}")
