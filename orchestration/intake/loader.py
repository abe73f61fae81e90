"""Load parsed submissions into DuckDB's raw schema in one transaction, with lineage.

Every version of every file is kept (keyed by data year and content hash); loading the same
file twice changes nothing. Quarantined files keep their findings but no values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from orchestration.findings import Finding
from orchestration.intake.parse import ParsedSubmission

DDL = """
create schema if not exists raw;
create table if not exists raw.submissions (
    submission_id varchar primary key,
    data_year integer not null,
    school_code varchar,
    file_name varchar not null,
    file_hash varchar not null,
    file_bytes bigint,
    template_version varchar,
    status varchar not null,
    error_count integer not null,
    warning_count integer not null,
    received_at timestamp,
    loaded_at timestamp not null,
    filled_by varchar
);
create table if not exists raw.submission_values (
    submission_id varchar not null,
    data_year integer not null,
    school_code varchar not null,
    indicator_code varchar not null,
    value double,
    raw_text varchar,
    sheet varchar,
    row_number integer,
    cell varchar,
    label_as_written varchar,
    unit_as_written varchar,
    loaded_at timestamp not null,
    note varchar
);
create table if not exists raw.submission_list_values (
    submission_id varchar not null,
    data_year integer not null,
    school_code varchar not null,
    sheet varchar not null,
    row_number integer not null,
    row_key varchar not null,
    column_name varchar not null,
    value double,
    cell varchar,
    loaded_at timestamp not null
);
create table if not exists raw.submission_findings (
    submission_id varchar not null,
    data_year integer not null,
    file_name varchar,
    school_code varchar,
    rule_id varchar not null,
    severity varchar not null,
    sheet varchar,
    row_number integer,
    cell varchar,
    indicator_code varchar,
    found varchar,
    expected varchar,
    message_zh varchar not null,
    loaded_at timestamp not null
);
"""


@dataclass(frozen=True)
class LoadSummary:
    data_year: int
    accepted: list[str]
    quarantined: dict[str, list[str]]  # file name -> Chinese messages of its errors
    unchanged: list[str]


def submission_id(data_year: int, sub: ParsedSubmission) -> str:
    return f"{data_year}-{sub.file_hash[:20]}"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    # columns added since the first release, for warehouses created before them
    con.execute("alter table raw.submissions add column if not exists filled_by varchar")
    con.execute("alter table raw.submission_values add column if not exists note varchar")


def already_loaded(con: duckdb.DuckDBPyConnection, data_year: int) -> set[str]:
    ensure_schema(con)
    rows = con.execute("select submission_id from raw.submissions where data_year = ?", [data_year]).fetchall()
    return {r[0] for r in rows}


def insert_all(con: duckdb.DuckDBPyConnection, tables) -> None:
    """Insert (raw table, rows) pairs in one transaction: all of a batch lands, or none of it."""
    con.execute("begin transaction")
    try:
        for table, rows in tables:
            if rows:
                frame = pd.DataFrame(rows)
                if "row_number" in frame:
                    frame["row_number"] = frame["row_number"].astype("Int64")
                con.register("incoming", frame)
                con.execute(f"insert into raw.{table} by name select * from incoming")
                con.unregister("incoming")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def load(
    con: duckdb.DuckDBPyConnection,
    data_year: int,
    subs: list[ParsedSubmission],
    checked: dict[str, list[Finding]] | None = None,
) -> LoadSummary:
    """`checked`: the findings of the batch checks by file name, added to what reading each file found."""
    known = already_loaded(con, data_year)
    checked = checked or {}
    now = datetime.now(UTC).replace(tzinfo=None)
    new = [s for s in subs if submission_id(data_year, s) not in known]
    header, values, list_values, findings = [], [], [], []
    refused: dict[str, list[str]] = {}
    for s in new:
        sid = submission_id(data_year, s)
        all_findings = s.findings + checked.get(s.file_name, [])
        errors = [f for f in all_findings if f.severity == "error"]
        if errors:
            refused[s.file_name] = [f.message_zh for f in errors]
        status = "quarantined" if errors else "accepted"
        header.append(
            {
                "submission_id": sid,
                "data_year": data_year,
                "school_code": s.school_code,
                "file_name": s.file_name,
                "file_hash": s.file_hash,
                "file_bytes": s.path.lstat().st_size,  # lstat: a symlink entry is recorded, never followed
                "template_version": s.info.get("template_version"),
                "filled_by": s.info.get("filled_by"),
                "status": status,
                "error_count": len(errors),
                "warning_count": sum(f.severity == "warning" for f in all_findings),
                "received_at": datetime.fromtimestamp(s.path.lstat().st_mtime, UTC).replace(tzinfo=None),
                "loaded_at": now,
            }
        )
        if status == "accepted":
            values += [
                {"submission_id": sid, "data_year": data_year, "school_code": s.school_code, **v, "loaded_at": now}
                for v in s.values
            ]
            list_values += [
                {"submission_id": sid, "data_year": data_year, "school_code": s.school_code, **r, "loaded_at": now}
                for r in s.list_rows
            ]
        for f in all_findings:
            rec = f.record()
            findings.append(
                {
                    "submission_id": sid,
                    "data_year": data_year,
                    "file_name": s.file_name,
                    "school_code": s.school_code,
                    "rule_id": rec["rule_id"],
                    "severity": rec["severity"],
                    "sheet": rec["sheet"],
                    "row_number": rec["row"],
                    "cell": rec["cell"],
                    "indicator_code": rec["indicator_code"],
                    "found": rec["found"],
                    "expected": rec["expected"],
                    "message_zh": rec["message_zh"],
                    "loaded_at": now,
                }
            )
    insert_all(
        con,
        (
            ("submissions", header),
            ("submission_values", values),
            ("submission_list_values", list_values),
            ("submission_findings", findings),
        ),
    )
    return LoadSummary(
        data_year=data_year,
        accepted=[h["file_name"] for h in header if h["status"] == "accepted"],
        quarantined=refused,
        unchanged=[s.file_name for s in subs if submission_id(data_year, s) in known],
    )
