"""Time to build every report edition from a built warehouse: render (HTML with charts and the numeral
check), Word, PDF and the data appendix, per edition. Not a test: run it on a quiet machine.

    VOCWH_HOME=var uv run python benchmarks/render_editions.py [--repeat 3]

The warehouse under VOCWH_HOME must hold the editions' data years (`vocwh run --all-years --samples`).
Files are written to a temporary folder; the published reports are not touched.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.reports.build import for_print, write_appendix
from orchestration.reports.edition import editions
from orchestration.reports.pdf import html_to_pdf
from orchestration.reports.render import render_edition
from orchestration.reports.word import html_to_docx


def _timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def _pdf(html: str, path: Path) -> Path:
    """The PDF as the build writes it (for_print included in the time)."""
    return html_to_pdf(for_print(html), path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edition", action="append", help="only these editions (cover year or code); default: all")
    args = parser.parse_args()
    con = duckdb.connect(str(settings.duckdb_path()), read_only=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for edition in [e for e in editions() if not args.edition or {e.edition, e.code} & set(args.edition)]:
            times: dict[str, list[float]] = {"render": [], "docx": [], "pdf": [], "csv": []}
            for _ in range(args.repeat):
                rendered, t = _timed(render_edition, con, edition)
                times["render"].append(t)
                out = Path(tmp) / edition.edition
                out.mkdir(exist_ok=True)
                times["docx"].append(_timed(html_to_docx, rendered.html, out / "r.docx")[1])
                times["pdf"].append(_timed(_pdf, rendered.html, out / "r.pdf")[1])
                times["csv"].append(_timed(write_appendix, rendered, out / "a.csv")[1])
            medians = {k: statistics.median(v) for k, v in times.items()}
            rows.append((edition, len(rendered.numbers), len(rendered.problems), medians))
    print(f"median of {args.repeat} runs, seconds")
    print("| edition | numbers | problems | render | Word | PDF | CSV | total |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for edition, numbers, problems, m in rows:
        print(
            f"| {edition.edition} ({edition.code}) | {numbers} | {problems} | {m['render']:.1f} | {m['docx']:.1f} "
            f"| {m['pdf']:.1f} | {m['csv']:.2f} | {sum(m.values()):.1f} |"
        )
    print(f"| all | | | | | | | {sum(sum(m.values()) for *_, m in rows):.1f} |")


if __name__ == "__main__":
    main()
