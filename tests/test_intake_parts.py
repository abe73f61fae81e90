"""A large intake batch is read, checked and loaded in parts, in one transaction: what lands is what one
part would load (the cross-file rules still see the whole batch), only one part is held at a time, and a
failure in any part leaves nothing of the batch behind."""

import shutil

import duckdb
import pytest

from data_checks import plausibility, registry
from orchestration import submission_batch
from orchestration.intake.isolation import read_isolated
from orchestration.intake.parse import parse_submission
from orchestration.samples.generator import generate
from tests.helpers import add_to_cell

pytestmark = pytest.mark.process  # the reader workers are real processes

YEAR = 2025
TABLES = ("submissions", "submission_values", "submission_list_values", "submission_findings")


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    """Five schools' files, a second file of BJGZ001 that sorts last (so another part than its first), and
    last year's values of BJGZ001 and BJGZ002 at ten times this year's (year-on-year warnings)."""
    root = tmp_path_factory.mktemp("parts")
    generate(root / "samples", [YEAR])
    folder = root / "landing"
    folder.mkdir()
    for code in ("BJGZ001", "BJGZ002", "BJGZ003", "BJGZ004", "BJGZ005"):
        shutil.copyfile(root / "samples" / str(YEAR) / f"{code}_{YEAR}.xlsx", folder / f"{code}_{YEAR}.xlsx")
    second = shutil.copyfile(folder / f"BJGZ001_{YEAR}.xlsx", folder / "更正_BJGZ001.xlsx")
    add_to_cell(second, "教师队伍", "专任教师数", 1)  # other bytes, same school
    previous = {
        code: {
            v["indicator_code"]: 10 * v["value"]
            for v in parse_submission(folder / f"{code}_{YEAR}.xlsx", YEAR).values
            if v["value"]
        }
        for code in ("BJGZ001", "BJGZ002")
    }
    return folder, previous


def _ingest(tmp_path, monkeypatch, landing, part_files):
    folder, previous = landing
    monkeypatch.setattr(submission_batch, "PART_FILES", part_files)
    monkeypatch.setattr(plausibility, "previous_values", lambda con, year: previous)
    reads = []
    monkeypatch.setattr(
        submission_batch, "read_isolated", lambda paths, then: reads.append(len(paths)) or read_isolated(paths, then)
    )
    con = duckdb.connect(str(tmp_path / f"parts_{part_files}.duckdb"))
    summary = submission_batch.ingest(con, YEAR, folder)
    rows = {t: sorted(map(repr, con.execute(f"select * exclude (loaded_at) from raw.{t}").fetchall())) for t in TABLES}
    con.close()
    return summary, rows, reads


def test_a_batch_in_parts_loads_exactly_what_one_part_loads(tmp_path, monkeypatch, landing):
    whole, whole_rows, whole_reads = _ingest(tmp_path, monkeypatch, landing, 100)
    parts, part_rows, part_reads = _ingest(tmp_path, monkeypatch, landing, 2)
    assert whole_reads == [6] and part_reads == [2, 2, 2]
    assert part_rows == whole_rows
    assert (sorted(parts.accepted), parts.quarantined) == (sorted(whole.accepted), whole.quarantined)
    # the two files of BJGZ001, in different parts, are both refused by M007, with no values and no
    # year-on-year warnings (fixed first); BJGZ002 keeps its year-on-year warnings
    assert sorted(parts.quarantined) == [f"BJGZ001_{YEAR}.xlsx", "更正_BJGZ001.xlsx"]
    assert sorted(parts.accepted) == [f"BJGZ00{i}_{YEAR}.xlsx" for i in range(2, 6)]
    con = duckdb.connect(str(tmp_path / "parts_2.duckdb"), read_only=True)
    rules = dict(
        con.execute(
            "select file_name, list(distinct left(rule_id, 1) order by left(rule_id, 1)) "
            "from raw.submission_findings group by file_name"
        ).fetchall()
    )
    with_values = {
        r[0]
        for r in con.execute(
            "select distinct s.file_name from raw.submission_values v join raw.submissions s using (submission_id)"
        ).fetchall()
    }
    con.close()
    assert rules[f"BJGZ001_{YEAR}.xlsx"] == ["M"] and rules["更正_BJGZ001.xlsx"] == ["M"]
    assert "P" in rules[f"BJGZ002_{YEAR}.xlsx"]
    assert with_values == set(parts.accepted)


def test_a_failure_in_a_later_part_leaves_nothing_of_the_batch(tmp_path, monkeypatch, landing):
    folder, _ = landing
    monkeypatch.setattr(submission_batch, "PART_FILES", 2)
    calls = []
    real = registry.check_files

    def fails_on_the_third_part(subs, year, previous):
        calls.append(len(subs))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(subs, year, previous)

    monkeypatch.setattr(registry, "check_files", fails_on_the_third_part)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(RuntimeError, match="disk full"):
        submission_batch.ingest(con, YEAR, folder)
    assert [con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES] == [0, 0, 0, 0]
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)  # staging dropped
    monkeypatch.setattr(registry, "check_files", real)
    summary = submission_batch.ingest(con, YEAR, folder)  # the next run loads the whole batch
    assert len(summary.accepted) + len(summary.quarantined) == 6
