"""The analysts' copy: what docs/analysts.md promises holds for the published copy of the sample warehouse.

- Every SQL block under "Eleven questions" runs read-only against the published copy and returns the
  table written under it (values as `cell` prints them).
- The copy holds the marts, the chosen reference seeds and the publication record only: no raw,
  staging, intermediate or meta schema, and no column that names a person.
"""

import re
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.publish import personal_columns, published_reference
from tests.helpers import read_only

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysts.md"
QUESTION = re.compile(r"^### (\d+)\. [^\n]*\n+```sql\n(.*?)```\n+((?:\|[^\n]*\|\n?)+)", re.M | re.S)


def cell(value) -> str:
    """A result value as the documented tables print it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.10g}"
    return str(value).replace("|", "\\|")


def questions() -> list[tuple[str, str, list[str], list[list[str]]]]:
    found = []
    for number, sql, table in QUESTION.findall(DOC.read_text(encoding="utf-8")):
        lines = [line.strip() for line in table.strip().splitlines()]
        header = [c.strip() for c in lines[0].strip("|").split(" | ")]
        rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]
        found.append((number, sql, header, rows))
    return found


def test_the_doc_has_eleven_questions_each_with_its_result():
    assert [q[0] for q in questions()] == [str(n) for n in range(1, 12)]


@pytest.mark.parametrize("question", questions(), ids=lambda q: f"q{q[0]}")
def test_the_documented_query_returns_the_documented_rows(built_warehouse, question):
    _, sql, header, rows = question
    with read_only(settings.published_path()) as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        actual = [[cell(v) for v in row] for row in cursor.fetchall()]
    assert columns == header
    assert actual == rows


def test_the_published_copy_holds_no_intake_tables_and_no_personal_data(built_warehouse):
    with read_only(settings.published_path()) as con:
        tables = set(
            con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        )
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where lower(column_name) in (select unnest(?::varchar[]))",
            [sorted(personal_columns())],
        ).fetchall()
        personal_rows = con.execute(
            "select count(*) from marts.fct_reference_dataset_rows where column_name in (select unnest(?::varchar[]))",
            [sorted(personal_columns())],
        ).fetchone()[0]
    with read_only(settings.duckdb_path()) as con:
        marts = set(
            con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name = 'marts' "
                "union all select schema_name, view_name from duckdb_views() where schema_name = 'marts'"
            ).fetchall()
        )
        working_personal = con.execute(
            "select count(*) from duckdb_columns() where column_name in ('filled_by', 'resolved_by', 'entered_by')"
        ).fetchone()[0]

    assert {schema for schema, _ in tables} == {"main", "marts", "reference"}
    assert {name for schema, name in tables if schema == "main"} == {"publication"}
    assert {name for schema, name in tables if schema == "reference"} == published_reference()
    assert {"indicators", "quality_rules", "majors"} <= published_reference()
    assert {"filled_by", "explained_by", "granted_by", "phone"} <= personal_columns()
    assert {t for t in tables if t[0] == "marts"} == marts  # every mart, views as tables
    assert ("marts", "mart_school_reporting") in tables
    assert columns == [] and personal_rows == 0
    assert working_personal > 0  # the working warehouse keeps them for feedback and reports
