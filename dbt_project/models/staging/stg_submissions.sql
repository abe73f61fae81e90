-- One row per submitted file version; is_current marks the latest accepted version per school and year
-- (what the marts use), is_latest the school's latest file whatever its status (what its feedback shows).
with submissions as (
    select * from {{ source('raw', 'submissions') }}
)

select
    submission_id,
    cast(data_year as integer) as data_year,
    school_code,
    file_name,
    file_hash,
    file_bytes,
    template_version,
    status,
    error_count,
    warning_count,
    received_at,
    loaded_at,
    filled_by,
    status = 'accepted'
        and row_number() over (
            partition by data_year, school_code, status
            order by loaded_at desc, received_at desc, submission_id desc
        ) = 1 as is_current,
    -- a file no school code could be read from is its own sender
    row_number() over (
        partition by data_year, coalesce(school_code, file_name)
        order by loaded_at desc, received_at desc, submission_id desc
    ) = 1 as is_latest
from submissions
