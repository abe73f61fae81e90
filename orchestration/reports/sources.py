"""What a report can print: city figures (marts.fct_city_indicator_year, of which the chapter marts are
cuts; a school's own figure where the group is a school's name, marts.fct_school_indicator), facts of
the commission's facts register (marts.fct_report_facts) and rows of other marts.

A source is written as text in the edition seeds:
    m:<indicator_code>:<group>[:<measure>[:<year offset>]]   e.g. m:enrol_total:职业院校合计:change_pct
    f:<fact_code>
measure is a column of fct_city_indicator_year (value, prev_value, change_abs, change_pct, change_pp),
the year offset counts back from the edition's data year (-1 = the year before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd
from markupsafe import Markup

from orchestration.reports.formatting import display, grouped, scale_for, signed
from orchestration.reports.trace import Trace

CITY = "marts.fct_city_indicator_year"
SCHOOL = "marts.fct_school_indicator"
FACTS = "marts.fct_report_facts"
MEASURES = ("value", "prev_value", "change_abs", "change_pct", "change_pp")
CHANGES = ("change_abs", "change_pct", "change_pp")
NOT_COLLECTED = "上年数据未采集"
# what a previous-year value or a change prints in prose when the previous data year is not loaded:
# placeholders that render.no_previous_year() turns into wording that reads (a change, a value)
NO_CHANGE, NO_PREV = "\ue000", "\ue001"


def loaded_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Data years some school's submission was loaded for (registry counts alone exist for every year)."""
    return {
        int(y)
        for (y,) in con.execute("select distinct data_year from staging.stg_submissions where is_current").fetchall()
    }


class NotCollectedCell(str):
    """A table cell of the previous year, or of a change, when that year is not loaded: printed as —."""


def clean(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA else x


@dataclass(frozen=True)
class Source:
    kind: str  # m | f
    code: str
    group: str = ""
    measure: str = "value"
    offset: int = 0


def parse(text: str) -> Source:
    parts = text.split(":")
    if parts[0] == "f" and len(parts) == 2:
        return Source("f", parts[1])
    if parts[0] == "m" and 3 <= len(parts) <= 5:
        measure = parts[3] if len(parts) > 3 and parts[3] else "value"
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r} in source {text!r} (one of {', '.join(MEASURES)})")
        return Source("m", parts[1], parts[2], measure, int(parts[4]) if len(parts) > 4 else 0)
    raise ValueError(f"source {text!r} is neither m:<indicator>:<group>[:<measure>[:<offset>]] nor f:<fact>")


