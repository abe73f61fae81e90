-- Schools as analysts join them: registry attributes, whatever the year.
select
    school_code,
    school_name,
    former_names,
    school_type,
    level,
    district,
    sponsor,
    active_from,
    active_to,
    is_placeholder
from {{ ref('stg_schools') }}
