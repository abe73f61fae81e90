-- City figures of every indicator per data year and group, with the previous year, the change in
-- the indicator's own semantics (difference and percent; percentage points for rates; ratios as
-- ratios) and completeness. The chapter marts are this fact cut by chapter.
with groups as (
    select
        g.*,
        i.name_zh, i.unit, i.value_type, i.aggregation, i.required, i.chapter, i.chapter_code, i.official_table,
        i.table_row, i.change_semantics
    from {{ ref('int_group_indicator_values') }} as g
    inner join {{ ref('dim_indicator') }} as i on i.indicator_code = g.indicator_code
    -- the city groups; district groups are marts.mart_district_indicator_year
    where g.group_kind in ('city', 'level', 'school_type', 'ownership')
)

select
    cur.data_year,
    cur.group_name,
    cur.group_kind,
    cur.group_level,
    cur.indicator_code,
    cur.name_zh as indicator_name,
    cur.chapter,
    cur.chapter_code,
    cur.unit,
    cur.value_type,
    cur.aggregation,
    cur.required,
    cur.official_table,
    cur.table_row,
    cur.value,
    cur.numerator,
    cur.denominator,
    prev.value as prev_value,
    cur.change_semantics,
    {{ change_columns('cur.change_semantics', 'cur.value', 'prev.value') }},
    cur.schools_reporting,
    cur.schools_expected,
    cast(cur.schools_reporting as double) / nullif(cur.schools_expected, 0) as completeness,
    '{{ invocation_id }}' as dbt_invocation_id
from groups as cur
left join groups as prev
    on {{ previous_year_of('cur', 'prev', ['group_name', 'indicator_code']) }}
where {{ partition_years('cur.data_year', following=true) }}
    -- a year no school's submission was accepted for has no figures (not rows of empty values)
    and cur.data_year in (select data_year from {{ ref('stg_submissions') }} where is_current)
