"""The published copy analysts query: the analyst-facing part of the warehouse, swapped in atomically.

What it holds (docs/analysts.md lists it): every table and view of the `marts` schema (views
materialized as tables), the reference seeds that describe them (seeds/published_reference.csv), and
`main.publication` (which run published it). Nothing of raw, staging, intermediate or meta, and no
column that names a person (seeds/personal_columns.csv: who filled a file, explained or tolerated a
warning, entered a fact); reference dataset rows under such a column name are left out too. The working
warehouse keeps all of it for the feedback workbooks and the reports. Table and column comments
are carried over.

It is replaced only when what it would hold changed (`content_digest`, recorded in `main.publication`): a run
that changes no published table leaves the copy, and its record of the run that published it, as they were.
The copy is written to a temporary file beside the target and renamed over it. An analyst who has
the old copy open keeps reading the old file (rename does not touch open files) and never blocks
the run; a new connection sees the new copy whole. A run killed mid-copy leaves only a stray
temporary file, which the next publication removes.

Beside it, `data_docs/` is the Great Expectations Data Docs site of the run's gates (the last
validation of each gate, `data_checks/gx_runner.py`), rebuilt from this home's stored results and
replaced whole: built into a temporary folder, then renamed in place of the old one. When no gate
has been validated in this home there is nothing to show: no site is built (GX is not even
imported), an existing `data_docs/` is left as it is, and the result's "data_docs" is None.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.catalogue import read_seed

PUBLICATION_TABLE = "main.publication"
DATA_DOCS = "data_docs"  # the Data Docs site beside the published copy
DBT_DOCS = "dbt_docs"  # dbt's static docs site (models, columns, lineage) beside it
PUBLISHED_SCHEMAS = ("marts",)  # copied whole (less personal columns)


def published_reference() -> frozenset[str]:
    """The reference seeds that describe the marts, published beside them."""
    return frozenset(row["seed"] for row in read_seed("published_reference"))


def personal_columns() -> frozenset[str]:
    """Columns that name a person or reach them: never in the published copy."""
    return frozenset(row["column_name"].lower() for row in read_seed("personal_columns"))


# Long-form tables whose rows carry a column name: rows under a personal column are left out.
LONG_FORM_COLUMN = {"marts.fct_reference_dataset_rows": "column_name"}


def publish(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    run_id: str,
    data_year: int,
    gx_home: Path | None = None,
    dbt_docs: Path | None = None,
) -> dict[str, object]:
    """Publish the warehouse copy, the Data Docs (`gx_home`: default, this home's gx dir) and dbt's static
    docs site (`dbt_docs`, when given and built) beside it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stray in target.parent.glob(f".{target.name}.*.tmp*"):
        stray.unlink()
    for stray in target.parent.glob(f".{DATA_DOCS}.*.tmp"):
        shutil.rmtree(stray, ignore_errors=True)
    docs_tmp = _stage_data_docs(target.parent, gx_home)  # before the copy: a failing build publishes nothing
    source = con.execute("select current_database()").fetchone()[0]
    tables = _analyst_tables(con, source)
    digest = content_digest(con, source, tables)
    kept = _published_run(target, digest)
    if kept is None:  # a mart changed (or there is no copy yet): the copy is replaced
        tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
        published_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(f"attach '{tmp}' as published_copy")
        try:
            _copy_analyst_tables(con, source, "published_copy", tables)
            con.execute(
                f"create table published_copy.{PUBLICATION_TABLE} as "
                "select ? as run_id, ? as data_year, ? as published_at, ? as content_digest",
                [run_id, data_year, published_at, digest],
            )
        finally:
            con.execute("detach published_copy")
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    docs_index = _swap_in(docs_tmp, target.parent / DATA_DOCS) if docs_tmp is not None else None
    models_index = (
        _copy_file(dbt_docs, target.parent / DBT_DOCS / "index.html") if dbt_docs and dbt_docs.exists() else None
    )
    return {
        "run_id": run_id if kept is None else kept[0],
        "published_at": (published_at if kept is None else kept[1]).isoformat(),
        "replaced": kept is None,
        "bytes": target.stat().st_size,
        "data_docs": str(docs_index) if docs_index is not None else None,
        "dbt_docs": str(models_index) if models_index is not None else None,
    }


def published_tables(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str]]:
    """(schema, name) of every table and view of `source` that goes into the published copy."""
    rows = con.execute(
        """select schema_name, table_name from duckdb_tables() where database_name = ?
           union all
           select schema_name, view_name from duckdb_views() where database_name = ? and not internal
           order by 1, 2""",
        [source, source],
    ).fetchall()
    reference = published_reference()
    return [
        (schema, name)
        for schema, name in rows
        if schema in PUBLISHED_SCHEMAS or (schema == "reference" and name in reference)
    ]


@dataclass(frozen=True)
class AnalystTable:
    """One table of the published copy: where it comes from and what of it is published."""

    schema: str
    name: str
    columns: tuple[tuple[str, str, str | None], ...]  # (name, type, comment), personal columns left out
    where: str  # the filter that leaves out rows under a personal column ("" for none)
    comment: str | None

    def listed(self, leaving_out: str | None = None) -> str:
        """The published columns, quoted, for a select list (`null` when none is left)."""
        return ", ".join(f'"{column}"' for column, _, _ in self.columns if column != leaving_out) or "null"

    def select(self, source: str) -> str:
        return f'select {self.listed()} from "{source}"."{self.schema}"."{self.name}"{self.where}'


