-- The action plan's numeric targets (report 002) against the warehouse's actual for the target year.
-- 左右 ("about") targets count as met within ±10 %; targets no school submission backs have no actual.
with targets as (
    select * from {{ ref('targets') }}
),

actuals as (
    select data_year, group_name, indicator_code, value, schools_reporting, schools_expected
    from {{ ref('fct_city_indicator_year') }}
)

select
    t.target_code,
    t.name_zh,
    t.target_year,
    t.level,
    t.indicator_code,
    t.comparison,
    t.target_value,
    t.unit,
    a.value as actual_value,
    a.schools_reporting,
    a.schools_expected,
    case
        when a.value is null then 'no_actual'
        when t.comparison = 'at_least' and a.value >= t.target_value then 'met'
        when t.comparison = 'at_most' and a.value <= t.target_value then 'met'
        when t.comparison = 'equal' and abs(a.value - t.target_value) <= 0.1 * t.target_value then 'met'
        else 'not_met'
    end as status,
    t.note
from targets as t
left join actuals as a
    on a.data_year = t.target_year
    and a.indicator_code = t.indicator_code
    and a.group_name = case t.level when '全部' then '职业院校合计' else t.level end
