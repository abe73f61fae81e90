-- Aggregates per data year, group and indicator. City groups, for the schools in the city report's scope:
-- 职业院校合计 (city), 高职 / 中职 (level), each school type, and 公办 / 民办 within a level. District groups
-- (group_kind 'district', group_name the 区, group_level the level), for the district's schools of a level
-- (in_district_scope: voluntary collections too). The city marts read the city kinds only.
-- Sums add up; rates are 100 × Σnumerator / Σdenominator over schools reporting both, never a mean of
-- school rates; per-student values and ratios are Σnumerator / Σdenominator. Every row carries its
-- completeness: schools reporting / schools expected (schools of a level that collects the indicator).
with school_years as (
    select * from {{ ref('int_school_years') }} where {{ partition_years() }}
),

city_school_years as (
    select * from school_years where in_city_scope
),

memberships as (
    select data_year, school_code, level, '职业院校合计' as group_name, 'city' as group_kind, cast(null as varchar) as group_level from city_school_years
    union all
    select data_year, school_code, level, level as group_name, 'level' as group_kind, level as group_level from city_school_years
    union all
    select data_year, school_code, level, school_type as group_name, 'school_type' as group_kind, level as group_level from city_school_years
    union all
    select data_year, school_code, level, level || ownership as group_name, 'ownership' as group_kind, level as group_level from city_school_years
    union all
    select data_year, school_code, level, district as group_name, 'district' as group_kind, level as group_level from school_years
    where in_district_scope
),

expected as (
    select
        m.data_year, m.group_name, m.group_kind, m.group_level, m.school_code,
        i.indicator_code, i.aggregation, i.numerator_code, i.denominator_code,
        case when i.value_type = 'rate' then 100.0 else 1.0 end as multiplier
    from memberships as m
    inner join {{ ref('int_indicator_years') }} as iy
        on iy.data_year = m.data_year and iy.level = m.level
    inner join {{ ref('stg_indicators') }} as i
        on i.indicator_code = iy.indicator_code
),

school_values as (
    select * from {{ ref('int_school_indicator_values') }}
),

sums as (
    select
        e.data_year, e.group_name, e.group_kind, e.group_level, e.indicator_code,
        sum(v.value) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        count(v.value) as schools_reporting,
        count(*) as schools_expected
    from expected as e
    left join school_values as v
        on v.data_year = e.data_year and v.school_code = e.school_code and v.indicator_code = e.indicator_code
    where e.aggregation = 'sum'
    group by e.data_year, e.group_name, e.group_kind, e.group_level, e.indicator_code
),

rate_parts as (
    select
        e.data_year, e.group_name, e.group_kind, e.group_level, e.indicator_code, e.multiplier,
        case when n.value is not null and d.value is not null then n.value end as numerator,
        case when n.value is not null and d.value is not null then d.value end as denominator
    from expected as e
    left join school_values as n
        on n.data_year = e.data_year and n.school_code = e.school_code and n.indicator_code = e.numerator_code
    left join school_values as d
        on d.data_year = e.data_year and d.school_code = e.school_code and d.indicator_code = e.denominator_code
    where e.aggregation in ('ratio_of_sums', 'per_student', 'ratio')
),

rates as (
    select
        data_year, group_name, group_kind, group_level, indicator_code,
        max(multiplier) * sum(numerator) / nullif(sum(denominator), 0) as value,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(denominator) as schools_reporting,
        count(*) as schools_expected
    from rate_parts
    group by data_year, group_name, group_kind, group_level, indicator_code
),

school_counts as (
    select
        data_year, group_name, group_kind, group_level, 'school_count' as indicator_code,
        cast(count(*) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        count(*) as schools_reporting,
        count(*) as schools_expected
    from memberships
    group by data_year, group_name, group_kind, group_level
)

select *, '{{ invocation_id }}' as dbt_invocation_id from sums
union all
select *, '{{ invocation_id }}' as dbt_invocation_id from rates
union all
select *, '{{ invocation_id }}' as dbt_invocation_id from school_counts