def _analyst_tables(con: duckdb.DuckDBPyConnection, source: str) -> list[AnalystTable]:
    """Each published table of `source` (views too) with its columns, less personal ones and their rows."""
    comments = dict(
        ((schema, name), comment)
        for schema, name, comment in con.execute(
            """select schema_name, table_name, comment from duckdb_tables() where database_name = ?
               union all
               select schema_name, view_name, comment from duckdb_views() where database_name = ?""",
            [source, source],
        ).fetchall()
    )
    personal_names = personal_columns()
    tables = []
    for schema, name in published_tables(con, source):
        columns = tuple(
            (column, data_type, comment)
            for column, data_type, comment in con.execute(
                """select column_name, data_type, comment from duckdb_columns()
                   where database_name = ? and schema_name = ? and table_name = ? order by column_index""",
                [source, schema, name],
            ).fetchall()
            if column.lower() not in personal_names
        )
        if not columns:
            continue
        where = ""
        if (long_form := LONG_FORM_COLUMN.get(f"{schema}.{name}")) is not None:
            personal = ", ".join(_literal(c) for c in sorted(personal_names))
            where = f' where "{long_form}" is null or lower("{long_form}") not in ({personal})'
        tables.append(AnalystTable(schema, name, columns, where, comments.get((schema, name))))
    return tables


# The dbt build that made a row (per-year models): new at every build, also when the row says the same.
BUILD_LINEAGE = "dbt_invocation_id"


def content_digest(con: duckdb.DuckDBPyConnection, source: str, tables: list[AnalystTable]) -> str:
    """What the published copy would hold, as one hash: every table's name, columns, types, comments, row count
    and the sum of its rows' hashes (in any order), the rows without their build lineage, so a rebuild that
    changes no value is no change. Reading the marts is ~10× cheaper than writing them again."""
    h = hashlib.sha256()
    for table in tables:
        rows = con.execute(
            f"select count(*), coalesce(sum(hash({table.listed(BUILD_LINEAGE)})::hugeint), 0) "
            f"from ({table.select(source)})"
        ).fetchall()[0]
        h.update(repr((table.schema, table.name, table.columns, table.comment, *rows)).encode() + b"\0")
    return h.hexdigest()


def published_record(target: Path) -> dict[str, object] | None:
    """The copy's `publication` row (run_id, data_year, published_at, content_digest when recorded); None when
    there is no copy or it cannot be read."""
    if not target.is_file():
        return None
    try:
        with duckdb.connect(str(target), read_only=True) as copy:
            cursor = copy.execute(f"select * from {PUBLICATION_TABLE}")
            rows, names = cursor.fetchall(), [d[0] for d in cursor.description]
    except duckdb.Error:
        return None
    return dict(zip(names, rows[0], strict=True)) if len(rows) == 1 else None


def _published_run(target: Path, digest: str) -> tuple[str, datetime] | None:
    """(run_id, published_at) of the copy at `target` when it holds exactly what would be published now; None
    when it does not, or there is none, or it cannot be compared (then it is replaced, as always before)."""
    record = published_record(target)
    if record is None or record.get("content_digest") != digest:
        return None
    return record["run_id"], record["published_at"]


def _copy_analyst_tables(con: duckdb.DuckDBPyConnection, source: str, target: str, tables: list[AnalystTable]) -> None:
    """Create each published table in `target` from `source` (views as tables), without personal columns."""
    for schema in sorted({table.schema for table in tables}):
        con.execute(f'create schema if not exists {target}."{schema}"')
    for table in tables:
        qualified = f'{target}."{table.schema}"."{table.name}"'
        con.execute(f"create table {qualified} as {table.select(source)}")
        if table.comment:
            con.execute(f"comment on table {qualified} is {_literal(table.comment)}")
        for column, _, comment in table.columns:
            if comment:
                con.execute(f'comment on column {qualified}."{column}" is {_literal(comment)}')


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stage_data_docs(folder: Path, gx_home: Path | None) -> Path | None:
    """Build the Data Docs and copy the site to a temporary folder beside the published copy."""
    from data_checks import gx_runner

    if not gx_runner.has_validations(gx_home):
        return None
    site = gx_runner.build_data_docs(gx_home).parent
    staged = folder / f".{DATA_DOCS}.{uuid.uuid4().hex}.tmp"
    shutil.copytree(site, staged)
    return staged


def _swap_in(staged: Path, final: Path) -> Path:
    """Put the staged site in place of `final` (two renames; the old site is removed after)."""
    old = final.parent / f".{DATA_DOCS}.{uuid.uuid4().hex}.old.tmp"
    if final.exists():
        os.replace(final, old)
    os.replace(staged, final)
    _fsync(final.parent)
    shutil.rmtree(old, ignore_errors=True)
    return final / "index.html"


def _copy_file(source: Path, final: Path) -> Path:
    """A copy of `source` at `final`, replaced whole (written beside it, then renamed)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = final.parent / f".{final.name}.{uuid.uuid4().hex}.tmp"
    shutil.copyfile(source, staged)
    os.replace(staged, final)
    return final


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
