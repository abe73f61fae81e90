-- Each additive total beside the sum of its parts, for the gate on the chapter marts (rule Q003):
-- the city (职业院校合计) against its two levels, each level against its school types. A part
-- without a value counts as 0, as it does in the total.
with additive as (
    select data_year, indicator_code, group_name, group_kind, group_level, coalesce(value, 0) as value
    from {{ ref('fct_city_indicator_year') }}
    where aggregation in ('sum', 'count')
),

city as (
    select
        t.data_year,
        t.indicator_code,
        t.group_name as total_group,
        t.value as total,
        coalesce(sum(p.value), 0) as parts_sum
    from additive as t
    left join additive as p
        on p.data_year = t.data_year and p.indicator_code = t.indicator_code and p.group_kind = 'level'
    where t.group_kind = 'city'
    group by all
),

levels as (
    select
        t.data_year,
        t.indicator_code,
        t.group_name as total_group,
        t.value as total,
        sum(p.value) as parts_sum
    from additive as t
    inner join additive as p
        on p.data_year = t.data_year and p.indicator_code = t.indicator_code
        and p.group_kind = 'school_type' and p.group_level = t.group_name
    where t.group_kind = 'level'
    group by all
)

select
    data_year,
    indicator_code,
    total_group,
    round(total, 4) as total,
    round(parts_sum, 4) as parts_sum,
    data_year || '/' || total_group || '/' || indicator_code as row_key
from (select * from city union all select * from levels)
