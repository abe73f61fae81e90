"""No file can take down the intake: each is read in a worker process under memory and time limits,
and a file whose cell lies far outside the grid is refused before any parser allocates for it."""

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from orchestration.intake import isolation
from orchestration.intake.isolation import read_isolated

pytestmark = pytest.mark.process  # starts, limits or kills real processes

ROOT = Path(__file__).resolve().parents[1]


def _workbook(path: Path) -> Path:
    wb = Workbook()
    wb.active.title = "表"
    wb.active["A1"] = 1
    wb.save(path)
    return path


def _wide(path: Path) -> Path:
    """A sheet whose cells carry no references: 20,000 columns in its first row and 10,000 rows, so
    calamine asks for a 200-million-cell grid (about 6 GB). Nothing in it points beyond the grid limits
    the reader checks, so only the worker's memory limit stops it."""
    _workbook(path)
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    rows = "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>" + "<row><c><v>2</v></c></row>" * 9_999
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start, end = sheet.index("<sheetData>") + len("<sheetData>"), sheet.index("</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = (
        (sheet[:start] + rows + sheet[end:]).replace('<dimension ref="A1:A1" />', "").encode()
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_a_file_that_exhausts_the_reader_costs_only_itself(tmp_path):
    wide, good = _wide(tmp_path / "wide.xlsx"), _workbook(tmp_path / "good.xlsx")
    readings = read_isolated([wide, good, _workbook(tmp_path / "after.xlsx")])
    assert readings[wide].rule_id == "F007" and "内存超过 2 GB" in readings[wide].message_zh
    assert readings[good] == {"表": [(1, [1.0])]} and readings[tmp_path / "after.xlsx"] == {"表": [(1, [1.0])]}


def test_a_reader_that_hangs_is_stopped(tmp_path, monkeypatch):
    """A pipe named .xlsx blocks whoever opens it. read_isolated never hands a pipe to a worker (F005
    refuses it unread); here the check is switched off so the pipe stands in for a parse that never ends."""
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    good = _workbook(tmp_path / "good.xlsx")
    assert read_isolated([pipe, good]) == {good: {"表": [(1, [1.0])]}}  # the pipe is left out, unopened
    monkeypatch.setattr(isolation, "WALL_SECONDS", 2)
    monkeypatch.setattr(isolation, "entry_problem", lambda path: None)
    readings = read_isolated([pipe, good])
    assert readings[pipe].rule_id == "F007" and "读取超过 2 秒" in readings[pipe].message_zh
    assert readings[good] == {"表": [(1, [1.0])]}


@pytest.mark.parametrize("workers", [1, 2])
def test_files_queued_behind_one_that_stops_its_worker_are_read_by_another(tmp_path, monkeypatch, workers):
    """A worker is given several files ahead; when one kills it (memory) or overruns (a pipe standing in for
    a parse that never ends), that file alone gets F007 and those queued behind it are read by a new worker."""
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    monkeypatch.setattr(isolation, "WORKERS", workers)
    monkeypatch.setattr(isolation, "WALL_SECONDS", 2)
    monkeypatch.setattr(isolation, "entry_problem", lambda path: None)
    good = [_workbook(tmp_path / f"good{n}.xlsx") for n in range(5)]
    paths = [_wide(tmp_path / "wide.xlsx"), good[0], good[1], pipe, *good[2:]]
    readings = read_isolated(paths)
    assert sorted(readings) == sorted(paths)
    assert readings[paths[0]].rule_id == "F007" and "内存超过 2 GB" in readings[paths[0]].message_zh
    assert readings[pipe].rule_id == "F007" and "读取超过 2 秒" in readings[pipe].message_zh
    assert all(readings[path] == {"表": [(1, [1.0])]} for path in good)


def test_a_cell_at_xfd1048576_is_a_finding_and_the_run_completes_under_a_memory_limit(tmp_path):
    """The whole intake of the 2025 samples plus one file with a space in XFD1048576, in a process
    limited to 3 GiB of address space: calamine alone would ask for about 550 GB for that file."""
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        from pathlib import Path
        import duckdb
        from openpyxl import load_workbook
        from orchestration.submission_batch import ingest
        from orchestration.samples.generator import generate

        home = Path({str(tmp_path)!r})
        generate(home / "landing", [2025])
        folder = home / "landing" / "2025"
        path = folder / "BJZZ001_2025.xlsx"
        wb = load_workbook(path)
        wb["教师队伍"]["XFD1048576"] = " "
        wb.save(path)
        con = duckdb.connect(str(home / "w.duckdb"))
        summary = ingest(con, 2025, folder)
        print(len(summary.accepted), sorted(summary.quarantined))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    import duckdb

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    statuses = dict(con.execute("select file_name, status from raw.submissions").fetchall())
    finding = con.execute(
        "select rule_id, message_zh from raw.submission_findings where file_name = 'BJZZ001_2025.xlsx'"
    ).fetchall()
    con.close()
    assert finding and finding[0][0] == "F006" and "单元格 XFD1048576 远在表格之外" in finding[0][1]
    assert statuses.pop("BJZZ001_2025.xlsx") == "quarantined"
    assert len(statuses) >= 70 and set(statuses.values()) == {"accepted"}


def _parse_with_a_bug(path, data_year, reading=None, file_hash=None):
    """The parser with a bug met on one odd file (BJZZ002); module-level, so the reader workers, which
    parse what they read, can run it."""
    from orchestration.intake.parse import parse_submission

    if path.name.startswith("BJZZ002"):
        raise KeyError("odd cell")
    return parse_submission(path, data_year, reading, file_hash)


def test_a_parser_failure_on_one_file_is_that_files_finding(tmp_path, monkeypatch, caplog):
    """A bug met on one odd file refuses that file whole (F009), with the others loaded and parsed in
    the workers; the traceback reaches the run's log."""
    import duckdb

    from orchestration import submission_batch as batch
    from orchestration.samples.generator import generate

    generate(tmp_path / "samples", [2025])
    folder = tmp_path / "2025"
    folder.mkdir()
    for code in ("BJZZ001", "BJZZ002", "BJZZ003"):
        (tmp_path / "samples" / "2025" / f"{code}_2025.xlsx").rename(folder / f"{code}_2025.xlsx")
    monkeypatch.setattr(batch, "parse_submission", _parse_with_a_bug)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    summary = batch.ingest(con, 2025, folder)
    assert sorted(summary.accepted) == ["BJZZ001_2025.xlsx", "BJZZ003_2025.xlsx"]
    [(rule, message)] = con.execute(
        "select rule_id, message_zh from raw.submission_findings where file_name = 'BJZZ002_2025.xlsx'"
    ).fetchall()
    assert rule == "F009" and "程序错误（KeyError）" in message
    [logged] = [r.getMessage() for r in caplog.records if "BJZZ002_2025.xlsx" in r.getMessage()]
    assert "KeyError: 'odd cell'" in logged
