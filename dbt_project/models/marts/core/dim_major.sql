-- The major catalogue (2021 职业教育专业目录 plus local 目录外 majors): major, level and 专业大类.
select
    major_code,
    major_name,
    level,
    category_code,
    category_name,
    catalogue_year,
    aliases,
    length(major_code) = 2 as is_category
from {{ ref('majors') }}
