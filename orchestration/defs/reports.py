"""Report assets and the quality gate in front of them."""

import dagster as dg

from data_checks.mart_checks import check_mart
from orchestration import settings
from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse

CHAPTER_MARTS = (
    "mart_ch1_indicators",
    "mart_ch2_indicators",
    "mart_ch3_indicators",
    "mart_ch5_indicators",
    "mart_ch6_indicators",
    "mart_ch7_indicators",
)
CH1_MART = dg.AssetKey(["marts", "mart_ch1_indicators"])
RECONCILIATION = dg.AssetKey(["marts", "fct_total_reconciliation"])


def quality_gate(mart: str) -> dg.AssetChecksDefinition:
    """GX gate on one chapter mart; blocking, so a report built on it does not materialize on bad numbers."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="quality_gate",
        blocking=True,
        additional_deps=[RECONCILIATION],
        description="GX gate (Q001–Q004), run as the stored checkpoints <mart>_mart_<year> and "
        "<mart>_reconciliation_<year>: unique keys, rates within 0–100 %, totals equal the sum of their parts "
        "(marts.fct_total_reconciliation), completeness of required indicators above the threshold.",
    )
    def _gate(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        year = int(context.partition_key)
        with warehouse.connect() as con:
            frame = con.execute(f"select * from marts.{mart}").df()
            reconciliation = con.execute(
                "select * from marts.fct_total_reconciliation "
                f"where indicator_code in (select indicator_code from marts.{mart})"
            ).df()
        result = check_mart(mart, frame, reconciliation, year)
        for problem in result.problems:
            context.log.error(problem)
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "expectations": result.expectations,
                "checkpoints": dg.MetadataValue.json(result.checkpoints),
                "rows": len(frame),
                "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in result.problems) or "none"),
            },
        )

    return _gate


chapter_gates = [quality_gate(mart) for mart in CHAPTER_MARTS]


FACTS = dg.AssetKey(["marts", "fct_report_facts"])
DATASET_ROWS = dg.AssetKey(["marts", "fct_reference_dataset_rows"])
REPORT_INPUTS = [
    dg.AssetKey(["marts", m])
    for m in (*CHAPTER_MARTS, "mart_ch2_major_structure", "mart_ch2_quality_monitoring", "mart_ch2_reference_lists")
]


def edition_asset(series: str) -> dg.AssetsDefinition:
    """The annual report of one series (高职, 中职, combined) for a data year, if an edition of that
    series exists for the year (seeds/report_editions.csv): HTML, Word, PDF and the data appendix CSV."""

    @dg.asset(
        key=["reports", f"annual_report_{series}"],
        # behind the chapter marts' gates and the feedback asset's blocking warnings_resolved check
        deps=[*REPORT_INPUTS, FACTS, DATASET_ROWS, dg.AssetKey(["feedback", "school_feedback"])],
        partitions_def=data_years,
        group_name="reports",
        kinds={"html", "docx", "pdf"},
        output_required=False,
        description=f"Annual report, series {series}: every chapter of the edition (seeds/report_editions.csv) "
        "from the editors' templates, numbered tables and figures, data appendix (every number and its source) — "
        "HTML, Word, PDF and CSV from one build. The edition fails, and nothing is written, when its text holds "
        "a numeral no mart row or fact backs, or names a metric, fact, table or figure that does not exist "
        "(the failure lists every sentence).",
    )
    def _edition(context: dg.AssetExecutionContext, warehouse: Warehouse):
        from orchestration.reports.build import EditionCheckFailed, build_edition, missing_years
        from orchestration.reports.edition import for_series

        edition = for_series(series, int(context.partition_key))
        if edition is None:
            context.log.info(
                f"no {series} report edition for data year {context.partition_key} (seeds/report_editions.csv)"
            )
            return
        with warehouse.connect() as con:
            missing = missing_years(con, edition)
        if edition.data_year in missing:
            context.log.warning(f"{edition.title} not built: data year {edition.data_year} not loaded")
            return
        if missing:  # built without comparisons: every previous-year value and change says 上年数据未采集
            context.log.warning(
                f"{edition.title}: data year {edition.data_year - 1} not loaded, built without comparisons "
                f"with it (run `vocwh run --year {edition.data_year} --with-previous` for them)"
            )
        try:
            with warehouse.connect() as con:
                built = build_edition(con, edition, settings.report_dir(edition.edition))
        except EditionCheckFailed as failed:
            raise dg.Failure(
                description=str(failed),
                metadata={"problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in failed.problems))},
            ) from None
        numbers = built.rendered.numbers
        yield dg.MaterializeResult(
            metadata={
                "edition": f"{edition.edition} ({edition.code}) {edition.title}",
                **{kind: dg.MetadataValue.path(str(path)) for kind, path in built.files.items()},
                "numbers": len(numbers),
                "facts": sum(n.source_kind == "事实" for n in numbers),
                "compared_with": (
                    f"{edition.data_year - 1} not loaded (上年数据未采集)"
                    if built.rendered.prev_missing
                    else str(edition.data_year - 1)
                ),
            }
        )

    return _edition


def edition_assets() -> list[dg.AssetsDefinition]:
    from orchestration.reports.edition import series

    return [edition_asset(name) for name in series()]


SCHOOL_MART = dg.AssetKey(["marts", "mart_school_indicator_year"])
SCHOOL_REPORTING = dg.AssetKey(["marts", "mart_school_reporting"])
FINDINGS = dg.AssetKey(["marts", "fct_submission_findings"])


class SchoolReportsConfig(dg.Config):
    pdf: bool = True  # PDF beside HTML and Word (about a second per school per core); off: HTML and Word only


@dg.asset(
    key=["reports", "school_reports"],
    # behind the feedback asset's blocking warnings_resolved check, as the editions are
    deps=[
        SCHOOL_MART,
        SCHOOL_REPORTING,
        FINDINGS,
        dg.AssetKey(["marts", "dim_indicator"]),
        dg.AssetKey(["feedback", "school_feedback"]),
    ],
    partitions_def=data_years,
    group_name="reports",
    kinds={"html", "docx", "pdf"},
    description="One data report per school that submitted in the data year (var/reports/<year>/schools/"
    "<code>_<name>_<year>.html/.docx/.pdf): its figures by chapter with the previous year, the change in the "
    "indicator's unit, its level's city value and its rank; the indicators its template asked for that it left "
    "blank; the warnings it must still explain and those it explained. Written together, then swapped in.",
)
def school_reports(
    context: dg.AssetExecutionContext, config: SchoolReportsConfig, warehouse: Warehouse
) -> dg.MaterializeResult:
    from pathlib import Path

    from orchestration import locking
    from orchestration.reports.school_report import load_year, write_school_reports

    year = int(context.partition_key)
    with warehouse.connect() as con:
        data = load_year(con, year)
    # rendered outside the writer lock; the folder swapped under it (the edition of the year swaps var/reports/<year>/)
    written = write_school_reports(
        data, settings.school_report_dir(year), pdf=config.pdf, lock=locking.exclusive(Path(warehouse.duckdb_path))
    )
    for problem in written.problems:
        context.log.warning(problem)
    n = len(written.files)
    context.log.info(
        f"school reports {year}: {n} schools in {written.folder} ({written.kept} unchanged, kept) — "
        f"render {written.seconds['html']:.1f} s, "
        f"Word {written.seconds['docx']:.1f} s, PDF {written.seconds['pdf']:.1f} s"
    )
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(written.folder)),
            "schools": n,
            "kept_unchanged": written.kept,
            "render_seconds": round(written.seconds["html"], 2),
            "word_seconds": round(written.seconds["docx"], 2),
            "pdf_seconds": round(written.seconds["pdf"], 2),
            "untraced_numbers": len(written.problems),
        }
    )
