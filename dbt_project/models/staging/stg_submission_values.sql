-- Values of the current accepted submission of each school and year, in catalogue base units.
select
    v.submission_id,
    v.data_year,
    v.school_code,
    v.indicator_code,
    cast(v.value as double) as value,
    v.sheet,
    v.row_number,
    v.cell,
    v.note
from {{ source('raw', 'submission_values') }} as v
inner join {{ ref('stg_submissions') }} as s
    on s.submission_id = v.submission_id and s.is_current
