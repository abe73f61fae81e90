"""The analysts' copy is replaced only when what it would hold changed: a run that changes no published table
(nothing new accepted, a quarantined resubmission, a change only in a personal column) leaves the copy, and
its record of the run that published it, as they were."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish, published_record


@pytest.fixture
def warehouse(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_values as select * from (values ('A', 1.5, '张三', 'b1'), ('B', 2.0, '李四', 'b1')) "
        "t(school_code, value, filled_by, dbt_invocation_id)"
    )
    con.execute("comment on column marts.fct_values.value is '数值'")
    yield con
    con.close()


def _publish(con, tmp_path: Path, run_id: str) -> dict:
    return publish(con, tmp_path / "published" / "warehouse.duckdb", run_id, 2025, gx_home=tmp_path / "gx")


def _published(tmp_path: Path) -> tuple:
    with duckdb.connect(str(tmp_path / "published" / "warehouse.duckdb"), read_only=True) as copy:
        run = copy.execute("select run_id from main.publication").fetchall()
        rows = copy.execute("select school_code, value from marts.fct_values order by school_code").fetchall()
    return run, rows


def test_nothing_published_changed_keeps_the_copy(warehouse, tmp_path):
    first = _publish(warehouse, tmp_path, "run-1")
    target = tmp_path / "published" / "warehouse.duckdb"
    inode = target.stat().st_ino
    warehouse.execute("create table main.not_published as select 1 as x")  # not in the copy
    warehouse.execute("update marts.fct_values set filled_by = '王五'")  # a personal column: not in the copy
    warehouse.execute("update marts.fct_values set dbt_invocation_id = 'b2'")  # rebuilt, every value the same

    again = _publish(warehouse, tmp_path, "run-2")

    assert first["replaced"] and not again["replaced"]
    assert again["run_id"] == "run-1" and again["published_at"] == first["published_at"]
    assert target.stat().st_ino == inode  # the same file, not a new copy of it
    assert _published(tmp_path) == ([("run-1",)], [("A", 1.5), ("B", 2.0)])
    with duckdb.connect(str(target), read_only=True) as copy:  # the lineage of the build that run-1 published
        assert copy.execute("select distinct dbt_invocation_id from marts.fct_values").fetchall() == [("b1",)]
    assert sorted(p.name for p in target.parent.iterdir()) == ["warehouse.duckdb"]  # nothing left behind


@pytest.mark.parametrize(
    "change",
    [
        "update marts.fct_values set value = 2.5 where school_code = 'A'",  # one value
        "update marts.fct_values set value = case school_code when 'A' then 2.0 else 1.5 end",  # values swapped
        "insert into marts.fct_values values ('B', 2.0, '李四', 'b1')",  # a duplicate row
        "delete from marts.fct_values where school_code = 'B'",
        "comment on column marts.fct_values.value is '数值（万元）'",  # what a column means
        "alter table marts.fct_values alter value type decimal(18, 2)",  # its type
        "create table marts.mart_new as select 1 as x",  # a new mart
        "update marts.fct_values set value = null where school_code = 'A'",
    ],
)
def test_any_change_in_what_is_published_replaces_the_copy(warehouse, tmp_path, change):
    _publish(warehouse, tmp_path, "run-1")
    warehouse.execute(change)

    again = _publish(warehouse, tmp_path, "run-2")

    assert again["replaced"] and again["run_id"] == "run-2"
    assert _published(tmp_path)[0] == [("run-2",)]


def test_a_copy_that_cannot_be_compared_is_replaced(warehouse, tmp_path):
    """A copy from before the digest was recorded, or one that is not a DuckDB file, is replaced as before."""
    _publish(warehouse, tmp_path, "run-1")
    target = tmp_path / "published" / "warehouse.duckdb"
    with duckdb.connect(str(target)) as copy:
        copy.execute("alter table main.publication drop column content_digest")
    assert _publish(warehouse, tmp_path, "run-2")["replaced"]

    target.write_bytes(b"not a database")
    assert _publish(warehouse, tmp_path, "run-3")["replaced"]
    assert _published(tmp_path)[0] == [("run-3",)]

    target.unlink()
    assert _publish(warehouse, tmp_path, "run-4")["replaced"]


def test_the_copy_names_the_run_that_wrote_it(warehouse, tmp_path):
    """What `vocwh run` prints after a run: the run that wrote the copy, an earlier one when it was kept;
    nothing when there is no copy or it is not a database."""
    target = tmp_path / "published" / "warehouse.duckdb"
    assert published_record(target) is None
    first = _publish(warehouse, tmp_path, "run-1")
    _publish(warehouse, tmp_path, "run-2")  # nothing changed: kept
    record = published_record(target)
    assert (record["run_id"], record["data_year"]) == ("run-1", 2025)
    assert record["published_at"].isoformat() == first["published_at"]
    assert len(record["content_digest"]) == 64
    target.write_bytes(b"not a database")
    assert published_record(target) is None


def test_a_table_of_lineage_alone_is_compared_by_its_row_count(warehouse, tmp_path):
    """A published table whose only column is the build lineage: a rebuild keeps the copy, a new row does not."""
    warehouse.execute("create table marts.fct_builds as select 'b1' as dbt_invocation_id")
    _publish(warehouse, tmp_path, "run-1")
    warehouse.execute("update marts.fct_builds set dbt_invocation_id = 'b2'")
    assert not _publish(warehouse, tmp_path, "run-2")["replaced"]
    warehouse.execute("insert into marts.fct_builds values ('b3')")
    assert _publish(warehouse, tmp_path, "run-3")["replaced"]
