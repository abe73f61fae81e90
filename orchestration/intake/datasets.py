"""The education commission's reference datasets (quality-monitoring grades, national textbooks,
贯通培养 enrolment plans, new and withdrawn majors): not school submissions, but loaded through the
same intake — one workbook per dataset and year in landing/<year>/commission/<dataset_code>.xlsx,
columns found by their header labels (seeds/reference_dataset_columns.csv), every version kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration import catalogue
from orchestration.catalogue import normalize_label
from orchestration.findings import Finding, errors
from orchestration.intake.files import display_name, entry_findings, entry_hash, landing_files
from orchestration.intake.isolation import read_isolated
from orchestration.intake.loader import insert_all
from orchestration.intake.reader import Sheets, read_or_finding
from orchestration.intake.values import NotANumber, cell_text, parse_number

COMMISSION_FOLDER = "commission"

DDL = """
create schema if not exists raw;
create table if not exists raw.reference_files (
    file_id varchar primary key,
    dataset_code varchar,
    data_year integer not null,
    file_name varchar not null,
    file_hash varchar not null,
    status varchar not null,
    error_count integer not null,
    loaded_at timestamp not null
);
create table if not exists raw.reference_rows (
    file_id varchar not null,
    dataset_code varchar not null,
    data_year integer not null,
    row_number integer not null,
    column_name varchar not null,
    value_text varchar,
    value_number double,
    loaded_at timestamp not null
);
"""


def specs() -> dict[str, dict[str, str]]:
    return {r["dataset_code"]: r for r in catalogue.read_seed("reference_datasets")}


def columns(dataset_code: str) -> list[dict[str, str]]:
    rows = [r for r in catalogue.read_seed("reference_dataset_columns") if r["dataset_code"] == dataset_code]
    return sorted(rows, key=lambda r: int(r["column_order"]))


@dataclass
class ParsedDataset:
    path: Path
    file_hash: str
    dataset_code: str | None = None
    records: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def parse_dataset(path: Path, reading: Sheets | Finding | None = None) -> ParsedDataset:
    """`reading`: the file as read_isolated read it; read here if None."""
    ds = ParsedDataset(path=path, file_hash=entry_hash(path))
    name = display_name(path.name)
    ds.findings, openable = entry_findings(path)
    if not openable:
        return ds
    if path.stem not in specs():
        ds.findings.append(
            Finding(
                "D001", name, found=f"文件名「{path.stem}」", expected="数据集代码之一：" + "、".join(sorted(specs()))
            )
        )
        return ds
    ds.dataset_code = path.stem
    reading = read_or_finding(path) if reading is None else reading
    if isinstance(reading, Finding):
        ds.findings.append(reading)
        return ds
    sheets = reading
    sheet_name, rows = next(iter(sheets.items()))
    cols = columns(ds.dataset_code)
    labels = {normalize_label(c["column_label_zh"]): c for c in cols}
    for pos, (_, cells) in enumerate(rows):  # noqa: B007 -- pos (the header row) is read after the break
        found = {i: labels[normalize_label(v)] for i, v in enumerate(cells) if normalize_label(v) in labels}
        if {c["column_name"] for c in cols if c["required"] == "true"} <= {c["column_name"] for c in found.values()}:
            break
    else:
        ds.findings.append(
            Finding(
                "D002",
                name,
                sheet=sheet_name,
                found="没有找到规定的表头行",
                expected="表头：" + "、".join(c["column_label_zh"] for c in cols),
            )
        )
        return ds
    for row_no, cells in rows[pos + 1 :]:
        record: dict[str, object] = {}
        for i, c in found.items():
            raw = cells[i] if i < len(cells) else None
            if c["type"] in ("integer", "number"):
                try:
                    raw = parse_number(raw)
                except NotANumber as exc:
                    ds.findings.append(
                        Finding(
                            "D003",
                            name,
                            sheet=sheet_name,
                            row=row_no,
                            found=f"「{c['column_label_zh']}」填写为「{exc}」",
                            expected="数字",
                        )
                    )
                    raw = None
            else:
                raw = cell_text(raw)
            record[c["column_name"]] = raw if raw != "" else None
        if all(v is None for v in record.values()):
            continue
        for c in cols:
            value = record.get(c["column_name"])
            if value is None and c["required"] == "true":
                ds.findings.append(
                    Finding(
                        "D004",
                        name,
                        sheet=sheet_name,
                        row=row_no,
                        found=f"「{c['column_label_zh']}」未填写",
                        expected="必填",
                    )
                )
            known = {"schools": catalogue.schools(), "majors": catalogue.majors()}.get(c["ref"])
            if value is not None and known is not None and value not in known:
                ds.findings.append(
                    Finding(
                        "D005",
                        name,
                        sheet=sheet_name,
                        row=row_no,
                        found=f"「{c['column_label_zh']}」为「{value}」",
                        expected="名录中的代码",
                    )
                )
        ds.records.append((row_no, record))
    return ds


def load_datasets(con: duckdb.DuckDBPyConnection, data_year: int, folder: Path) -> dict[str, list[str]]:
    """Load every dataset file of the year not loaded before; returns quarantined file -> messages."""
    con.execute(DDL)
    known = {
        r[0] for r in con.execute("select file_id from raw.reference_files where data_year = ?", [data_year]).fetchall()
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    files, rows, quarantined = [], [], {}
    entries = [
        (path, file_id)
        for path in landing_files(folder)
        if (file_id := f"{data_year}-{entry_hash(path)[:20]}") not in known
    ]
    readings = read_isolated([path for path, _ in entries if path.stem in specs()])
    for path, file_id in entries:
        ds = parse_dataset(path, readings.get(path))
        refusing = errors(ds.findings)
        files.append(
            {
                "file_id": file_id,
                "dataset_code": ds.dataset_code,
                "data_year": data_year,
                "file_name": display_name(path.name),
                "file_hash": ds.file_hash,
                "status": "quarantined" if refusing else "accepted",
                "error_count": len(refusing),
                "loaded_at": now,
            }
        )
        if refusing:
            quarantined[display_name(path.name)] = [f.message_zh for f in refusing]
            continue
        for row_no, record in ds.records:
            for name, value in record.items():
                number = value if isinstance(value, float) else None
                rows.append(
                    {
                        "file_id": file_id,
                        "dataset_code": ds.dataset_code,
                        "data_year": data_year,
                        "row_number": row_no,
                        "column_name": name,
                        "value_text": None if number is not None or value is None else str(value),
                        "value_number": number,
                        "loaded_at": now,
                    }
                )
    insert_all(con, (("reference_files", files), ("reference_rows", rows)))
    return quarantined