class Sources:
    """One read of the marts a report needs; lookups by source; every printed number traced."""

    prev_missing = False  # the edition's previous data year not loaded (set from the warehouse)

    def __init__(self, con: duckdb.DuckDBPyConnection, data_year: int, trace: Trace):
        self.con, self.data_year, self.trace = con, data_year, trace
        # the edition's previous data year not loaded: its values and changes print 上年数据未采集
        self.prev_missing = data_year - 1 not in loaded_years(con)
        city = con.execute(f"select * from {CITY}").df()
        self.city = {(int(r["data_year"]), r["group_name"], r["indicator_code"]): r for r in city.to_dict("records")}
        self._looked_up: set[str] = set()  # groups already looked up among the schools
        facts = con.execute(f"select * from {FACTS}").df()
        self.facts = {(int(r["data_year"]), r["fact_code"]): r for r in facts.to_dict("records")}

    def metric_row(self, code: str, group: str, offset: int = 0) -> dict | None:
        """The city's (or a district's, a type's…) row of the indicator; a group that is none of those is looked
        up as a school's name, when a report first names it (a national registry holds ten thousand schools)."""
        key = (self.data_year + offset, group, code)
        if key not in self.city and group not in self._looked_up:
            self._looked_up.add(group)
            self._read_school(group)
        return self.city.get(key)

    def _read_school(self, name: str) -> None:
        school = self.con.execute(
            f"""select s.data_year, s.school_name as group_name, s.indicator_code, s.indicator_name, s.unit, s.value,
                       p.value as prev_value, 1 as schools_reporting, 1 as schools_expected, '{SCHOOL}' as relation
                from {SCHOOL} s left join {SCHOOL} p
                  on p.school_code = s.school_code and p.indicator_code = s.indicator_code
                 and p.data_year = s.data_year - 1
                where s.school_name = ?""",
            [name],
        ).df()
        for r in school.to_dict("records"):
            r.update(
                change_abs=None, change_pct=None, change_pp=None
            )  # a school's changes: issue of the school reports
            self.city.setdefault((int(r["data_year"]), r["group_name"], r["indicator_code"]), r)

    def fact_row(self, code: str) -> dict | None:
        return self.facts.get((self.data_year, code))

    def metric_or_problem(self, code: str, group: str, offset: int = 0) -> dict | Markup:
        """The metric's row, or the problem recorded (and shown where the template named it)."""
        row = self.metric_row(code, group, offset)
        return (
            row if row is not None else self.trace.problem(f"没有指标 {code}（{group}，{self.data_year + offset} 年）")
        )

    def fact_or_problem(self, code: str) -> dict | Markup:
        row = self.fact_row(code)
        return row if row is not None else self.trace.problem(f"事实登记册中没有 {self.data_year} 年的事实 {code}")

    def number(
        self, spec: str, display_unit: str = "", decimals: int = 0, table: bool = False, magnitude: bool = False
    ):
        """The number a source names, printed (thousands separators and signs in tables) and traced."""
        try:
            src = parse(spec)
        except ValueError as exc:
            return self.trace.problem(str(exc))
        if src.kind == "f":
            row = self.fact_or_problem(src.code)
            return row if isinstance(row, Markup) else self.fact_number(row, display_unit, decimals, table)
        if self.prev_missing and src.offset < 0:
            return self.not_collected("prev_value", table)
        row = self.metric_or_problem(src.code, src.group, src.offset)
        return (
            row
            if isinstance(row, Markup)
            else self.metric_number(row, src.measure, display_unit, decimals, table, magnitude)
        )

    def metric_number(
        self,
        row: dict,
        measure: str,
        display_unit: str = "",
        decimals: int = 0,
        table: bool = False,
        magnitude: bool = False,
    ):
        value = clean(row[measure])
        if self.prev_missing and (measure == "prev_value" or measure in CHANGES):  # not even registry counts
            return self.not_collected(measure, table)
        unit = "%" if measure == "change_pct" else ("个百分点" if measure == "change_pp" else row["unit"])
        shown_unit = display_unit or (row["unit"] if measure not in ("change_pct", "change_pp") else unit)
        if value is None:
            text = "—"
        else:
            v = abs(value) if magnitude else value
            scaled = v / scale_for(row["unit"], shown_unit) if measure not in ("change_pct", "change_pp") else v
            if table and measure in CHANGES:
                text = signed(scaled, decimals)
            elif table:
                text = grouped(scaled, decimals)
            else:
                text = display(scaled, shown_unit, shown_unit, decimals)
        year = int(row["data_year"]) - (1 if measure == "prev_value" else 0)
        if text == "—":
            return text
        return self.trace.mark(
            text,
            source_kind="指标",
            relation=row.get("relation", CITY),
            source_key=f"{row['indicator_code']} · {row['group_name']} · {int(row['data_year'])} · {measure}",
            data_year=year,
            value=value,
            unit=unit if measure in ("change_pct", "change_pp") else row["unit"],
            display_unit=shown_unit,
            reporting=f"{int(row['schools_reporting'])}/{int(row['schools_expected'])}",
            note=row["indicator_name"],
        )

    def not_collected(self, measure: str, table: bool = False):
        """What prints for a previous-year value or a change of a year not loaded: — in a table (with
        the table's note), a placeholder in prose that render.no_previous_year() words."""
        if table:
            return NotCollectedCell("—")
        return Markup(NO_CHANGE if measure in CHANGES else NO_PREV)

    def count(self, row: dict, column: str):
        """Schools reporting / expected for a figure, printed in the text about its completeness."""
        value = int(row[column])
        return self.trace.mark(
            str(value),
            source_kind="指标",
            relation=row.get("relation", CITY),
            source_key=f"{row['indicator_code']} · {row['group_name']} · {int(row['data_year'])} · {column}",
            data_year=int(row["data_year"]),
            value=value,
            unit="所",
            display_unit="所",
            reporting=f"{int(row['schools_reporting'])}/{int(row['schools_expected'])}",
            note=row["indicator_name"],
        )

    def fact_number(self, row: dict, display_unit: str = "", decimals: int | None = None, table: bool = False):
        value = float(row["value"])
        shown_unit = display_unit or row["unit"]
        scaled = value / scale_for(row["unit"], shown_unit) if row["unit"] and shown_unit != row["unit"] else value
        if decimals is None:  # as entered: a fact keeps the precision it was published with
            decimals = int(row["decimals"])
        text = grouped(scaled, decimals) if table else display(scaled, shown_unit, shown_unit, decimals)
        return self.trace.mark(
            text,
            source_kind="事实",
            relation=FACTS,
            source_key=row["fact_code"],
            data_year=int(row["data_year"]),
            value=value,
            unit=row["unit"] or "",
            display_unit=shown_unit or "",
            reporting="",
            note=f"{row['source_document']}（{row['source_date']}，{row['entered_by']}录入）",
        )

    def row_number(self, relation: str, key: str, value, unit: str, decimals: int, year: int):
        """A number from one row of another mart (list tables)."""
        value = clean(value)
        if value is None:
            return "—"
        return self.trace.mark(
            grouped(float(value), decimals),
            source_kind="数据集",
            relation=relation,
            source_key=key,
            data_year=year,
            value=float(value),
            unit=unit,
            display_unit=unit,
            reporting="",
            note="",
        )
