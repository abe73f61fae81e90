-- stg_ref_quality_monitoring: one row per record of the reference dataset(s) 'quality_monitoring_new_majors', 'quality_monitoring_pilot_majors', typed.
select
    dataset_code,
    data_year,
    row_number,
    max(case when column_name = 'grade' then value_text end) as grade,
    max(case when column_name = 'band' then value_text end) as band,
    max(case when column_name = 'major_count' then value_number end) as major_count
from {{ ref('stg_reference_rows') }}
where dataset_code in ('quality_monitoring_new_majors', 'quality_monitoring_pilot_majors')
group by dataset_code, data_year, row_number
