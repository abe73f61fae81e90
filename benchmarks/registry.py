"""A synthetic school registry of N schools, and the copy of the repository it is benchmarked in.

The registry is a dbt seed inside the repository (seeds/schools.csv) and every module reads it from the code's
location (settings.SEEDS_DIR), so each N runs in its own copy of the repository with the copy's seed replaced.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

# What a copy leaves out: the environment, outputs, git metadata and build products (the copy parses its own
# dbt manifest, as its seeds differ).
IGNORED = {".venv", "var", ".git", "__pycache__", ".pytest_cache", "logs", "target", "dbt_packages"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _cloneable(rows: list[dict[str, str]], seeds: Path) -> list[dict[str, str]]:
    """The real schools a synthetic one may copy: still active (no last year) and never kept apart from the city
    figures (seeds/city_scope_exclusions.csv). A clone of a school kept apart would count in the city figures
    without a city total of its type to be given a share of, and a clone of a closed school would not submit."""
    _, exclusions = _read(seeds / "city_scope_exclusions.csv")
    apart = {r["school_code"] for r in exclusions}
    return [r for r in rows if not r["active_to"] and r["school_code"] not in apart]


def synthetic_registry(seeds: Path, n: int) -> str:
    """seeds/schools.csv for n schools, deterministic. n ≥ the real rows: every real row, then synthetic schools
    cloned round-robin from the real ones (same level, type, ownership, district, sponsor and years), with codes in
    the registry's format (BJGZ… 高职, BJZZ… 中职, then digits: six, as the real three do not reach 50 000) and
    names 合成学校000123. n < the real rows: the first n rows (the placeholders, listed last and named by no other
    seed, go first)."""
    fields, rows = _read(seeds / "schools.csv")
    out = rows[:n]
    models = _cloneable(rows, seeds)
    for i in range(1, n - len(out) + 1):
        model = models[(i - 1) % len(models)]
        prefix = model["school_code"][:4]  # BJGZ / BJZZ: the level's prefix
        out.append(
            {
                **model,
                "school_code": f"{prefix}{i:06d}",
                "school_name": f"合成学校{i:06d}",
                "former_names": "",  # a former name shared with the model would make names ambiguous (M006/M008)
                "is_placeholder": "false",
                "source": f"benchmark: synthetic clone of {model['school_code']}",
            }
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    return buffer.getvalue()


def copy_repository(src: Path, dst: Path, n: int) -> Path:
    """A copy of the repository at dst whose registry holds n schools. The other seeds keyed by school
    (school_former_names, city_scope_exclusions, warning_tolerances, the sample datasets) name real schools only,
    which every registry of n ≥ the real rows keeps; synthetic schools simply have no rows there."""
    shutil.copytree(src, dst, ignore=lambda _dir, names: [x for x in names if x in IGNORED])
    registry = synthetic_registry(src / "seeds", n)
    (dst / "seeds" / "schools.csv").write_text(registry, encoding="utf-8")
    return dst
