{#
  Per-year models are incremental by data year (delete+insert on data_year, configured in
  dbt_project.yml): a run for one data year rebuilds that year's rows only, so a resubmission
  reprocesses its year and leaves the other years as they were. Models whose rows compare a year
  with the one before pass following=true: the next year's changes read this year's values.
  Without a data year (or on a first or full-refresh build) every year is built.
#}
{% macro partition_years(column='data_year', following=false) -%}
    {%- if is_incremental() and var('data_year') is not none -%}
        {{ column }} in ({{ var('data_year') }}{% if following %}, {{ var('data_year') + 1 }}{% endif %})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
