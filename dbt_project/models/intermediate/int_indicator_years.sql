-- Which indicators a level collects in a data year: the rows of that year's template, then the
-- derived sums whose applicable components are all collected, then the rates, per-student values and
-- ratios whose numerator and denominator are collected. Only these are expected of schools that year.
with templates as (
    select distinct data_year, level, template_version from {{ ref('template_versions') }}
),

submitted as (
    select distinct t.data_year, t.level, r.indicator_code
    from templates as t
    inner join {{ ref('template_rows') }} as r
        on r.template_version = t.template_version and r.level = t.level
),

component_status as (
    select
        t.data_year, t.level, c.indicator_code,
        count(*) as applicable,
        count(s.indicator_code) as collected
    from templates as t
    inner join {{ ref('indicator_components') }} as c on true
    inner join {{ ref('stg_indicators') }} as ci
        on ci.indicator_code = c.component_code and ci.level in ('全部', t.level)
    left join submitted as s
        on s.data_year = t.data_year and s.level = t.level and s.indicator_code = c.component_code
    group by t.data_year, t.level, c.indicator_code
),

sums as (
    select data_year, level, indicator_code from submitted
    union
    select data_year, level, indicator_code from component_status where collected = applicable
),

ratios as (
    select n.data_year, n.level, i.indicator_code
    from {{ ref('stg_indicators') }} as i
    inner join sums as n on n.indicator_code = i.numerator_code
    inner join sums as d on d.indicator_code = i.denominator_code and d.data_year = n.data_year and d.level = n.level
    where i.aggregation in ('ratio_of_sums', 'per_student', 'ratio')
)

select data_year, level, indicator_code from sums
union
select data_year, level, indicator_code from ratios
