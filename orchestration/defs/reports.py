"""Report assets and the quality gate in front of them."""

import dagster as dg

from data_checks.mart_checks import check_mart
from orchestration import settings
from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse

CHAPTER_MARTS = ("mart_ch1_indicators", "mart_ch2_indicators", "mart_ch3_indicators", "mart_ch5_indicators", "mart_ch6_indicators", "mart_ch7_indicators")
CH1_MART = dg.AssetKey(["marts", "mart_ch1_indicators"])


def quality_gate(mart: str) -> dg.AssetChecksDefinition:
    """GX gate on one chapter mart; blocking, so a report built on it does not materialize on bad numbers."""

    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="quality_gate",
        blocking=True,
        description="GX gate (Q001–Q004): unique keys, rates within 0–100 %, totals equal the sum of levels, completeness of required indicators above the threshold.",
    )
    def _gate(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        year = int(context.partition_key)
        with warehouse.connect() as con:
            frame = con.execute(f"select * from marts.{mart}").df()
        result = check_mart(frame, year)
        for problem in result.problems:
            context.log.error(problem)
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"expectations": result.expectations, "rows": len(frame), "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in result.problems) or "none")},
        )

    return _gate


chapter_gates = [quality_gate(mart) for mart in CHAPTER_MARTS]


@dg.asset(
    key=["reports", "ch1_overview"],
    # behind the feedback asset's blocking warnings_resolved check: open warnings hold the report back
    deps=[CH1_MART, dg.AssetKey(["feedback", "school_feedback"])],
    partitions_def=data_years,
    group_name="reports",
    kinds={"html", "docx", "pdf"},
    description="第一章 基本概况 from one HTML build in three formats (HTML, Word, PDF): prose from the editors' template, charts 图 1-1/1-2, tables, footnotes, data-quality appendix.",
)
def ch1_overview(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from orchestration.reports.pdf import html_to_pdf
    from orchestration.reports.render import render_chapter1
    from orchestration.reports.word import html_to_docx

    year = int(context.partition_key)
    with warehouse.connect() as con:
        html = render_chapter1(con, year)
    out = settings.output_dir(year) / "ch1_overview.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)  # readers never see a half-written report
    docx = html_to_docx(html, out.with_suffix(".docx"))
    pdf = html_to_pdf(html, out.with_suffix(".pdf"))
    return dg.MaterializeResult(metadata={"html": dg.MetadataValue.path(str(out)), "docx": dg.MetadataValue.path(str(docx)), "pdf": dg.MetadataValue.path(str(pdf))})
