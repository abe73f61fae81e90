"""Data years are the partitions: every year that has a submission template (seeds/template_versions.csv)."""
import dagster as dg

from orchestration.catalogue import read_seed

DATA_YEARS = sorted({r["data_year"] for r in read_seed("template_versions")})
data_years = dg.StaticPartitionsDefinition(DATA_YEARS)
