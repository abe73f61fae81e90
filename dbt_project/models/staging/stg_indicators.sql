-- The indicator catalogue seed, typed.
select
    indicator_code,
    name_zh,
    aliases,
    unit,
    level,
    chapter,
    chapter_code,
    official_table,
    cast(table_row as integer) as table_row,
    value_type,
    aggregation,
    nullif(numerator_code, '') as numerator_code,
    nullif(denominator_code, '') as denominator_code,
    cast(min_value as double) as min_value,
    cast(max_value as double) as max_value,
    source,
    cast(required as boolean) as required,
    description
from {{ ref('indicators') }}
