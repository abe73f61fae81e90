"""Landing workbooks for a registry, written by the project's own sample generator, and the bare read of them.

Run as a module it is the worker side, started in a subprocess so that it imports the right code:
    python -m benchmarks.landing generate --out DIR --year Y   (cwd = a repository copy: the copy's registry)
    python -m benchmarks.landing read DIR                      (python-calamine only, no project code)
Each prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from pathlib import Path

RESUBMISSION = "resubmission"  # beside landing/ in the cache: one school's changed file


def generate(out: Path, year: int) -> dict:
    """The year's landing folder under out/landing, and one school's resubmission under out/resubmission."""
    from orchestration.samples.generator import generate as write_samples

    start = time.perf_counter()
    files = write_samples(out / "landing", [year], workers=os.cpu_count() or 1)
    seconds = time.perf_counter() - start
    changed = write_resubmission(out / "landing" / str(year), out / RESUBMISSION, year)
    return {"seconds": seconds, "written": len(files), "resubmission": changed}


def write_resubmission(landing: Path, out: Path, year: int) -> str:
    """The first school (by code) that submitted a workbook and reports a school-level percentage (aggregation
    none: no part/whole rule and no city total involve it), its file written again with that value 1 point lower,
    so the file stays valid and only its bytes and one figure change."""
    from orchestration import catalogue
    from orchestration.intake.template import write_workbook
    from orchestration.samples.generator import school_values

    indicators = catalogue.indicators()
    for code, values in sorted(school_values(year).items()):
        name = f"{code}_{year}.xlsx"
        rates = [
            k
            for k, v in sorted(values.items())
            if k in indicators and indicators[k].aggregation == "none" and indicators[k].unit == "%"
            if isinstance(v, (int, float)) and v >= 1
        ]
        if not (landing / name).exists() or not rates:
            continue
        school = catalogue.schools()[code]
        info = {"school_code": code, "school_name": school.name, "filled_by": "示例数据"}  # as the generator
        changed = {**values, rates[0]: round(values[rates[0]] - 1, 2)}
        out.mkdir(parents=True, exist_ok=True)
        write_workbook(out / name, school.level, year, info, changed)
        return f"{name}: {rates[0]} {values[rates[0]]} → {changed[rates[0]]}"
    raise RuntimeError("no school workbook with a school-level percentage to change")


def bare_read(folder: Path) -> dict:
    """Every cell of every sheet of every file under folder, read with python-calamine in this one process (the
    CSV files, which calamine does not read, with the csv module)."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    files = cells = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files += 1
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
                cells += sum(len(row) for row in csv.reader(f))
            continue
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            cells += sum(len(row) for row in workbook.get_sheet_by_name(name).to_python())
    return {"seconds": time.perf_counter() - start, "files": files, "cells": cells}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--year", type=int, required=True)
    r = sub.add_parser("read")
    r.add_argument("folder", type=Path)
    args = parser.parse_args()
    result = generate(args.out, args.year) if args.command == "generate" else bare_read(args.folder)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
