"""Sample generator arithmetic and the pure helpers of the Dagster code location."""

import subprocess
import sys
from datetime import datetime

from orchestration.samples.generator import allocate, school_values
from orchestration.settings import REPO_ROOT


def test_allocate_sums_exactly_and_respects_caps():
    out = allocate(100, [1, 1, 1], caps=[10, 100, 100])
    assert sum(out) == 100 and out[0] == 10 and max(out) - min(out[1:]) <= 1


def test_sample_schools_differ_and_parts_stay_within_wholes():
    values = school_values(2025)
    teachers = [v["fulltime_teachers"] for v in values.values()]
    assert len(set(teachers)) > len(teachers) * 0.8  # sizes vary, not equal shares
    shares = {
        round(v["senior_title_teachers"] / v["fulltime_teachers"], 2) for v in values.values() if v["fulltime_teachers"]
    }
    assert len(shares) > 20  # rates differ between schools
    for v in values.values():
        assert v["senior_title_teachers"] <= v["fulltime_teachers"]
        assert v["dual_qualified_teachers"] <= v["fulltime_teachers"]


def test_group_names_follow_dbt_folders():
    from orchestration.defs.dbt import build_years, group_for

    assert group_for({"resource_type": "model", "fqn": ["vocwh", "staging", "stg_schools"]}) == "staging"
    assert (
        group_for({"resource_type": "model", "fqn": ["vocwh", "marts", "ch1_overview", "mart_ch1_indicators"]})
        == "marts_ch1_overview"
    )
    assert (
        group_for({"resource_type": "model", "fqn": ["vocwh", "marts", "schools", "mart_school_indicator_year"]})
        == "marts_schools"
    )
    assert group_for({"resource_type": "seed", "fqn": ["vocwh", "schools"]}) == "reference"
    assert build_years("2025") == [(2025, False), (2026, True)]
    assert build_years(None) == []


def test_annual_refresh_targets_the_year_just_ended():
    from orchestration.defs.automation import latest_year

    assert latest_year(datetime(2025, 11, 15)) == "2025"
    assert latest_year(datetime(2026, 3, 1)) == "2025"


def test_dagster_definitions_validate():
    proc = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "orchestration.definitions"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_samples_written_by_several_processes_are_those_written_by_one(tmp_path):
    """The benchmark writes thousands of schools' files in worker processes: same files, same cells."""
    from python_calamine import CalamineWorkbook

    from orchestration.samples.generator import generate

    def cells(path):
        if path.suffix == ".csv":
            return path.read_text(encoding="utf-8-sig")
        book = CalamineWorkbook.from_path(str(path))
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}

    one = generate(tmp_path / "one", [2025])
    two = generate(tmp_path / "two", [2025], workers=2)
    assert [p.relative_to(tmp_path / "one") for p in one] == [p.relative_to(tmp_path / "two") for p in two]
    assert len(one) > 70
    assert all(cells(a) == cells(b) for a, b in zip(one, two, strict=True))


def test_the_writing_processes_end_where_sigterm_is_ignored(tmp_path):
    """A CI runner or nohup can start the tests with SIGTERM ignored, and every child inherits that. The
    generator's workers must still end: a multiprocessing.Pool ends its workers with SIGTERM when its block
    closes, and then waited for them forever (about one run in three with 8 workers on 2 cores)."""
    script = (
        "import signal, sys, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "from orchestration.samples.generator import generate; "
        "print(len(generate(pathlib.Path(sys.argv[1]), [2025], workers=8)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=900, cwd=REPO_ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 70
