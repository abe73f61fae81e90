-- The school registry seed, typed.
select
    school_code,
    school_name,
    former_names,
    school_type,
    level,
    district,
    sponsor,
    ownership,
    cast(active_from as integer) as active_from,
    cast(active_to as integer) as active_to,
    cast(is_placeholder as boolean) as is_placeholder
from {{ ref('schools') }}
