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

indicators as (
    select
        iy.data_year, iy.level, i.indicator_code, i.aggregation, i.numerator_code, i.denominator_code,
        case when i.value_type = 'rate' then 100.0 else 1.0 end as multiplier
    from {{ ref('int_indicator_years') }} as iy
    inner join {{ ref('stg_indicators') }} as i
        on i.indicator_code = iy.indicator_code
),

-- Every (group, indicator) a level's schools are expected to report, and how many schools: the groups' sizes
-- per level times the level's indicators, never a row per school and indicator (millions at national scale)
group_sizes as (
    select data_year, group_name, group_kind, group_level, level, count(*) as schools
    from memberships
    group by data_year, group_name, group_kind, group_level, level
),

expected as (
    select
        g.data_year, g.group_name, g.group_kind, g.group_level, x.indicator_code, x.aggregation,
        max(x.multiplier) as multiplier,
        cast(sum(g.schools) as bigint) as schools_expected
    from group_sizes as g
    inner join indicators as x
        on x.data_year = g.data_year and x.level = g.level
    group by g.data_year, g.group_name, g.group_kind, g.group_level, x.indicator_code, x.aggregation
),

school_values as (
    select * from {{ ref('int_school_indicator_values') }}
),

-- what the member schools reported of an expected indicator (a value of an indicator its level does not
-- collect counts nowhere)
reported_sums as (
    select
        m.data_year, m.group_name, m.group_kind, m.group_level, v.indicator_code,
        sum(v.value) as value,
        count(v.value) as schools_reporting
    from memberships as m
    inner join school_values as v
        on v.data_year = m.data_year and v.school_code = m.school_code
    inner join indicators as x
        on x.data_year = m.data_year and x.level = m.level and x.indicator_code = v.indicator_code
    where x.aggregation = 'sum'
    group by m.data_year, m.group_name, m.group_kind, m.group_level, v.indicator_code
),

-- a school's numerator and denominator of a rate, when it reported both
school_rate_parts as (
    select n.data_year, n.school_code, x.level, x.indicator_code, n.value as numerator, d.value as denominator
    from school_values as n
    inner join indicators as x
        on x.data_year = n.data_year and x.numerator_code = n.indicator_code
    inner join school_values as d
        on d.data_year = n.data_year and d.school_code = n.school_code and d.indicator_code = x.denominator_code
    where x.aggregation in ('ratio_of_sums', 'per_student', 'ratio')
      and n.value is not null and d.value is not null
),

reported_rates as (
    select
        m.data_year, m.group_name, m.group_kind, m.group_level, p.indicator_code,
        sum(p.numerator) as numerator,
        sum(p.denominator) as denominator,
        count(*) as schools_reporting
    from memberships as m
    inner join school_rate_parts as p
        on p.data_year = m.data_year and p.school_code = m.school_code and p.level = m.level
    group by m.data_year, m.group_name, m.group_kind, m.group_level, p.indicator_code
),

sums as (
    select
        e.data_year, e.group_name, e.group_kind, e.group_level, e.indicator_code,
        r.value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        coalesce(r.schools_reporting, 0) as schools_reporting,
        e.schools_expected
    from expected as e
    left join reported_sums as r
        on r.data_year = e.data_year and r.group_name = e.group_name and r.group_kind = e.group_kind
        and r.group_level is not distinct from e.group_level and r.indicator_code = e.indicator_code
    where e.aggregation = 'sum'
),

rates as (
    select
        e.data_year, e.group_name, e.group_kind, e.group_level, e.indicator_code,
        e.multiplier * r.numerator / nullif(r.denominator, 0) as value,
        r.numerator,
        r.denominator,
        coalesce(r.schools_reporting, 0) as schools_reporting,
        e.schools_expected
    from expected as e
    left join reported_rates as r
        on r.data_year = e.data_year and r.group_name = e.group_name and r.group_kind = e.group_kind
        and r.group_level is not distinct from e.group_level and r.indicator_code = e.indicator_code
    where e.aggregation in ('ratio_of_sums', 'per_student', 'ratio')
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
