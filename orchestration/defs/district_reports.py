"""The district reports asset: one report per district with schools, per data year (HTML, Word, PDF)."""

import dagster as dg

from orchestration.defs.partitions import data_years
from orchestration.defs.resources import Warehouse

DISTRICT_INPUTS = [
    dg.AssetKey(["marts", m]) for m in ("mart_district_indicator_year", "mart_school_indicator_year", "dim_indicator")
]


@dg.asset(
    key=["reports", "district_reports"],
    # behind the marts it reads and the feedback asset's blocking warnings_resolved check, as the editions are
    deps=[*DISTRICT_INPUTS, dg.AssetKey(["feedback", "school_feedback"])],
    partitions_def=data_years,
    group_name="reports",
    kinds={"html", "docx", "pdf"},
    output_required=False,
    description="District reports (区级职业教育质量数据报告), one per district with schools in the data year, in "
    "the form of the 昌平区 中职 2020 report: per level the district's figures (marts.mart_district_indicator_year) "
    "of the previous and the current year with 增长量 / 增长率 (rates in 个百分点), then each school's "
    "(marts.mart_school_indicator_year). Written together to var/reports/districts/<year>/<区>_<year>.{html,docx,pdf}.",
)
def district_reports(context: dg.AssetExecutionContext, warehouse: Warehouse):
    from orchestration.reports.district_report import build_district_reports, report_dir, schools_without_district
    from orchestration.reports.sources import loaded_years

    year = int(context.partition_key)
    with warehouse.connect() as con:
        if year not in loaded_years(con):
            context.log.warning(f"district reports of {year} not built: data year {year} not loaded")
            return
        files = build_district_reports(con, year)
        unplaced = schools_without_district(con, year)
    if unplaced:
        # the registry's districts come from the published reports; the rest wait for the commission's register
        context.log.warning(
            f"{len(unplaced)} schools of {year} are in no district report: seeds/schools.csv has no district for them"
        )
    yield dg.MaterializeResult(
        metadata={
            "districts": len(files),
            "folder": dg.MetadataValue.path(str(report_dir(year))),
            "schools_without_district": dg.MetadataValue.md("\n".join(f"- {s}" for s in unplaced) or "none"),
            "reports": dg.MetadataValue.md("\n".join(f"- {d}: {p['pdf'].name}" for d, p in files.items()) or "none"),
        }
    )
