{#
  Per-year models are incremental by data year (delete+insert on data_year, configured in
  dbt_project.yml): a run for one data year rebuilds that year's rows only, so a resubmission
  reprocesses its year and leaves the other years as they were. Models whose rows compare a year
  with the one before pass following=true: the next year's changes read this year's values.

  The Dagster dbt asset says which year as data: it fills meta.dbt_build_years for its build
  (orchestration.defs.dbt.build_years) and empties it afterwards, so the SQL is the same for every
  year and dbt's partial parsing holds (--vars that differ from the last parse re-parse everything).
  A data_year var (a unit test, a build by hand for one year) takes precedence. With neither, on a
  first build or with --full-refresh, every year is built.
#}
{% macro partition_years(column='data_year', following=false) -%}
    {%- if not is_incremental() -%}
        true
    {%- elif var('data_year') is not none -%}
        {{ column }} in ({{ var('data_year') }}{% if following %}, {{ var('data_year') + 1 }}{% endif %})
    {%- else -%}
        (
            {{ column }} in (
                select data_year from meta.dbt_build_years{% if not following %} where not is_following{% endif %}
            )
            or not exists (select 1 from meta.dbt_build_years)
        )
    {%- endif -%}
{%- endmacro %}
