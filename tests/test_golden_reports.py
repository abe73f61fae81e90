"""The marts built from the sample submissions reproduce the published reports, cell by cell.

Expected figures are data: tests/expected/report_*.csv, one row per printed figure with the report
line, table, row and column it comes from. Rows marked `contradiction` are figures the report
contradicts itself on: the warehouse holds `held_value` (the value that follows from the data) and
the note says why. Rows without an indicator are outside what school submissions can back.
"""

import csv
from decimal import Decimal
from itertools import permutations
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.reports.formatting import round_half_up
from tests.helpers import read_only

EXPECTED_DIR = Path(__file__).parent / "expected"
SCHOOL_LEVEL_MEASURES = {"nonzero_schools"}


def _rows():
    out = []
    for path in sorted(EXPECTED_DIR.glob("report_*.csv")):
        for row in csv.DictReader(open(path, encoding="utf-8")):
            row["file"] = path.name
            out.append(row)
    return out


ROWS = _rows()
CITY_ROWS = [
    r
    for r in ROWS
    if r["indicator_code"]
    and not r["indicator_code"].startswith(("dataset:", "fact:"))
    and r["measure"] not in SCHOOL_LEVEL_MEASURES | {"share"}
    and r["group_name"] != "首钢工学院"
    and not r["note"].startswith("Not yet built:")
]


def _id(r):
    return f"{r['file'][7:-4]}-L{r['line']}-{r['group_name']}-{r['indicator_code']}-{r['data_year']}-{r['measure']}"


