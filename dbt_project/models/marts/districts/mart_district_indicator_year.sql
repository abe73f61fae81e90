-- District figures (区级数据): data year × district × level × indicator, aggregated as the city figures are
-- (int_group_indicator_values, group_kind 'district': sums add up; rates, per-student values and ratios are
-- Σnumerator / Σdenominator over the district's schools reporting both), with the previous year's value and
-- the change in the indicator's own semantics (macro indicator_changes, as fct_city_indicator_year) and
-- completeness. The district reports' tables read it. Per data year: a run rebuilds its year and the next,
-- whose changes read this year's values.
with districts as (
    select
        g.data_year,
        g.group_name as district,
        g.group_level as level,
        g.indicator_code,
        i.name_zh as indicator_name,
        i.unit,
        i.value_type,
        i.aggregation,
        i.change_semantics,
        g.value,
        g.numerator,
        g.denominator,
        g.schools_reporting,
        g.schools_expected
    from {{ ref('int_group_indicator_values') }} as g
    inner join {{ ref('dim_indicator') }} as i on i.indicator_code = g.indicator_code
    where g.group_kind = 'district'
)

select
    cur.data_year,
    cur.district,
    cur.level,
    cur.indicator_code,
    cur.indicator_name,
    cur.unit,
    cur.value_type,
    cur.aggregation,
    cur.change_semantics,
    cur.value,
    cur.numerator,
    cur.denominator,
    prev.value as prev_value,
    {{ change_columns('cur.change_semantics', 'cur.value', 'prev.value') }},
    cur.schools_reporting,
    cur.schools_expected,
    cast(cur.schools_reporting as double) / nullif(cur.schools_expected, 0) as completeness,
    '{{ invocation_id }}' as dbt_invocation_id
from districts as cur
left join districts as prev
    on {{ previous_year_of('cur', 'prev', ['district', 'level', 'indicator_code']) }}
where {{ partition_years('cur.data_year', following=true) }}
    -- a year no school's submission was accepted for has no figures (not rows of empty values)
    and cur.data_year in (select data_year from {{ ref('stg_submissions') }} where is_current)
