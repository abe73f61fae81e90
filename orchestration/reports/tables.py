"""Numbered tables (表 N-M) as the edition seeds lay them out.

grid: every cell names its source (seeds/editions/<layout>/table_cells.csv): indicator tables, with
      years or levels as columns, or transposed.
rows: one printed row per row of a mart (list tables: textbooks per school, enrolment plans, shares
      by major): `source` is the relation, `filter` is `column=value;…;@order=column` (`-column`
      descending), `columns` is `column=header[:decimals]|…` (`#` numbers the rows); source
      dataset:<code> lists a commission dataset's records in workbook order.
Completeness footnotes follow each table: "注：N 所学校未填报…".
"""

from __future__ import annotations

import re

from markupsafe import Markup

from orchestration.reports.edition import Edition, Table
from orchestration.reports.sources import CITY, NOT_COLLECTED, NotCollectedCell, Sources

NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")
DATASET_ROWS = "marts.fct_reference_dataset_rows"


def render_table(table: Table, edition: Edition, sources: Sources) -> Markup:
    chapter = sources.trace.where
    sources.trace.where = f"{chapter} · {table.table_id}"
    before = len(sources.trace.numbers)
    header, body = (_grid if table.kind == "grid" else _rows)(table, edition, sources)
    notes = [Markup("注：") + note for note in completeness(sources, sources.trace.numbers[before:], "表中")]
    notes += [edition.words(table.note)] if table.note else []
    if any(isinstance(c, NotCollectedCell) for _, cells in body for c in cells):
        notes.append(
            Markup("注：{}（{} 年），表中上年数值及增减以“—”表示。").format(NOT_COLLECTED, edition.data_year - 1)
        )
    sources.trace.where = chapter
    html = Markup(
        '<p class="caption table-caption">{}</p>\n<table class="report" data-table="{}">\n<thead><tr>{}</tr></thead>\n'
    ).format(
        edition.words(table.caption), table.table_id, Markup("").join(Markup("<th>{}</th>").format(h) for h in header)
    )
    for label, cells in body:
        row = Markup("").join(_td(c) for c in [label, *cells])
        html += Markup("<tr>{}</tr>\n").format(row)
    html += Markup("</table>\n")
    for note in notes:
        html += Markup('<p class="note">{}</p>\n').format(note)
    return html


class Data(str):
    """Text of a list table's cell, from a mart or a commission dataset: printed as data (a code or a
    name with digits in it is not a number typed by hand), never as markup."""


def _td(cell) -> Markup:
    if isinstance(cell, Data):
        return Markup('<td class="data">{}</td>').format(cell)
    if isinstance(cell, Markup) or cell == "—":  # a traced number, or none
        return Markup('<td class="num">{}</td>').format(cell)
    return Markup("<td>{}</td>").format(cell)


def _grid(table: Table, edition: Edition, sources: Sources):
    columns = sorted({(c.column_order, edition.words(c.column_label)) for c in table.cells})
    rows: dict[int, tuple[str, dict[int, Markup | str]]] = {}
    for c in table.cells:
        label, cells = rows.setdefault(c.row_order, (edition.words(c.row_label), {}))
        cells[c.column_order] = sources.number(c.source, c.display_unit, c.decimals, table=True) if c.source else "—"
    header = [table.stub or "指标"] + [label for _, label in columns]
    body = [(label, [cells.get(order, "—") for order, _ in columns]) for _, (label, cells) in sorted(rows.items())]
    return header, body


def _frame(table: Table, edition: Edition, sources: Sources):
    """The rows a list table prints: a mart's rows, or a commission dataset's records (dataset:<code>)."""
    relation = table.source
    if relation.startswith("dataset:"):
        relation, params = DATASET_ROWS, [table.source.split(":", 1)[1], edition.data_year]
        long = sources.con.execute(f"select * from {relation} where dataset_code = ? and data_year = ?", params).df()
        wide = long.assign(value=long["value_text"].where(long["value_text"].notna(), long["value_number"]))
        frame = (
            wide.pivot(index="row_number", columns="column_name", values="value")
            .reset_index()
            .sort_values("row_number")
        )
        frame["dataset_code"] = params[0]
        return relation, frame.astype(object).where(frame.notna(), None)
    if not all(NAME.match(part) for part in relation.split(".")):
        raise ValueError(f"{table.table_id}: source {relation!r} is not a relation name")
    where, params, order = ["data_year = ?"], [edition.data_year], "1"
    for part in filter(None, table.filter.split(";")):
        key, value = part.split("=", 1)
        if key == "@order":  # a column name; -column for descending
            if not NAME.match(value.lstrip("-")):
                raise ValueError(f"{table.table_id}: @order {value!r} is not a column name")
            order = f"{value[1:]} desc" if value.startswith("-") else value
        else:
            where.append(f"{key} = ?")
            params.append(value)
    return relation, sources.con.execute(
        f"select * from {relation} where {' and '.join(where)} order by {order}", params
    ).df()


def _rows(table: Table, edition: Edition, sources: Sources):
    relation, frame = _frame(table, edition, sources)
    specs = [part.split("=", 1) for part in table.columns.split("|")]
    header = [spec[1].split(":")[0] for spec in specs]
    body = []
    for n, r in enumerate(frame.to_dict("records"), 1):
        cells = []
        for column, spec in specs:
            head, *fmt = spec.split(":")
            if column == "#":
                cells.append(Data(n))
            elif fmt:
                key = (
                    f"{r.get('dataset_code', relation)} · {edition.data_year} · "
                    f"{r.get('row_key', r.get('row_number', n))} · {column}"
                )
                cells.append(sources.row_number(relation, key, r[column], "", int(fmt[0]), edition.data_year))
            else:
                cells.append(Data("" if r[column] is None else r[column]))
        body.append((cells[0], cells[1:]))
    return header, body


def completeness(sources: Sources, numbers: list, where: str) -> list[Markup]:
    """Notes for the printed figures that fewer schools reported than expected: one note per group and
    count of missing schools, naming its indicators; `where` is 表中 or 文中."""
    seen, groups = set(), {}
    for n in list(numbers):
        if not n.reporting or n.relation != CITY:
            continue
        reporting, expected = (int(x) for x in n.reporting.split("/"))
        code, group, year = n.source_key.split(" · ")[:3]
        if reporting >= expected or (code, group, year) in seen:
            continue
        seen.add((code, group, year))
        groups.setdefault((group, year, reporting, expected), []).append((code, n))
    notes = []
    for (group, year, reporting, expected), members in groups.items():
        first = members[0][1]
        key = f"{members[0][0]} · {group} · {year}"
        count = dict(
            source_kind="指标",
            relation=CITY,
            data_year=int(year),
            unit="所",
            display_unit="所",
            reporting=first.reporting,
            note=first.note,
        )
        missing = sources.trace.mark(
            str(expected - reporting),
            source_key=f"{key} · schools_expected - schools_reporting",
            value=expected - reporting,
            **count,
        )
        counted = sources.trace.mark(str(reporting), source_key=f"{key} · schools_reporting", value=reporting, **count)
        names = "".join(f"「{n.note}」" for _, n in members)
        notes.append(
            Markup("{} 所学校未填报{}（{}，{} 年），{}数据为 {} 所学校合计。").format(
                missing, names, group, year, where, counted
            )
        )
    return notes
