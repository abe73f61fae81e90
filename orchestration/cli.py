"""vocwh: write templates and sample submissions, and run the annual report job for a year."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration import run_inputs, settings
from orchestration.dagster_instance import REPOSITORY_LABEL, ensure_home

# Dagster's own console log shows only what needs a person (warnings, errors); the progress logger prints one
# line per finished step; every event stays in the run's log in the UI.
QUIET = {"console": {"config": {"log_level": "WARNING"}}, "progress": {}}


def _template(args) -> None:
    from orchestration.intake.template import write_workbook

    out = Path(args.out or f"数据采集模板_{args.level}_{args.year}.xlsx")
    write_workbook(out, args.level, args.year)
    print(out.resolve())


def _samples(args) -> None:
    from orchestration.samples.generator import generate

    out = Path(args.out) if args.out else settings.landing_dir()
    files = generate(out, args.years)
    print(f"{len(files)} sample submissions written under {out}")


def _prepare(args=None) -> None:
    """Setup step: the dbt manifest, parsed when missing or older than the project; the project's own modules
    compiled to bytecode when changed (as `uv sync` compiles the packages, pyproject.toml [tool.uv]), so that
    no process, worker or subprocess compiles them again where bytecode is not written at import."""
    import compileall

    from orchestration.dbt_manifest import prepare

    for package in ("orchestration", "data_checks"):
        compileall.compile_dir(settings.REPO_ROOT / package, quiet=1)
    if prepare() or args is not None:
        print("dbt manifest ready")


def _has_no_files(folder: Path) -> bool:
    return not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def _run_years(args) -> tuple[list[int], int]:
    """The data years to run, checked before any run starts: (years, 0), or ([], 2) after a refusal.
    A year without template is refused with the valid years; so is the requested year when its landing
    folder holds no submission files. Another year of --with-previous / --all-years without files is
    reported and skipped."""
    from orchestration.catalogue import collected_years
    from orchestration.intake.files import landing_files

    data_years = collected_years()
    if args.year not in data_years:
        print(
            f"vocwh run: data year {args.year} has no submission template (数据年度 {args.year} 没有数据采集模板). "
            f"Valid data years / 可用数据年度: {', '.join(map(str, data_years))} (seeds/template_versions.csv).",
            file=sys.stderr,
        )
        return [], 2
    if args.all_years:
        years = list(data_years)
    elif args.with_previous:
        years = [y for y in (args.year - 1, args.year) if y in data_years]
    else:
        years = [args.year]
    if args.samples:
        missing = [y for y in years if _has_no_files(settings.landing_dir(y))]
        if missing:
            from orchestration.samples.generator import generate

            generate(settings.landing_dir(), missing)
            print(f"sample submissions written under {settings.landing_dir()}")
    empty = [y for y in years if not landing_files(settings.landing_dir(y))]
    for year in empty:
        folder = settings.landing_dir(year)
        state = "does not exist" if not folder.exists() else "holds no submission files"
        if year == args.year:
            print(
                f"vocwh run: the landing folder of data year {year}, {folder}, {state} "
                f"(数据年度 {year} 的收件文件夹为空). Schools' files (xlsx or CSV, written by `vocwh template`) "
                f"go directly in it; for the sample submissions run `vocwh samples --years {year}` "
                f"or add --samples.",
                file=sys.stderr,
            )
        else:
            print(
                f"vocwh run: data year {year} skipped: its landing folder {folder} {state} "
                f"(数据年度 {year} 的收件文件夹为空，跳过); the warehouse keeps what it already holds for {year}.",
                file=sys.stderr,
            )
    if args.year in empty:
        return [], 2
    return [y for y in years if y not in empty], 0


def _run(args) -> int:
    years, refused = _run_years(args)
    if refused:
        return refused
    _prepare()
    ensure_home()  # the Dagster home `vocwh ui` shows
    from dagster import DagsterInstance

    instance = DagsterInstance.get()
    for n, year in enumerate(years):
        forced = args.force or args.full_refresh
        last = None if forced else run_inputs.last_unchanged_run(year, args.job)
        if last is not None:
            print(
                f"data year {year}: nothing new since run {last['run_id']} ({last['at']}): landing files, rules, "
                "models and code unchanged — nothing rebuilt, nothing republished (--force runs it anyway)"
            )
            continue
        inputs = run_inputs.fingerprint(year)
        run_config = {
            "loggers": QUIET,
            "ops": {"warehouse_dbt_models": {"config": {"full_refresh": args.full_refresh and n == 0}}},
        }
        result = _execute(args.executor, args.job, year, instance, run_config)
        print(f"data year {year}: {'success' if result.success else 'FAILED'} (run {result.run_id})")
        if not result.success:
            return 1
        run_inputs.record_run(year, args.job, result.run_id, inputs)
    print(f"warehouse: {settings.duckdb_path()}")
    from orchestration.publish import published_record

    # the run that wrote the copy: an earlier one when no run since changed a published table
    record = published_record(settings.published_path())
    by = f"run {record['run_id']}, {record['published_at']:%Y-%m-%d %H:%M} UTC; " if record else ""
    print(f"published: {settings.published_path()}  ({by}analysts: open read-only)")
    from orchestration.reports.edition import editions

    for edition in editions():
        if edition.data_year in years:
            _print_report(edition)
    _print_school_reports(args.year)
    return 0


def _print_school_reports(year: int) -> None:
    folder = settings.school_report_dir(year)
    count = len(list(folder.glob("*.html"))) if folder.is_dir() else 0
    if count:
        print(f"school reports {year}: {folder} ({count} schools; HTML, Word, PDF)")
    else:
        print(
            f"school reports {year}: not built (after `--job year_figures`: "
            f"`vocwh run --year {year} --job school_and_district_reports`)"
        )


def _print_report(edition) -> None:
    folder = settings.report_dir(edition.edition)
    if not (folder / "annual_report.html").exists():
        print(
            f"report {edition.edition} ({edition.title}): not built — it needs data year {edition.data_year} "
            "loaded and through its quality checks (see the warnings above)"
        )
        return
    print(f"report {edition.edition} ({edition.title}): {folder}")
    if "no-previous-year" in (folder / "annual_report.html").read_text(encoding="utf-8"):
        print(
            f"  without comparisons: data year {edition.data_year - 1} not loaded (上年数据未采集); "
            f"`vocwh run --year {edition.data_year} --with-previous` compares the two years"
        )
    for name in ("annual_report.html", "annual_report.docx", "annual_report.pdf", "data_appendix.csv"):
        print(f"  {folder / name}")


def _ui(args) -> int:
    from orchestration.dagster_instance import run_ui

    _prepare()
    return run_ui(args.host, args.port)


def _report(args) -> int:
    """Build one edition from the warehouse as it is: the edition's asset, in Dagster, for its data year."""
    _prepare()
    ensure_home()  # the Dagster home `vocwh ui` shows
    import dagster as dg

    from orchestration import definitions
    from orchestration.reports.edition import find

    try:
        edition = find(args.edition)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    if not settings.duckdb_path().exists():
        print(
            f"no warehouse at {settings.duckdb_path()}: "
            f"run `vocwh run --year {edition.data_year} --with-previous` first",
            file=sys.stderr,
        )
        return 2
    job = definitions.defs.resolve_job_def("annual_report")
    result = job.execute_in_process(
        partition_key=str(edition.data_year),
        instance=dg.DagsterInstance.get(),
        asset_selection=[dg.AssetKey(["reports", f"annual_report_{edition.series}"])],
        run_config={"loggers": QUIET},
        tags=REPOSITORY_LABEL,
        raise_on_error=False,
    )
    if not result.success:
        print(f"report {edition.edition}: FAILED (run {result.run_id})", file=sys.stderr)
        return 1
    _print_report(edition)
    return 0


