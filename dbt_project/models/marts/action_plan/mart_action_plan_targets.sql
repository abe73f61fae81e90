-- The action plan's numeric targets (report 002) against the warehouse's actual for the target year.
-- 左右 ("about") targets count as met within ±10 %. A target is measured by a submitted indicator
-- (seeds/targets.csv indicator_code, read at actual_level) or by a fact of the commission's facts register
-- (fact_code); a target neither backs, or whose year is not loaded, has no actual and says why.
with targets as (
    select
        *,
        coalesce(nullif(actual_level, ''), level) as measured_level,
        case
            when nullif(indicator_code, '') is not null then 'indicator'
            when nullif(fact_code, '') is not null then 'fact'
        end as actual_source
    from {{ ref('targets') }}
),

indicator_actuals as (
    select data_year, group_name, indicator_code, value, schools_reporting, schools_expected
    from {{ ref('fct_city_indicator_year') }}
),

fact_actuals as (
    select data_year, fact_code, value
    from {{ ref('fct_report_facts') }}
),

loaded_years as (
    select distinct 'indicator' as actual_source, data_year from indicator_actuals
    union all
    select distinct 'fact' as actual_source, data_year from fact_actuals
),

measured as (
    select
        t.*,
        coalesce(a.value, f.value) as actual_value,
        a.schools_reporting,
        a.schools_expected,
        ly.data_year is not null as year_loaded
    from targets as t
    left join indicator_actuals as a
        on t.actual_source = 'indicator'
        and a.data_year = t.target_year
        and a.indicator_code = t.indicator_code
        and a.group_name = case t.measured_level when '全部' then '职业院校合计' else t.measured_level end
    left join fact_actuals as f
        on t.actual_source = 'fact'
        and f.data_year = t.target_year
        and f.fact_code = t.fact_code
    left join loaded_years as ly
        on ly.actual_source = t.actual_source and ly.data_year = t.target_year
)

select
    target_code,
    name_zh,
    cast(target_year as integer) as target_year,
    level,
    nullif(indicator_code, '') as indicator_code,
    nullif(fact_code, '') as fact_code,
    case when actual_source is not null then measured_level end as actual_level,
    actual_source,
    comparison,
    cast(target_value as double) as target_value,
    unit,
    cast(actual_value as double) as actual_value,
    cast(schools_reporting as integer) as schools_reporting,
    cast(schools_expected as integer) as schools_expected,
    case
        when actual_value is null then 'no_actual'
        when comparison = 'at_least' and actual_value >= target_value then 'met'
        when comparison = 'at_most' and actual_value <= target_value then 'met'
        when comparison = 'equal' and abs(actual_value - target_value) <= 0.1 * target_value then 'met'
        else 'not_met'
    end as status,
    case
        when actual_value is not null and measured_level <> level
            then 'actual covers ' || measured_level || ' only (target: ' || level || '), a lower bound'
        when actual_value is not null then null
        when actual_source is null then 'no indicator or fact in the warehouse measures this target'
        when not year_loaded
            then 'needs data year ' || cast(target_year as varchar) || ' (not loaded: run that year, e.g. vocwh run --year '
            || cast(target_year as varchar) || ')'
        when actual_source = 'indicator'
            then 'data year ' || cast(target_year as varchar) || ' loaded, but no ' || indicator_code || ' for ' || measured_level
        else 'data year ' || cast(target_year as varchar) || ' loaded, but the facts register has no ' || fact_code
    end as actual_note,
    note
from measured
