-- School figures with their changes and standing: data year × school × indicator, the value, the previous
-- year's value, the change in the indicator's own semantics (the rules of fct_city_indicator_year: difference
-- and percent for counts, amounts, areas and per-student values; percentage points for rates; a difference
-- for ratios such as 生师比), rank and percentile among the schools of the level, and the level's city figure.
-- A school's rate, per-student value or ratio is its own numerator over its own denominator: the city's
-- formula (int_group_indicator_values) applied to one school. Per data year: a run rebuilds its year and the
-- next, whose changes read this year's values.
with indicators as (
    select * from {{ ref('dim_indicator') }}
),

-- the years this run builds (cur) and the years their changes read (one before each)
school_values as (
    select data_year, school_code, indicator_code, value
    from {{ ref('fct_school_indicator') }}
    where {{ partition_years('data_year', following=true) }} or {{ partition_years('data_year + 1', following=true) }}
),

school_ratios as (
    select
        n.data_year,
        n.school_code,
        i.indicator_code,
        case
            when d.value <> 0 then (case when i.value_type = 'rate' then 100.0 else 1.0 end) * n.value / d.value
        end as value
    from indicators as i
    inner join school_values as n on n.indicator_code = i.numerator_code
    inner join school_values as d
        on d.data_year = n.data_year and d.school_code = n.school_code and d.indicator_code = i.denominator_code
    where i.aggregation in ('ratio_of_sums', 'per_student', 'ratio')
),

all_values as (
    select data_year, school_code, indicator_code, value from school_values
    union all
    select data_year, school_code, indicator_code, value from school_ratios
),

cur as (
    select
        v.data_year,
        v.school_code,
        sy.school_name,
        sy.school_type,
        sy.level,
        sy.district,
        sy.ownership,
        sy.in_city_scope,
        v.indicator_code,
        i.name_zh as indicator_name,
        i.unit,
        i.value_type,
        i.aggregation,
        i.change_semantics,
        v.value,
        -- who is ranked: the schools the level's city figure counts, with a value
        sy.in_city_scope and v.value is not null as is_ranked
    from all_values as v
    inner join {{ ref('int_school_years') }} as sy on sy.school_code = v.school_code and sy.data_year = v.data_year
    inner join indicators as i on i.indicator_code = v.indicator_code
    where {{ partition_years('v.data_year', following=true) }}
),

ranked as (
    select
        cur.*,
        rank() over (
            partition by data_year, level, indicator_code, is_ranked order by value desc
        ) as level_rank,
        100.0 * cume_dist() over (
            partition by data_year, level, indicator_code, is_ranked order by value asc
        ) as level_percentile,
        count(*) over (partition by data_year, level, indicator_code, is_ranked) as level_count
    from cur
),

city as (
    select data_year, group_name, indicator_code, value
    from {{ ref('fct_city_indicator_year') }}
    where group_kind = 'level' and {{ partition_years('data_year', following=true) }}
)

select
    r.data_year,
    r.school_code,
    r.school_name,
    r.school_type,
    r.level,
    r.district,
    r.ownership,
    r.in_city_scope,
    r.indicator_code,
    r.indicator_name,
    r.unit,
    r.value_type,
    r.change_semantics,
    r.value,
    prev.value as prev_value,
    {{ change_columns('r.change_semantics', 'r.value', 'prev.value') }},
    case when r.is_ranked then r.level_rank end as level_rank,
    case when r.is_ranked then r.level_percentile end as level_percentile,
    case when r.is_ranked then r.level_count end as schools_ranked,
    c.value as city_value,
    -- a level total (sum) is no peer of one school's figure: the school's share of it instead
    case when r.aggregation <> 'sum' then r.value - c.value end as diff_from_city,
    case when r.aggregation = 'sum' and r.in_city_scope and c.value <> 0 then 100.0 * r.value / c.value end
        as share_of_city_pct,
    '{{ invocation_id }}' as dbt_invocation_id
from ranked as r
left join all_values as prev
    on {{ previous_year_of('r', 'prev', ['school_code', 'indicator_code']) }}
left join city as c
    on c.data_year = r.data_year
    and c.group_name = r.level
    and c.indicator_code = r.indicator_code