@pytest.fixture(scope="module")
def city(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        rows = con.execute("select * from marts.fct_city_indicator_year").df()
    return {(int(r["data_year"]), r["group_name"], r["indicator_code"]): r for r in rows.to_dict("records")}


def check_figure(actual: float, row: dict) -> str | None:
    """None if the printed figure holds for the warehouse value, else what is wrong."""
    shown = actual / float(row["scale"])
    printed = Decimal(row["printed_value"])
    decimals = int(row["decimals"])
    kind = row["comparison"]
    sign = -1 if kind.startswith("neg_") else 1
    if kind in ("round", "neg_round"):
        ok = round_half_up(sign * shown, decimals) == printed
    elif kind in ("at_least", "neg_at_least"):
        step = 10 ** (len(row["printed_value"]) - len(row["printed_value"].rstrip("0")))
        ok = float(printed) <= sign * shown < float(printed) + step
    elif kind == "approx":  # printed finer than the base unit kept (e.g. fen of 元)
        ok = abs(shown - float(printed)) <= 0.5 / float(row["scale"])
    elif kind == "contradiction":
        held = Decimal(row["held_value"])
        return (
            None
            if round_half_up(shown, decimals) == held and held != printed
            else f"should hold {held} ({row['note']})"
        )
    else:
        return f"unknown comparison {kind}"
    return None if ok else f"warehouse {sign * shown}"


@pytest.mark.parametrize("row", CITY_ROWS, ids=_id)
def test_printed_figure(city, row):
    key = (int(row["data_year"]), row["group_name"], row["indicator_code"])
    where = (
        f"{row['file']} line {row['line']} {row['table_id']} row「{row['row_label']}」column「{row['column_label']}」"
        f" printed {row['printed_value']}{row['printed_unit']}"
    )
    assert key in city, f"{where}: no mart row for {key}"
    actual = city[key][row["measure"]]
    assert actual is not None and actual == actual, f"{where}: {row['measure']} is empty"
    problem = check_figure(actual, row)
    assert problem is None, f"{where}: {problem}"


SHARE_ROWS = [
    r
    for r in ROWS
    if r["measure"] == "share"
    and not r["indicator_code"].startswith("dataset:")
    and not r["note"].startswith("Not yet built:")
]
SHARE_COLUMN = {"students_secondary_ft": "students_share", "enrol_secondary": "enrol_share"}


@pytest.fixture(scope="module")
def majors(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        rows = con.execute("select * from marts.mart_ch2_major_structure").df()
    return {(int(r["data_year"]), r["level"], r["code"]): r for r in rows.to_dict("records")}


@pytest.mark.parametrize("row", SHARE_ROWS, ids=_id)
def test_printed_share(majors, row):
    """专业结构 shares (001 表 2-1 by 专业大类, 表 2-2 by major): group_name is '<level>:<code>'."""
    level, code = row["group_name"].split(":")
    key = (int(row["data_year"]), level, code)
    where = (
        f"{row['file']} line {row['line']} {row['table_id']} row「{row['row_label']}」 printed {row['printed_value']}%"
    )
    assert key in majors, f"{where}: no mart row for {key}"
    problem = check_figure(majors[key][SHARE_COLUMN[row["indicator_code"]]], row)
    assert problem is None, f"{where}: {problem}"


DATASET_ROWS = [
    r for r in ROWS if r["indicator_code"].startswith("dataset:") and not r["note"].startswith("Not yet built:")
]


@pytest.fixture(scope="module")
def reference(built_warehouse):
    """(dataset, year, key) -> {value, share}: the quality-monitoring grades (key grade=…, band=…, all), the
    chapter 二 lists (row_key) and every commission dataset's records, keyed by each text value of a
    record, by pairs and triples of them joined with | (school|major) and by row_no=N, as the expected
    files name rows."""
    out = {}
    with read_only(settings.duckdb_path()) as con:
        for d, y, kind, key, count, share in con.execute(
            "select dataset_code, data_year, key_kind, key, major_count, share from marts.mart_ch2_quality_monitoring"
        ).fetchall():
            out[(d, y, "all" if kind == "all" else f"{kind}={key}")] = {"value": count, "share": share}
        for d, y, key, value in con.execute(
            "select dataset_code, data_year, row_key, value from marts.mart_ch2_reference_lists"
        ).fetchall():
            out[(d, y, key)] = {"value": value}
        records: dict[tuple, dict] = {}
        for d, y, n, column, text, number in con.execute(
            "select dataset_code, data_year, row_number, column_name, value_text, value_number "
            "from marts.fct_reference_dataset_rows order by row_number"
        ).fetchall():
            records.setdefault((d, y, n), {})[column] = text if text is not None else number
    for (d, y, _), record in records.items():
        texts = [v for v in record.values() if isinstance(v, str)]
        keys = texts + ["|".join(p) for p in permutations(texts, 2)] + ["|".join(p) for p in permutations(texts, 3)]
        if record.get("row_no") is not None:
            keys.append(f"row_no={int(record['row_no'])}")
        for key in keys:
            for column, value in record.items():
                if not isinstance(value, str):
                    out.setdefault((d, y, f"{key}:{column}"), {"value": value})
    return out


@pytest.mark.parametrize("row", DATASET_ROWS, ids=_id)
def test_printed_reference_dataset_cell(reference, row):
    """List tables from the commission's datasets (003 表 2-2 … 2-5): indicator_code is dataset:<code>:<column>."""
    _, dataset, column = row["indicator_code"].split(":")
    key = (dataset, int(row["data_year"]), row["group_name"])
    if key not in reference:  # a record of a commission dataset: its key and the column printed
        key = (dataset, int(row["data_year"]), f"{row['group_name'].replace('｜', '|')}:{column}")
    where = (
        f"{row['file']} line {row['line']} {row['table_id']} row「{row['row_label']}」column「{row['column_label']}」 "
        f"printed {row['printed_value']}"
    )
    assert key in reference, f"{where}: no mart row for {key}"
    problem = check_figure(reference[key][row["measure"]], row)
    assert problem is None, f"{where}: {problem}"


FACT_ROWS = [r for r in ROWS if r["indicator_code"].startswith("fact:")]


@pytest.fixture(scope="module")
def facts(built_warehouse):
    with read_only(settings.duckdb_path()) as con:
        return {
            (y, code): value
            for y, code, value in con.execute(
                "select data_year, fact_code, value from marts.fct_report_facts"
            ).fetchall()
        }


@pytest.mark.parametrize("row", FACT_ROWS, ids=_id)
def test_printed_fact(facts, row):
    """Figures no school submits (awards, projects, plans) come from the commission's facts register."""
    code, year = row["indicator_code"].split(":", 1)[1], int(row["data_year"])
    # a previous-year figure sits in the register of the edition's data year
    key = (year, code) if (year, code) in facts else (year + 1, code)
    where = (
        f"{row['file']} line {row['line']}「{row['indicator_zh']}」 printed {row['printed_value']}{row['printed_unit']}"
    )
    assert key in facts, f"{where}: no fact {key[1]} for {key[0]} in marts.fct_report_facts"
    problem = check_figure(facts[key], row)
    assert problem is None, f"{where}: {problem}"


def test_every_row_is_checked_or_explained():
    for r in ROWS:
        if r not in CITY_ROWS and r not in SHARE_ROWS and r not in DATASET_ROWS and r not in FACT_ROWS:
            assert r["note"], f"{r['file']} line {r['line']}: skipped without a note"
