-- The commission's facts register: figures the reports print that no school submits (awards, events,
-- policy counts, plan targets), one row per fact and data year, typed.
with facts as (
    {{ pivot_reference_dataset(['facts_register'], ['fact_code', 'chapter_code', 'statement', 'unit', 'source_document', 'source_date', 'entered_by'], ['value', 'decimals']) }}
)

select
    data_year,
    fact_code,
    chapter_code,
    statement,
    value,
    coalesce(unit, '') as unit,
    cast(coalesce(decimals, 0) as integer) as decimals,
    source_document,
    source_date,
    entered_by,
    row_number
from facts
