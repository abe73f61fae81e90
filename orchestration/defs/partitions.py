"""Data years are the partitions: every year that has a submission template (seeds/template_versions.csv)."""

import dagster as dg

from orchestration.catalogue import collected_years

DATA_YEARS = [str(y) for y in collected_years()]
data_years = dg.StaticPartitionsDefinition(DATA_YEARS)
