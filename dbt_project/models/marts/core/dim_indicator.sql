-- Indicators as analysts read them: name, unit, level, chapter, value type and how they aggregate.
select
    indicator_code,
    name_zh,
    aliases,
    unit,
    level,
    chapter,
    chapter_code,
    official_table,
    table_row,
    value_type,
    aggregation,
    numerator_code,
    denominator_code,
    min_value,
    max_value,
    source,
    required,
    description,
    case value_type
        when 'rate' then 'percentage_points'
        when 'ratio' then 'ratio'
        else 'difference_and_percent'
    end as change_semantics
from {{ ref('stg_indicators') }}
