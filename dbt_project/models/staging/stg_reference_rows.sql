-- Rows of each reference dataset's latest accepted file per data year, long form (row × column).
with files as (
    select
        file_id,
        row_number() over (partition by dataset_code, data_year order by loaded_at desc, file_id desc) as version_rank
    from {{ source('raw', 'reference_files') }}
    where status = 'accepted'
)

select r.dataset_code, r.data_year, r.row_number, r.column_name, r.value_text, r.value_number
from {{ source('raw', 'reference_rows') }} as r
inner join files as f on f.file_id = r.file_id and f.version_rank = 1