def _execute(executor: str, job_name: str, year: int, instance, run_config: dict):
    import dagster as dg

    from orchestration import definitions

    if job_name == "school_and_district_reports":  # no dbt step in it
        run_config = {k: v for k, v in run_config.items() if k != "ops"}
    if executor == "in_process":
        job = definitions.defs.resolve_job_def(job_name)
        return job.execute_in_process(
            partition_key=str(year),
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            tags=REPOSITORY_LABEL,
        )
    # each step in its own process, as the Dagster UI runs it
    run_config = {**run_config, "execution": {"config": {"multiprocess": {"max_concurrent": 2}}}}
    return dg.execute_job(
        dg.build_reconstructable_job("orchestration.definitions", "job_named", reconstructable_args=(job_name,)),
        instance=instance,
        run_config=run_config,
        tags={"dagster/partition": str(year), **REPOSITORY_LABEL},
        raise_on_error=False,
    )


def _check_report(args) -> int:
    from orchestration.report_check import check_report
    from orchestration.report_check.reading import UnreadableReport

    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件 {path}", file=sys.stderr)
        return 2
    try:
        result = check_report(path, args.year, args.school, Path(args.out) if args.out else None)
    except (UnreadableReport, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    print(f"{path.name}：{result.school_name} {args.year} 年。{result.warehouse_note}。")
    for p in result.problems:
        print(f"  {p.where}【{p.kind}】{p.label}：印为 {p.printed}，应为 {p.expected}。{p.reason}")
    print(
        f"问题 {len(result.problems)} 处；数字 {len(result.figures)} 个，未匹配到指标的 {len(result.unmatched)} 个"
        "（见工作簿“数字”表）。"
    )
    for out in result.outputs:
        print(out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vocwh", description="北京职业教育质量年度报告数据仓库")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("template", help="write the blank submission workbook for a level and data year")
    t.add_argument("--level", choices=["高职", "中职"], required=True)
    t.add_argument("--year", type=int, required=True)
    t.add_argument("--out")
    t.set_defaults(func=_template)
    s = sub.add_parser("samples", help="write the deterministic sample submissions")
    s.add_argument("--years", type=int, nargs="+", default=[2024, 2025])
    s.add_argument("--out")
    s.set_defaults(func=_samples)
    p = sub.add_parser(
        "prepare", help="setup step: parse the dbt project into its manifest (when missing or out of date)"
    )
    p.set_defaults(func=_prepare)
    r = sub.add_parser("run", help="run intake → dbt → checks → report for a data year")
    r.add_argument("--year", type=int, required=True, help="the year whose report path is printed")
    r.add_argument("--with-previous", action="store_true", help="run the previous year first (changes need it)")
    r.add_argument("--all-years", action="store_true", help="run every data year that has a template, oldest first")
    r.add_argument(
        "--samples", action="store_true", help="write the sample submissions first if the landing folder is empty"
    )
    r.add_argument(
        "--full-refresh", action="store_true", help="rebuild every data year in dbt, not only the run's year"
    )
    r.add_argument(
        "--executor",
        choices=["in_process", "multiprocess"],
        default="in_process",
        help="run steps in this process or each in its own",
    )
    r.add_argument("--force", action="store_true", help="run even when nothing changed since the last successful run")
    r.add_argument(
        "--job",
        choices=["annual_report", "year_figures", "school_and_district_reports"],
        default="annual_report",
        help="annual_report: everything; at national scale year_figures (everything but the schools' and districts' "
        "own reports) then school_and_district_reports",
    )
    r.set_defaults(func=_run)
    e = sub.add_parser("report", help="build one report edition (HTML, Word, PDF, data appendix) from the warehouse")
    e.add_argument(
        "--edition", required=True, help="the year on the cover (2020, 2023, 2025) or the edition code (000, 001, 003)"
    )
    e.set_defaults(func=_report)
    c = sub.add_parser(
        "check-report",
        help="check a school's own report (or, without --school, a city report) against the warehouse and its own sums",
    )
    c.add_argument("--school", help="the school's code (seeds/schools.csv); without it the city marts are used")
    c.add_argument("--year", type=int, required=True, help="the data year the report is about")
    c.add_argument("--out", help="folder for the workbook and HTML page (default var/report_checks/<name>/)")
    c.add_argument("file", help="the report: .txt, .docx or .pdf")
    c.set_defaults(func=_check_report)
    u = sub.add_parser("ui", help="the Dagster UI (dagster dev) on this warehouse's Dagster home: every CLI run shows")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=_ui)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
